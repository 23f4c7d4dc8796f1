// The feature store: an HDF5 file of backbone features with image paths and labels.
// Layout (format version 1), all datasets chunked along rows and extendable:
//   features [N,D] float32 (or float16)   image [N] UTF-8 strings   au [N,12] int8 (-1 missing)
//   ex [N] int8 (-1 missing)   va [N,2] float32 (-5 missing)   logits [N,L] float32 (optional)
//   skipped [M] UTF-8 strings: inputs left out by --skip-bad
// Root attributes: format "mtl-feature-store", format_version, toolkit_version, backbone,
//   backbone_sha256, input_size, mean[3], std[3], feature_dim, logits_dim, labelled,
//   rows_committed (rows fully written), complete (1 once the writer finished).
// No LibTorch here.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mtl/core/labels.h"

namespace mtl {

constexpr int kStoreFormatVersion = 1;

// Settings recorded with the features.
struct StoreInfo {
  std::string backbone;         // the backbone file as given
  std::string backbone_sha256;  // checksum of its bytes
  int input_size = 0;           // S of the S x S input
  std::array<float, 3> mean{}, std{};
  int feature_dim = 0;
  int logits_dim = 0;  // 0 when the backbone gives no logits
  bool labelled = false;
  bool half = false;   // features stored as float16
  std::string toolkit_version;
  int format_version = kStoreFormatVersion;
  bool complete = false;
  size_t rows = 0;  // committed rows
};

// A block of rows in memory (row-major features and logits).
struct FeatureRows {
  int dim = 0, logits_dim = 0;
  std::vector<std::string> image;
  std::vector<float> features;  // rows * dim
  std::vector<float> logits;    // rows * logits_dim (empty when none)
  std::vector<Labels> labels;
  size_t size() const { return image.size(); }
  // Appends the rows of `o` (same dims). Throws std::invalid_argument on a dimension mismatch.
  void append(const FeatureRows& o);
};

// Writes a store under a temporary name (`path` + ".part") and renames it into place on finish(),
// so that a killed run never leaves a file at `path` that looks complete.
class FeatureStoreWriter {
 public:
  // Creates `path`.part. Throws OutputError if it cannot be created.
  FeatureStoreWriter(const std::string& path, const StoreInfo& info);
  ~FeatureStoreWriter();  // closes; leaves an unfinished .part in place (it records rows_committed)
  FeatureStoreWriter(const FeatureStoreWriter&) = delete;
  FeatureStoreWriter& operator=(const FeatureStoreWriter&) = delete;

  // Appends rows, then records the new committed count and flushes to disk. Throws OutputError.
  void append(const FeatureRows& rows);
  // Records the skipped inputs, marks the file complete and renames it to its final name.
  void finish(const std::vector<std::string>& skipped);
  size_t rows() const { return rows_; }
  const std::string& part_path() const { return part_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_, part_;
  size_t rows_ = 0;
};

// Reads a store. Only the committed rows are visible. Throws InputError for a file that is not a
// feature store, has an unknown format version, or is unfinished (unless allow_partial).
class FeatureStoreReader {
 public:
  explicit FeatureStoreReader(const std::string& path, bool allow_partial = false);
  ~FeatureStoreReader();
  const StoreInfo& info() const { return info_; }
  size_t rows() const { return info_.rows; }
  // Reads rows [start, start+count); with_features false skips features and logits.
  FeatureRows read(size_t start, size_t count, bool with_features = true) const;
  FeatureRows read_all(bool with_features = true) const { return read(0, rows(), with_features); }
  std::vector<std::string> skipped() const;
  const std::string& path() const { return path_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
  StoreInfo info_;
};

// True when the file at `path` begins with the HDF5 signature.
bool is_hdf5_file(const std::string& path);

}  // namespace mtl
