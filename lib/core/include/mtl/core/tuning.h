// Decision thresholds tuned on validation predictions (mtl-tune): one threshold per AU for its
// binary F1, and additive offsets on the expression log-probabilities for macro F1. No LibTorch.
//
// The search is built not to overfit a small validation set:
// - AU i: the thresholds lie on a fixed grid 0.05, 0.10, ..., 0.95. The F1 curve over the grid is
//   smoothed by a 3-point moving average (2 points at the ends), so that a broad plateau wins over
//   a one-point spike, and its argmax taken; smoothed values within 0.001 of the best count as
//   ties, which go to the threshold nearest 0.5 (then the lower one): a flat curve keeps 0.5.
//   This is done on B bootstrap resamples of whole videos (video_of(image): frames of one video are
//   correlated, so videos, not frames, are drawn with replacement), and the threshold is the median
//   of the B argmaxes (of the two middle values, the one nearer 0.5). An AU with fewer than
//   min_positives positive labels keeps 0.5.
// - EX: offsets o_c added to log p_c before the argmax, o_0 fixed at 0 (only differences matter).
//   Coordinate ascent over the classes 1..7, each on the grid -2.0, -1.75, ..., 2.0, two passes;
//   a change is accepted only when it raises macro F1 by more than 1e-3 (of equal F1s, the offset
//   nearest 0), so offsets stay at 0 unless they clearly help. Per class, the median over the same
//   bootstrap resamples (of the two middle values, the one nearer 0).
// - Each part is kept only when the search holds up on videos it did not see: for every resample,
//   the thresholds (offsets) picked on it are compared with 0.5 (no offsets) on the videos that
//   resample left out (about a third of them); when their F1 (macro F1) is not higher on average
//   over the resamples, the AU keeps 0.5 (no offsets are written). On a handful of videos, where
//   thresholds tuned on some videos do not carry over to others, this keeps the defaults.
// The resamples come from a seeded generator: the same inputs and options give the same file.
#pragma once
#include <array>
#include <cstdint>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "mtl/core/labels.h"
#include "mtl/core/predictions.h"
#include "mtl/core/score.h"
#include "mtl/core/thresholds.h"

namespace mtl {

struct TuneOptions {
  bool au = true, ex = true;  // which parts to tune (the other part: left to the heads, null / no offsets)
  int bootstrap = 50;         // B resamples of videos (>= 1)
  uint64_t seed = 1;
  int min_positives = 10;     // an AU with fewer positive labels is not tuned (keeps the head's own)
  std::string predictions_name = "<stdin>";  // for messages
};

// What the search found, for --verbose and the tests. F1s are on all the matched rows.
struct TuneReport {
  size_t predictions = 0, matched = 0, without_truth = 0, videos = 0;
  size_t without_video = 0;  // matched rows whose image path has no folder (VIDEO/NNNNN.jpg)
  size_t au_rows = 0;  // rows with au_prob and at least one AU label
  struct Au {
    size_t rows = 0, positives = 0;
    bool tuned = false;  // false: fewer than min_positives positives, no out-of-bag gain, or not tuned
    // Mean F1 gain, on the videos the resamples left out, over the decisions the lines were made
    // with (the thresholds they record: "au_thresholds", else 0.5), which an AU not tuned keeps.
    double oob_gain = 0;
    float threshold = 0.5f;  // when tuned
    double f1_before = 0, f1_tuned = 0;  // F1 as predicted, and at the threshold (= before when not tuned)
  };
  std::array<Au, kNumAU> au{};
  size_t ex_rows = 0;  // rows with ex_prob and an expression label
  bool ex_tuned = false;    // false: no out-of-bag gain (no offsets written), or not tuned
  double ex_oob_gain = 0;   // mean macro F1 gain of the offsets on the videos the resamples left out
  double ex_f1_before = 0, ex_f1_after = 0;  // macro F1 as predicted ("ex") and with the offsets
};

// The AU threshold grid: 0.05 * (g + 1) as floats, g = 0..18 (the 0.5 of the grid is 0.5f).
const std::array<float, 19>& au_threshold_grid();

// Tunes the thresholds on the predictions that have truth (joined on the image path; a task counts
// the rows with its probabilities and its label). AU thresholds when o.au (an AU not tuned, or all
// without o.au, is left unset: the head keeps its own); EX offsets when o.ex and some row has
// ex_prob and an expression label (else none). Fills `report` if given.
// Throws InputError when no prediction is of an image of the truth, or an image is predicted twice;
// UsageError for bootstrap < 1 or min_positives < 0.
Thresholds tune_thresholds(const std::vector<Prediction>& preds, const Truth& truth, const TuneOptions& o,
                           TuneReport* report = nullptr);


// The report as readable lines (per AU: positives, threshold, F1 at 0.5 and at it; EX macro F1).
std::string format_tune_report(const TuneReport& r);

}  // namespace mtl
