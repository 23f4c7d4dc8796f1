// Predictions as JSON lines: one object per image,
//   {"image": "...", "au": [12 ints 0/1], "au_prob": [12], "ex": k, "ex_prob": [8], "va": [v, a]}
// with the keys of tasks not predicted left out. This is the one place that reads and writes them.
#pragma once
#include <array>
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "mtl/core/labels.h"

namespace mtl {

struct Prediction {
  std::string image;
  std::optional<std::array<int, kNumAU>> au;
  std::optional<std::array<float, kNumAU>> au_prob;
  std::optional<int> ex;
  std::optional<std::array<float, kNumEX>> ex_prob;
  std::optional<std::array<float, 2>> va;
  int line = 0;  // line in the file it was read from
};

// Returns the JSON line for `p` (without the newline); floats in their shortest exact form.
std::string format_prediction(const Prediction& p);

// Parses JSONL predictions from `in` (`name` for messages); blank lines are skipped.
// Throws InputError "name:line: ..." for invalid JSON, a missing "image", or a value of the wrong
// shape (an "au" without 12 entries, an "ex" outside 0-7, ...).
std::vector<Prediction> parse_predictions(std::istream& in, const std::string& name);

// Opens `path` ("-" for stdin) and parses it as above.
std::vector<Prediction> read_predictions(const std::string& path);

}  // namespace mtl
