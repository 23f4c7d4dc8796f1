// Decision thresholds of a trained model (a "thresholds file", format mtl-thresholds, version 1):
// one threshold per AU and optional offsets added to the expression log-probabilities before the
// argmax. mtl-export reads it; mtl-tune writes it. No LibTorch here.
#pragma once
#include <array>
#include <optional>
#include <string>

#include "mtl/core/labels.h"
#include "mtl/core/predictions.h"

namespace mtl {

constexpr int kThresholdsFormatVersion = 1;

struct Thresholds {
  std::array<float, kNumAU> au;                     // AU i present when p_i >= au[i], each in [0,1]
  std::optional<std::array<float, kNumEX>> ex_offsets;  // ex = argmax_c (log p_c + ex_offsets[c])
  // Every AU at the same threshold, no offsets.
  static Thresholds uniform(float au_threshold);
};

// Parses the JSON text of a thresholds file read from `source`. Strict: the object must hold
// "format": "mtl-thresholds", "version": 1, "au_names" (the 12 AU names in the toolkit's order),
// "au_thresholds" (12 numbers in [0,1]) and optionally "ex_offsets" (8 finite numbers), and no
// other key. Throws InputError "source: line N: problem" for bad JSON, "source: problem" otherwise.
Thresholds parse_thresholds(const std::string& text, const std::string& source);

// Reads and parses the thresholds file at `path`. Throws InputError naming it.
Thresholds read_thresholds(const std::string& path);

// Decides `p` again from its probabilities: au[i] = au_prob[i] >= t.au[i] when the row has
// au_prob; with offsets, ex = argmax_c (log ex_prob[c] + ex_offsets[c]) when it has ex_prob (the
// first of equal values; log 0 = -inf). Without offsets "ex" is left as it is (it was decided on the
// logits, which float probabilities can tie). Rows without the probabilities are left alone.
void apply_thresholds(Prediction& p, const Thresholds& t);

// The thresholds as the JSON text of a thresholds file (one object, keys in a fixed order, a newline).
std::string thresholds_json(const Thresholds& t);

}  // namespace mtl
