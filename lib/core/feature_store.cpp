// The feature store's parts that need no HDF5: rows in memory, how two stores' features differ,
// and the HDF5 signature. The writer is in feature_store_writer.cpp, the reader in
// feature_store_reader.cpp, the layout in store_schema.h, the HDF5 calls in hdf5_util.h.
#include "mtl/core/feature_store.h"

#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace mtl {

namespace {

// Rows appended to `to` must have its sizes; an empty block without sizes takes those of `from`.
void match_sizes(FeatureRows& to, const FeatureRows& from) {
  if (to.size() == 0 && to.dim == 0) {
    to.dim = from.dim;
    to.logits_dim = from.logits_dim;
  }
  if (from.dim != to.dim || from.logits_dim != to.logits_dim)
    throw std::invalid_argument("feature rows of different sizes (" + std::to_string(to.dim) + " and " +
                                std::to_string(from.dim) + ")");
}

}  // namespace

void FeatureRows::append(const FeatureRows& o) {
  if (o.size() == 0) return;
  match_sizes(*this, o);
  if (size() > 0 && o.has_mirror() != has_mirror())
    throw std::invalid_argument("feature rows with and without mirrored features");
  image.insert(image.end(), o.image.begin(), o.image.end());
  features.insert(features.end(), o.features.begin(), o.features.end());
  logits.insert(logits.end(), o.logits.begin(), o.logits.end());
  features_mirror.insert(features_mirror.end(), o.features_mirror.begin(), o.features_mirror.end());
  logits_mirror.insert(logits_mirror.end(), o.logits_mirror.begin(), o.logits_mirror.end());
  labels.insert(labels.end(), o.labels.begin(), o.labels.end());
}

void FeatureRows::append_row(const FeatureRows& o, size_t i) {
  match_sizes(*this, o);
  auto copy = [i](std::vector<float>& to, const std::vector<float>& from, size_t width) {
    if (width > 0 && !from.empty()) to.insert(to.end(), from.begin() + i * width, from.begin() + (i + 1) * width);
  };
  image.push_back(o.image[i]);
  labels.push_back(o.labels[i]);
  copy(features, o.features, o.dim);
  copy(logits, o.logits, o.logits_dim);
  copy(features_mirror, o.features_mirror, o.dim);
  copy(logits_mirror, o.logits_mirror, o.logits_dim);
}

FeatureRows FeatureRows::mirrored() const {
  FeatureRows m;
  m.dim = dim;
  m.logits_dim = logits_dim;
  m.image = image;
  m.labels = labels;
  m.features = features_mirror;
  m.logits = logits_mirror;
  return m;
}

std::string store_mismatch(const StoreInfo& got, const StoreInfo& want) {
  auto sha = [](const std::string& h) { return h.substr(0, 12) + "..."; };
  auto floats = [](const std::array<float, 3>& v) {
    std::ostringstream o;
    o << v[0] << "," << v[1] << "," << v[2];
    return o.str();
  };
  if (got.backbone_sha256 != want.backbone_sha256)
    return "another backbone (SHA-256 " + sha(got.backbone_sha256) + ", not " + sha(want.backbone_sha256) + ")";
  if (got.input_size != want.input_size)
    return "another input size (" + std::to_string(got.input_size) + ", not " + std::to_string(want.input_size) + ")";
  if (got.feature_dim != want.feature_dim || got.logits_dim != want.logits_dim)
    return "other feature sizes (" + std::to_string(got.feature_dim) + " features + " + std::to_string(got.logits_dim) +
           " logits, not " + std::to_string(want.feature_dim) + " + " + std::to_string(want.logits_dim) + ")";
  if (got.mean != want.mean || got.std != want.std)
    return "another normalisation (mean " + floats(got.mean) + " std " + floats(got.std) + ", not mean " +
           floats(want.mean) + " std " + floats(want.std) + ")";
  if (got.resize != want.resize) return "images resized otherwise (--resize " + got.resize + ", not " + want.resize + ")";
  return "";
}

bool is_hdf5_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  char sig[8] = {};
  f.read(sig, 8);
  return f.gcount() == 8 && std::memcmp(sig, "\x89HDF\r\n\x1a\n", 8) == 0;
}

}  // namespace mtl
