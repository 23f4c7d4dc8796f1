// The feature store's schema, written once: its row datasets (name, type, columns) and the root
// attributes that hold StoreInfo's fields. The writer creates, reopens and appends, the reader
// opens and checks, by walking these tables; a new column or attribute is one more entry (and its
// field in StoreInfo or FeatureRows). Internal to the core; the layout is documented in
// feature_store.h.
#pragma once
#include <hdf5.h>

#include <array>
#include <string>

#include "mtl/core/feature_store.h"

namespace mtl {
namespace store_schema {

// The row datasets, in the order a store creates them (the index of each in kRowDatasets).
enum Column { kFeatures, kImage, kAu, kEx, kVa, kLogits, kSkipped, kFeaturesMirror, kLogitsMirror, kColumnCount };

struct RowDataset {
  const char* name;
  enum class Type { Features, Float32, Int8, Utf8 } type;  // Features: float32, or float16 (StoreInfo::half)
  enum class Width { One, Fixed, FeatureDim, LogitsDim } width;  // One: [N]; else [N, columns]
  int fixed_columns;  // Width::Fixed
  // Its rows: the committed image rows ("rows_committed"), or the skipped inputs ("skipped_committed").
  bool counts_skipped;
  bool mirror;  // held only by stores written with --mirror (StoreInfo::mirror)
};

extern const std::array<RowDataset, kColumnCount> kRowDatasets;

// The columns of dataset `c` in a store of `info`: 0 for a one-dimensional dataset; for the
// logits, 0 also when the store has none (logits_dim 0: no dataset).
hsize_t columns(Column c, const StoreInfo& info);
// Whether a store of `info` holds dataset `c` (the logits only with logits_dim > 0, the mirrored
// ones only with info.mirror).
bool present(Column c, const StoreInfo& info);
// The HDF5 class a reader requires of dataset `c`.
H5T_class_t type_class(Column c);

// The root attributes written at creation, in order, after "format" and "format_version". Each
// holds one field of StoreInfo. Optional ones (added after the first release: a store without
// one keeps the field's default) are read when present.
struct Attribute {
  const char* name;
  enum class Type { Text, Int, Floats3, Flag } type;
  bool optional;
  std::string StoreInfo::*text = nullptr;
  int StoreInfo::*integer = nullptr;
  std::array<float, 3> StoreInfo::*floats = nullptr;
  bool StoreInfo::*flag = nullptr;
  long long min = 0, max = 0;  // Int: the range a reader accepts
};

extern const std::array<Attribute, 14> kAttributes;

// The writer's progress, written 0 at creation and moved as rows are committed.
constexpr std::array<const char*, 4> kCounters = {"rows_committed", "inputs_committed", "skipped_committed",
                                                  "complete"};

// Writes every attribute of kAttributes from `info` to the file `f`. Throws OutputError.
void write_attributes(hid_t f, const StoreInfo& info);
// Reads every attribute of kAttributes present into `info`; throws InputError naming `file` for a
// required one missing, a value of another type, or an integer out of its range.
void read_attributes(hid_t f, const std::string& file, StoreInfo& info);

}  // namespace store_schema
}  // namespace mtl
