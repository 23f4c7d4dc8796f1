// Decision thresholds of a trained model (a "thresholds file", format mtl-thresholds, version 1):
// one threshold per AU and optional offsets added to the expression log-probabilities before the
// argmax. An AU whose threshold is null, and offsets left out, were not tuned: they keep what the
// head decides with (its training threshold, or what a checkpoint stores; on a prediction line, the
// thresholds the line records). mtl-tune writes it; mtl-predict, mtl-export, mtl-smooth read it.
// No LibTorch here.
#pragma once
#include <array>
#include <istream>
#include <optional>
#include <ostream>
#include <string>

#include "mtl/core/labels.h"
#include "mtl/core/predictions.h"

namespace mtl {

constexpr int kThresholdsFormatVersion = 1;

struct Thresholds {
  std::array<float, kNumAU> au{};                   // AU i present when p_i >= au[i], each in [0,1]
  std::array<bool, kNumAU> au_set{};                // false: AU i not tuned, au[i] unused (null in the file)
  std::optional<std::array<float, kNumEX>> ex_offsets;  // ex = argmax_c (log p_c + ex_offsets[c])
  // Every AU at the same threshold, no offsets.
  static Thresholds uniform(float au_threshold);
  // These thresholds where set, `own`'s elsewhere: the AUs not set and, without offsets, the offsets.
  Thresholds over(const Thresholds& own) const;
  bool any_au_set() const;
};

// The thresholds a prediction line records it was decided with: its "au_thresholds" (else 0.5 for
// every AU) and its "ex_offsets" (else none).
Thresholds line_thresholds(const Prediction& p);

// Records on `p` that it was decided with `t` (every AU set): "au_thresholds" unless every AU is at
// 0.5 (when it has "au" and "au_prob"), "ex_offsets" when `t` has offsets (and `p` "ex", "ex_prob").
void record_thresholds(Prediction& p, const Thresholds& t);

// Parses the JSON text of a thresholds file read from `source`. Strict: the object must hold
// "format": "mtl-thresholds", "version": 1, "au_names" (the 12 AU names in the toolkit's order),
// "au_thresholds" (12 numbers in [0,1] or null) and optionally "ex_offsets" (8 finite numbers), and no
// other key. Throws InputError "source: line N: problem" for bad JSON, "source: problem" otherwise.
Thresholds parse_thresholds(const std::string& text, const std::string& source);

// Reads and parses the thresholds file at `path`. Throws InputError naming it.
Thresholds read_thresholds(const std::string& path);

// Decides `p` again from its probabilities with `t` over the thresholds the line records
// (t.over(line_thresholds(p))), and records them on it: au[i] = au_prob[i] >= au[i] when the row
// has au_prob; with offsets, ex = argmax_c (log ex_prob[c] + ex_offsets[c]) when it has ex_prob (the
// first of equal values; log 0 = -inf). Without offsets "ex" is left as it is (it was decided on the
// logits, which float probabilities can tie). Rows without the probabilities are left alone.
void apply_thresholds(Prediction& p, const Thresholds& t);

// Reads prediction lines from `in` (`name` in messages), decides each again with `t`
// (apply_thresholds) and writes it to `out` (format_prediction), in order, a line at a time: the
// output is flushed whenever no more input is waiting, so a live pipe sees each line as it comes,
// and memory does not grow with the input. Throws InputError "name:line: ..."
// for a bad line (as parse_predictions), OutputError when `out` fails.
// Returns how many rows had neither "au_prob" nor "ex_prob" (passed on as they were).
size_t apply_thresholds_stream(std::istream& in, const std::string& name, const Thresholds& t, std::ostream& out);

// The thresholds as the JSON text of a thresholds file (one object, keys in a fixed order, a newline).
std::string thresholds_json(const Thresholds& t);

}  // namespace mtl
