// Scoring predictions against the truth: join on image path, compute the challenge measures,
// format them as a table or as JSON. No LibTorch here.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "mtl/core/metrics.h"
#include "mtl/core/predictions.h"

namespace mtl {

// Truth labels by image path, in an open-addressing table (a million rows are common).
class Truth {
 public:
  std::string source;
  // Adds an image. Returns nullptr, or the image's path when it was already there.
  const std::string* add(std::string image, const Labels& l);
  // The row of `image`, or -1.
  long find(std::string_view image) const;
  const Labels& labels(size_t row) const { return labels_[row]; }
  size_t size() const { return labels_.size(); }
  void reserve(size_t n);

 private:
  size_t slot_of(std::string_view image) const;  // the slot holding `image`, or the empty one it would take
  std::vector<std::string> images_;
  std::vector<Labels> labels_;
  std::vector<uint32_t> slots_;  // row + 1, or 0 when empty; a power of two, at most half full
};

// Reads the truth from an ABAW annotation file or a feature store (told apart by the HDF5
// signature). Throws InputError for a duplicate image or an unreadable file.
Truth read_truth(const std::string& path);

struct ScoreReport {
  Scores scores;
  size_t predictions = 0;
  size_t matched = 0;
  size_t predictions_without_truth = 0;
  size_t truth_without_predictions = 0;
};

// Joins predictions with the truth and scores each task on the rows that have both a label and a
// prediction of it. Throws InputError for an image predicted twice.
ScoreReport score(const std::vector<Prediction>& preds, const Truth& truth, const std::string& pred_name);

// A readable table of the report.
std::string format_table(const ScoreReport& r);
// One JSON object: P_AU, P_EX, P_VA, P_MTL (null when absent), AU and EX F1s, CCC_V, CCC_A, rows.
std::string format_json(const ScoreReport& r);

}  // namespace mtl
