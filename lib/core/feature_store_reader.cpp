// FeatureStoreReader (feature_store.h): a store opened and checked against its schema
// (store_schema.h) before any row is read, and rows read with their labels and values checked.
#include "mtl/core/feature_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "hdf5_util.h"
#include "mtl/core/error.h"
#include "store_schema.h"

namespace mtl {

using namespace h5;
using namespace store_schema;

struct FeatureStoreReader::Impl {
  Hid file;
  std::array<Hid, kColumnCount> sets;  // the row datasets but "skipped" (read on demand), by Column
};

std::vector<std::string> joined_store_parts(const std::string& path) {
  struct stat st {};
  if (path.find('+') == std::string::npos || ::stat(path.c_str(), &st) == 0) return {path};
  std::vector<std::string> parts;
  size_t from = 0;
  for (size_t plus; (plus = path.find('+', from)) != std::string::npos; from = plus + 1)
    parts.push_back(path.substr(from, plus - from));
  parts.push_back(path.substr(from));
  return parts;
}

FeatureStoreReader::FeatureStoreReader(const std::string& path, bool allow_partial)
    : impl_(new Impl), path_(path) {
  quiet_hdf5();
  if (joined_store_parts(path).size() > 1) {
    open_joined(allow_partial);
    return;
  }
  if (!is_hdf5_file(path)) {
    std::ifstream probe(path);
    if (!probe) throw InputError(path + ": cannot open: " + std::strerror(errno));
    throw InputError(path + ": not an HDF5 file (expected a feature store written by mtl-extract)");
  }
  impl_->file = Hid(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!impl_->file.ok()) {
    // A store being written is an mtl-extract .part, which its writer holds locked (lock_part).
    const bool part = path.size() > 5 && path.compare(path.size() - 5, 5, ".part") == 0;
    const std::string final_name = part ? path.substr(0, path.size() - 5) : path;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    const bool locked = fd >= 0 && ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    if (fd >= 0) ::close(fd);
    if (locked)
      throw InputError(path + ": a store that mtl-extract is writing now; wait for it to end" +
                       (part ? " (" + final_name + " is the finished store)" : std::string()));
    if (part)
      throw InputError(path + ": an unfinished store (a stopped mtl-extract's .part); run mtl-extract -o " +
                       final_name + " again to finish it");
    throw InputError(path + ": cannot open as HDF5 (a damaged file?)");
  }
  hid_t f = impl_->file;
  if (!has_attr(f, "format") || read_attr_string(f, "format", path) != "mtl-feature-store")
    throw InputError(path + ": not a feature store (no format attribute 'mtl-feature-store')");
  info_.format_version = static_cast<int>(read_attr_int(f, "format_version", path));
  if (info_.format_version != kStoreFormatVersion)
    throw InputError(path + ": feature store format version " + std::to_string(info_.format_version) +
                     " is not supported (this toolkit reads version " + std::to_string(kStoreFormatVersion) + ")");
  read_attributes(f, path, info_);
  info_.complete = read_attr_int(f, "complete", path) != 0;
  const long long rows = read_attr_int(f, "rows_committed", path);
  if (rows < 0) throw InputError(path + ": attribute 'rows_committed' is " + std::to_string(rows));
  info_.rows = static_cast<size_t>(rows);
  if (!info_.complete && !allow_partial)
    throw InputError(path + ": unfinished feature store (" + std::to_string(info_.rows) +
                     " rows committed); the run that wrote it did not complete");
  check_sizes(f);
}

// The attributes' sizes, and each dataset's rank, columns, rows and type, against each other.
void FeatureStoreReader::check_sizes(hid_t f) {
  const std::string& path = path_;
  auto open = [&](const char* name, int rank, hsize_t cols, H5T_class_t type) {
    Hid d(H5Dopen2(f, name, H5P_DEFAULT), H5Dclose);
    if (!d.ok()) throw InputError(path + ": missing dataset '" + name + "'");
    hsize_t dims[2] = {0, 0};
    if (dataset_shape(d, dims) != rank || (rank == 2 && dims[1] != cols))
      throw InputError(path + ": dataset '" + name + "' is not [rows" +
                       (rank == 2 ? "," + std::to_string(cols) : std::string()) + "]");
    if (dims[0] < info_.rows)
      throw InputError(path + ": dataset '" + name + "' has " + std::to_string(dims[0]) + " rows, fewer than rows_committed (" +
                       std::to_string(info_.rows) + ")");
    Hid t(H5Dget_type(d), H5Tclose);
    if (H5Tget_class(t) != type) throw InputError(path + ": dataset '" + name + "' has the wrong type");
    return d;
  };
  for (int c = 0; c < kColumnCount; ++c) {
    const Column col = static_cast<Column>(c);
    if (kRowDatasets[c].counts_skipped || !present(col, info_)) continue;
    const hsize_t cols = columns(col, info_);
    impl_->sets[c] = open(kRowDatasets[c].name, cols ? 2 : 1, cols, type_class(col));
  }
  Hid ft(H5Dget_type(impl_->sets[kFeatures]), H5Tclose);
  info_.half = H5Tget_size(ft) == 2;
}

FeatureStoreReader::~FeatureStoreReader() = default;

// Opens the parts of a join and checks that they hold the same rows: the images and labels of each
// part, a chunk at a time, against the first's.
void FeatureStoreReader::open_joined(bool allow_partial) {
  const std::vector<std::string> names = joined_store_parts(path_);
  for (const auto& name : names) {
    if (name.empty())
      throw InputError(path_ + ": an empty store name in a join (stores are joined as A.h5+B.h5)");
    parts_.push_back(std::make_unique<FeatureStoreReader>(name, allow_partial));
  }
  const FeatureStoreReader& first = *parts_.front();
  info_ = first.info();
  info_.backbone = info_.backbone_sha256 = info_.compute = "";
  info_.feature_dim = info_.logits_dim = 0;
  bool all_logits = true;
  for (size_t k = 0; k < parts_.size(); ++k) {
    const FeatureStoreReader& part = *parts_[k];
    const StoreInfo& in = part.info();
    if (part.rows() != first.rows())
      throw InputError(path_ + ": " + part.path() + " holds " + std::to_string(part.rows()) + " rows, " + first.path() +
                       " " + std::to_string(first.rows()) + "; stores joined with '+' must hold the same images in "
                       "the same order (extract them from the same list)");
    const std::string sep = k ? "+" : "";
    info_.backbone += sep + in.backbone;
    info_.backbone_sha256 += sep + in.backbone_sha256;
    info_.compute += sep + in.compute;
    info_.feature_dim += in.feature_dim;
    info_.logits_dim += in.logits_dim;
    all_logits = all_logits && in.logits_dim > 0;
    info_.mirror = info_.mirror && in.mirror;
    info_.complete = info_.complete && in.complete;
    info_.half = info_.half || in.half;
  }
  if (!all_logits) info_.logits_dim = 0;  // logits only when every part has them
  if (info_.feature_dim > kMaxStoreColumns)
    throw InputError(path_ + ": " + std::to_string(info_.feature_dim) + " features per row joined, more than " +
                     std::to_string(kMaxStoreColumns));
  constexpr size_t kChunk = 4096;
  for (size_t start = 0; start < first.rows(); start += kChunk) {
    const size_t n = std::min(kChunk, first.rows() - start);
    const FeatureRows want = first.read(start, n, false);
    for (size_t k = 1; k < parts_.size(); ++k) {
      const FeatureRows got = parts_[k]->read(start, n, false);
      for (size_t i = 0; i < n; ++i) {
        const bool same_image = got.image[i] == want.image[i];
        if (same_image && got.labels[i].au == want.labels[i].au && got.labels[i].ex == want.labels[i].ex &&
            got.labels[i].va == want.labels[i].va)
          continue;
        throw InputError(path_ + ": row " + std::to_string(start + i) + " of " + parts_[k]->path() + " is '" +
                         got.image[i] + "'" + (same_image ? " with other labels than in " : ", not '" + want.image[i] + "' as in ") +
                         first.path() + "; stores joined with '+' must hold the same images in the same order "
                         "(extract them from the same list)");
      }
    }
  }
}

// The parts' rows side by side: each row's features (logits) are the parts' in the order given.
FeatureRows FeatureStoreReader::read_joined(size_t start, size_t count, bool with_features) const {
  if (!with_features) {  // the paths and labels, the same in every part (checked at open): the first's
    FeatureRows r = parts_.front()->read(start, count, false);
    r.dim = info_.feature_dim;
    r.logits_dim = info_.logits_dim;
    return r;
  }
  std::vector<FeatureRows> got;
  for (const auto& part : parts_) got.push_back(part->read(start, count, true));
  FeatureRows r;
  r.dim = info_.feature_dim;
  r.logits_dim = info_.logits_dim;
  r.image = std::move(got.front().image);
  r.labels = std::move(got.front().labels);
  auto side_by_side = [&](std::vector<float>& out, std::vector<float> FeatureRows::*values, int FeatureRows::*width) {
    if ((got.front().*values).empty()) return;
    for (size_t i = 0; i < count; ++i)
      for (const FeatureRows& g : got) {
        const size_t w = static_cast<size_t>(g.*width);
        out.insert(out.end(), (g.*values).begin() + i * w, (g.*values).begin() + (i + 1) * w);
      }
  };
  side_by_side(r.features, &FeatureRows::features, &FeatureRows::dim);
  if (r.logits_dim > 0) side_by_side(r.logits, &FeatureRows::logits, &FeatureRows::logits_dim);
  if (mirror_) {
    side_by_side(r.features_mirror, &FeatureRows::features_mirror, &FeatureRows::dim);
    if (r.logits_dim > 0) side_by_side(r.logits_mirror, &FeatureRows::logits_mirror, &FeatureRows::logits_dim);
  }
  return r;
}

FeatureRows FeatureStoreReader::read_selected(const std::vector<size_t>& rows) const {
  FeatureRows out;
  out.dim = info_.feature_dim;
  out.logits_dim = info_.logits_dim;
  for (size_t a = 0; a < rows.size();) {
    size_t b = a + 1;
    while (b < rows.size() && rows[b] > rows[b - 1] && rows[b] - rows[b - 1] <= 64) ++b;
    const FeatureRows run = read(rows[a], rows[b - 1] + 1 - rows[a]);
    for (size_t k = a; k < b; ++k) out.append_row(run, rows[k] - rows[a]);
    a = b;
  }
  return out;
}

void FeatureStoreReader::read_mirror(const std::string& why) {
  for (auto& part : parts_) part->read_mirror(why);  // names the part without them
  if (!info_.mirror)
    throw InputError(path_ + ": " + why + " needs the features of mirrored images, and this store holds none "
                     "(extract it again with mtl-extract --mirror)");
  mirror_ = true;
}

FeatureRows FeatureStoreReader::read(size_t start, size_t count, bool with_features) const {
  if (start > rows() || count > rows() - start)
    throw std::out_of_range(path_ + ": rows " + std::to_string(start) + "+" + std::to_string(count) +
                            " past the end (" + std::to_string(rows()) + " rows)");
  if (!parts_.empty()) return read_joined(start, count, with_features);
  FeatureRows r;
  r.dim = info_.feature_dim;
  r.logits_dim = info_.logits_dim;
  const hsize_t n = count;
  if (with_features) {
    r.features.resize(n * r.dim);
    read_rows(impl_->sets[kFeatures], H5T_NATIVE_FLOAT, start, n, r.dim, r.features.data(), path_ + ": features");
    if (r.logits_dim > 0) {
      r.logits.resize(n * r.logits_dim);
      read_rows(impl_->sets[kLogits], H5T_NATIVE_FLOAT, start, n, r.logits_dim, r.logits.data(), path_ + ": logits");
    }
    if (mirror_) {
      r.features_mirror.resize(n * r.dim);
      read_rows(impl_->sets[kFeaturesMirror], H5T_NATIVE_FLOAT, start, n, r.dim, r.features_mirror.data(),
                path_ + ": features_mirror");
      if (r.logits_dim > 0) {
        r.logits_mirror.resize(n * r.logits_dim);
        read_rows(impl_->sets[kLogitsMirror], H5T_NATIVE_FLOAT, start, n, r.logits_dim, r.logits_mirror.data(),
                  path_ + ": logits_mirror");
      }
    }
  }
  r.image = read_string_rows(impl_->sets[kImage], start, n, path_ + ": image");
  std::vector<int8_t> au(n * kNumAU), ex(n);
  std::vector<float> va(n * 2);
  read_rows(impl_->sets[kAu], H5T_NATIVE_INT8, start, n, kNumAU, au.data(), path_ + ": au");
  read_rows(impl_->sets[kEx], H5T_NATIVE_INT8, start, n, 0, ex.data(), path_ + ": ex");
  read_rows(impl_->sets[kVa], H5T_NATIVE_FLOAT, start, n, 2, va.data(), path_ + ": va");
  r.labels.resize(n);
  for (size_t i = 0; i < n; ++i) {
    std::memcpy(r.labels[i].au.data(), &au[i * kNumAU], kNumAU);
    r.labels[i].ex = ex[i];
    r.labels[i].va = {va[2 * i], va[2 * i + 1]};
  }
  check_rows(r, start);
  return r;
}

// Labels in their ranges and features without NaN or infinity: a damaged or hand-made store is
// refused here rather than trained on. Rows are named by their 0-based index in the datasets.
void FeatureStoreReader::check_rows(const FeatureRows& r, size_t start) const {
  auto bad = [&](size_t i, const std::string& what) {
    throw InputError(path_ + ": row " + std::to_string(start + i) + " (" + r.image[i] + "): " + what);
  };
  for (size_t i = 0; i < r.size(); ++i) {
    const Labels& l = r.labels[i];
    for (int k = 0; k < kNumAU; ++k)
      if (l.au[k] < -1 || l.au[k] > 1)
        bad(i, std::string("AU label ") + au_names()[k] + " is " + std::to_string(l.au[k]) + ", not 0, 1 or -1 (missing)");
    if (l.ex < -1 || l.ex >= kNumEX) bad(i, "expression label " + std::to_string(l.ex) + " is not 0-7 or -1 (missing)");
    for (int k = 0; k < 2; ++k)
      if (l.va[k] != kMissingVA && !(l.va[k] >= -1 && l.va[k] <= 1))
        bad(i, std::string(k ? "arousal" : "valence") + " label " + std::to_string(l.va[k]) +
                   " is outside [-1, 1] and is not -5 (missing)");
  }
  auto finite = [&](const std::vector<float>& v, int cols, const char* what) {
    if (cols <= 0) return;
    for (size_t j = 0; j < v.size(); ++j)
      if (!std::isfinite(v[j])) bad(j / cols, std::string(what) + " column " + std::to_string(j % cols) + " is " + std::to_string(v[j]));
  };
  finite(r.features, r.dim, "feature");
  finite(r.logits, r.logits_dim, "logit");
  finite(r.features_mirror, r.dim, "mirrored feature");
  finite(r.logits_mirror, r.logits_dim, "mirrored logit");
}

std::vector<std::string> FeatureStoreReader::skipped() const {
  if (!parts_.empty()) return parts_.front()->skipped();
  const char* name = kRowDatasets[kSkipped].name;
  if (H5Lexists(impl_->file, name, H5P_DEFAULT) <= 0) return {};
  Hid d(H5Dopen2(impl_->file, name, H5P_DEFAULT), H5Dclose);
  hsize_t n = dataset_rows(d);
  if (has_attr(impl_->file, "skipped_committed"))
    n = std::min<hsize_t>(n, static_cast<hsize_t>(read_attr_int(impl_->file, "skipped_committed", path_)));
  return read_string_rows(d, 0, n, path_ + ": skipped");
}

}  // namespace mtl
