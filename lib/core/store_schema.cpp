// The feature store's schema (store_schema.h): the tables and the walks over its attributes.
#include "store_schema.h"

#include <limits>

#include "hdf5_util.h"
#include "mtl/core/error.h"
#include "mtl/core/labels.h"

namespace mtl {
namespace store_schema {

using T = RowDataset::Type;
using W = RowDataset::Width;

const std::array<RowDataset, kColumnCount> kRowDatasets = {{
    {"features", T::Features, W::FeatureDim, 0, false, false},
    {"image", T::Utf8, W::One, 0, false, false},
    {"au", T::Int8, W::Fixed, kNumAU, false, false},  // 1 present, 0 absent, -1 missing
    {"ex", T::Int8, W::One, 0, false, false},         // 0-7, -1 missing
    {"va", T::Float32, W::Fixed, 2, false, false},    // -5 missing
    {"logits", T::Float32, W::LogitsDim, 0, false, false},
    {"skipped", T::Utf8, W::One, 0, true, false},  // the inputs --skip-bad left out
    {"features_mirror", T::Features, W::FeatureDim, 0, false, true},  // of the image flipped left to right
    {"logits_mirror", T::Float32, W::LogitsDim, 0, false, true},
}};

hsize_t columns(Column c, const StoreInfo& info) {
  const RowDataset& d = kRowDatasets[c];
  switch (d.width) {
    case W::One: return 0;
    case W::Fixed: return static_cast<hsize_t>(d.fixed_columns);
    case W::FeatureDim: return static_cast<hsize_t>(info.feature_dim);
    case W::LogitsDim: return static_cast<hsize_t>(info.logits_dim);
  }
  return 0;
}

bool present(Column c, const StoreInfo& info) {
  return (kRowDatasets[c].width != W::LogitsDim || info.logits_dim > 0) && (!kRowDatasets[c].mirror || info.mirror);
}

H5T_class_t type_class(Column c) {
  switch (kRowDatasets[c].type) {
    case T::Features:
    case T::Float32: return H5T_FLOAT;
    case T::Int8: return H5T_INTEGER;
    case T::Utf8: return H5T_STRING;
  }
  return H5T_NO_CLASS;
}

namespace {

using A = Attribute::Type;
constexpr long long kIntMin = std::numeric_limits<int>::min(), kIntMax = std::numeric_limits<int>::max();

Attribute text(const char* name, std::string StoreInfo::*field, bool optional = false) {
  Attribute a{name, A::Text, optional};
  a.text = field;
  return a;
}

Attribute integer(const char* name, int StoreInfo::*field, long long min, long long max) {
  Attribute a{name, A::Int, false};
  a.integer = field, a.min = min, a.max = max;
  return a;
}

Attribute floats(const char* name, std::array<float, 3> StoreInfo::*field) {
  Attribute a{name, A::Floats3, false};
  a.floats = field;
  return a;
}

Attribute flag(const char* name, bool StoreInfo::*field, bool optional = false) {
  Attribute a{name, A::Flag, optional};
  a.flag = field;
  return a;
}

}  // namespace

const std::array<Attribute, 14> kAttributes = {
    text("toolkit_version", &StoreInfo::toolkit_version),
    text("backbone", &StoreInfo::backbone),
    text("backbone_sha256", &StoreInfo::backbone_sha256),
    text("input_sha256", &StoreInfo::input_sha256, true),  // since 0.2, with shard
    text("shard", &StoreInfo::shard, true),
    text("compute", &StoreInfo::compute, true),
    text("resize", &StoreInfo::resize, true),  // a store without it: "opencv"
    integer("input_size", &StoreInfo::input_size, kIntMin, kIntMax),
    floats("mean", &StoreInfo::mean),
    floats("std", &StoreInfo::std),
    integer("feature_dim", &StoreInfo::feature_dim, 1, kMaxStoreColumns),
    integer("logits_dim", &StoreInfo::logits_dim, 0, kMaxStoreColumns),
    flag("labelled", &StoreInfo::labelled),
    flag("mirror", &StoreInfo::mirror, true),  // features_mirror and logits_mirror (mtl-extract --mirror)
};

void write_attributes(hid_t f, const StoreInfo& info) {
  for (const Attribute& a : kAttributes) switch (a.type) {
      case A::Text: h5::write_attr_string(f, a.name, info.*a.text); break;
      case A::Int: h5::write_attr_ints(f, a.name, info.*a.integer); break;
      case A::Floats3: h5::write_attr_floats(f, a.name, (info.*a.floats).data(), 3); break;
      case A::Flag: h5::write_attr_ints(f, a.name, info.*a.flag); break;
    }
}

void read_attributes(hid_t f, const std::string& file, StoreInfo& info) {
  for (const Attribute& a : kAttributes) {
    if (a.optional && !h5::has_attr(f, a.name)) continue;
    switch (a.type) {
      case A::Text: info.*a.text = h5::read_attr_string(f, a.name, file); break;
      case A::Int: {
        const long long v = h5::read_attr_int(f, a.name, file);
        if (v < a.min || v > a.max)
          throw InputError(file + ": attribute '" + a.name + "' is " + std::to_string(v) + ", outside " +
                           std::to_string(a.min) + "-" + std::to_string(a.max));
        info.*a.integer = static_cast<int>(v);
        break;
      }
      case A::Floats3: h5::read_attr_floats(f, a.name, (info.*a.floats).data(), file); break;
      case A::Flag: info.*a.flag = h5::read_attr_int(f, a.name, file) != 0; break;
    }
  }
}

}  // namespace store_schema
}  // namespace mtl
