// The feature store: an HDF5 file of backbone features with image paths and labels. The layout
// below is written once, as tables, in lib/core/store_schema.h, which the writer and the reader walk.
// Layout (format version 1), all datasets chunked along rows and extendable:
//   features [N,D] float32 (or float16)   image [N] UTF-8 strings   au [N,12] int8 (-1 missing)
//   ex [N] int8 (-1 missing)   va [N,2] float32 (-5 missing)   logits [N,L] float32 (optional)
//   skipped [M] UTF-8 strings: inputs left out by --skip-bad
//   features_mirror [N,D], logits_mirror [N,L] (stores written with mtl-extract --mirror, root
//   attribute mirror 1): the same of each image flipped left to right
// Root attributes: format "mtl-feature-store", format_version, toolkit_version, backbone,
//   backbone_sha256, input_size, mean[3], std[3], feature_dim, logits_dim, labelled,
//   rows_committed (rows fully written), complete (1 once the writer finished); since 0.2 also
//   input_sha256 (the input rows this store covers), shard ("I/N"), inputs_committed (inputs
//   done, skipped ones included) and skipped_committed, which let a rerun resume an unfinished store;
//   newer stores add compute (device, precision and layout of the backbone), also part of that identity,
//   and resize ("pil" or "opencv": how images were resized to S x S; a store without it: "opencv").
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
constexpr long long kMaxStoreColumns = 1 << 16;  // the most features or logits per row a reader takes

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
  std::string input_sha256;  // identity of the input rows (paths, labels, image root) of this store
  std::string shard = "1/1";  // which shard of its input list the store holds
  std::string compute;  // where and how the backbone ran: "cpu fp32", "cuda fp16 channels-last", ...
  std::string resize = "opencv";  // how images were resized: "pil" or "opencv" (older stores: opencv)
  bool mirror = false;  // also holds the features and logits of each image flipped left to right
};

// How the features of `got` differ from those of `want` in what makes features of two stores
// comparable (the backbone's bytes, its input size, the feature and logit sizes, the normalisation,
// the resize method): a phrase such as "another backbone (SHA-256 1a2b3c4d5e6f..., not
// 0f1e2d3c4b5a...)", or "" when they agree. The storage precision and where the backbone ran
// (compute) are not compared: they change features within rounding.
std::string store_mismatch(const StoreInfo& got, const StoreInfo& want);

// A block of rows in memory (row-major features and logits).
struct FeatureRows {
  int dim = 0, logits_dim = 0;
  std::vector<std::string> image;
  std::vector<float> features;  // rows * dim
  std::vector<float> logits;    // rows * logits_dim (empty when none)
  std::vector<Labels> labels;
  // The features and logits of the mirrored images (left-right flip), row for row; empty unless
  // read from a store written with --mirror by a reader asked for them (or extracted so).
  std::vector<float> features_mirror, logits_mirror;
  size_t size() const { return image.size(); }
  bool has_mirror() const { return !features_mirror.empty(); }
  // Appends the rows of `o` (same dims, both with or both without mirrored values). Throws
  // std::invalid_argument on a mismatch.
  void append(const FeatureRows& o);
  // Appends row i of `o` (same dims), with its features, logits and mirrored values where `o` has them.
  void append_row(const FeatureRows& o, size_t i);
  // The same rows with the mirrored features and logits in place of the originals (and none mirrored).
  FeatureRows mirrored() const;
};

// Writes a store under a temporary name (`path` + ".part") and renames it into place on finish(),
// so that a killed run never leaves a file at `path` that looks complete. Every append() commits
// its rows, so an interrupted run leaves a .part that a rerun with the same settings resumes.
// The .part is locked while written: a second run given the same output fails instead of
// truncating the first run's file.
class FeatureStoreWriter {
 public:
  // Creates `path`.part, or with `resume` reopens the .part of an interrupted run whose settings
  // (backbone checksum, input identity, sizes, normalisation, precision) match `info` and whose
  // committed image paths and skipped inputs are, in order, the first of `inputs` (the input paths
  // of this run; a failed write, such as on a full disk, can damage the paths already committed).
  // A .part that fails either check is started afresh, with a warning. Throws OutputError if it
  // cannot be created or another process is writing it.
  FeatureStoreWriter(const std::string& path, const StoreInfo& info, bool resume = true,
                     const std::vector<std::string>& inputs = {});
  ~FeatureStoreWriter();  // closes; leaves an unfinished .part in place (it records what is committed)
  FeatureStoreWriter(const FeatureStoreWriter&) = delete;
  FeatureStoreWriter& operator=(const FeatureStoreWriter&) = delete;

  // Appends rows and the inputs skipped since the last call, then records `inputs_done` (inputs
  // handled so far, skipped ones included) and the committed counts, flushed to disk.
  // Throws OutputError.
  void append(const FeatureRows& rows, size_t inputs_done, const std::vector<std::string>& skipped = {});
  // Marks the file complete, flushes it and renames it to its final name.
  void finish();
  // Removes the unfinished .part (after an error that makes it worthless).
  void discard();
  size_t rows() const { return rows_; }
  size_t inputs_done() const { return inputs_done_; }   // > 0 after resuming
  size_t skipped() const { return skipped_; }
  const std::string& part_path() const { return part_; }

 private:
  bool try_resume(const StoreInfo& info, const std::vector<std::string>& inputs);
  void create(const StoreInfo& info);
  bool committed_inputs_match(const std::vector<std::string>& inputs) const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_, part_;
  size_t rows_ = 0, inputs_done_ = 0, skipped_ = 0;
};

// Reads a store. Only the committed rows are visible. Throws InputError for a file that is not a
// feature store, has an unknown format version, or is unfinished (unless allow_partial); whose
// attributes and datasets disagree in size; and, from read(), for a row with a label out of range
// or a feature that is NaN or infinite, or data that fails its checksum (stores written since
// checksums were added carry Fletcher-32 on every chunk and the HDF5 1.8 format's checksummed
// object headers; older stores are read without).
//
// Joined stores: a path "A.h5+B.h5" that names no file opens the stores A.h5 and B.h5 (any number,
// joined with '+') as one, whose rows hold A's features then B's (and A's logits then B's when
// each has logits; else none): the features of several backbones for the same images. Every part
// must hold the same images with the same labels in the same order (they are compared when the
// join is opened: InputError naming the first row that differs); their info() is the first
// part's, with the sizes summed, the backbones and their checksums joined with '+', mirror only
// when every part has it.
class FeatureStoreReader {
 public:
  explicit FeatureStoreReader(const std::string& path, bool allow_partial = false);
  ~FeatureStoreReader();
  const StoreInfo& info() const { return info_; }
  size_t rows() const { return info_.rows; }
  // Reads rows [start, start+count); with_features false skips features and logits.
  FeatureRows read(size_t start, size_t count, bool with_features = true) const;
  FeatureRows read_all(bool with_features = true) const { return read(0, rows(), with_features); }
  // Reads the rows `rows` (ascending), in that order: runs of nearby rows are read as one range
  // (a gap of up to 64 rows is read through), so that the rows of a few videos cost few reads.
  FeatureRows read_selected(const std::vector<size_t>& rows) const;
  // From now on, reads with features also read the mirrored features and logits
  // (FeatureRows::features_mirror). Throws InputError naming the store when it holds none
  // ("written without mtl-extract --mirror"), `why` saying what needs them ("--augment flip").
  void read_mirror(const std::string& why);
  std::vector<std::string> skipped() const;
  const std::string& path() const { return path_; }

 private:
  void check_sizes(int64_t file);
  void check_rows(const FeatureRows& rows, size_t start) const;
  void open_joined(bool allow_partial);
  FeatureRows read_joined(size_t start, size_t count, bool with_features) const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
  StoreInfo info_;
  bool mirror_ = false;  // read_mirror() was called
  std::vector<std::unique_ptr<FeatureStoreReader>> parts_;  // the stores of a join ("A.h5+B.h5")
};

// The stores a path names: {path} for a file (or a path without '+'), else the parts of a join.
std::vector<std::string> joined_store_parts(const std::string& path);

// True when the file at `path` begins with the HDF5 signature.
bool is_hdf5_file(const std::string& path);

}  // namespace mtl
