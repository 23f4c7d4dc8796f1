// Temporal smoothing of predictions over the frames of each video (mtl-smooth), and its
// parameters file (format mtl-smoothing, version 1). No LibTorch here.
//
// s-Aff-Wild2's images are video frames named VIDEO/NNNNN.jpg: a video is an image path's folder
// (video_of) and a frame its numeric file stem (frame_of). Frame numbers may have gaps; every
// filter works on frame numbers, not on row positions.
#pragma once
#include <array>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mtl/core/predictions.h"
#include "mtl/core/score.h"
#include "mtl/core/thresholds.h"

namespace mtl {

constexpr int kSmoothingFormatVersion = 1;
// The largest window a parameters file or an option may give (frames).
constexpr int kMaxSmoothingWindow = 100001;

// The filters, in the order of simplicity that tuning breaks ties by.
enum class Filter { None, Mean, Median, Exp };

// "none", "mean", "median", "exp".
const char* filter_name(Filter f);
// The filter of a name above, or nullopt.
std::optional<Filter> filter_from_name(std::string_view name);

// The filter named `text`; throws UsageError "option: unknown filter ..." for another name.
Filter parse_filter(const std::string& option, const std::string& text);
// The window written `text`; throws UsageError "option: ..." unless it is an odd integer from 1 to
// kMaxSmoothingWindow.
int parse_window(const std::string& option, const std::string& text);

// One task's smoothing: a filter and its window W in frames (odd, >= 1; W = 1 changes nothing).
struct TaskSmoothing {
  Filter filter = Filter::None;
  int window = 1;
  // True when it changes values: a filter other than none with W > 1.
  bool active() const { return filter != Filter::None && window > 1; }
};

// The smoothing of each task: AU probabilities, expression probabilities, valence-arousal.
struct Smoothing {
  TaskSmoothing au, ex, va;
};

// Smooths one series: `values[i]` at frame `frames[i]` (increasing, distinct) with `s`.
//   mean:   the mean of the values at the frames present in [f - W/2, f + W/2];
//   median: their median (an even count: the mean of the two middle values);
//   exp:    sum_j w_j v_j / sum_j w_j over the whole series, w_j = lambda^|f - f_j|,
//           lambda = 1 - 2/(W+1) (so a gap of g frames decays by lambda^g).
// Returns the values unchanged for none, W = 1 or a single value. Throws std::invalid_argument
// when the sizes differ or the window is even or below 1.
std::vector<double> smooth_series(const std::vector<long>& frames, const std::vector<double>& values,
                                  const TaskSmoothing& s);

// Smooths the rows of one video, sorted by frame (`frames[i]` is the frame of rows[i]), in place:
// au_prob per AU (then clipped to [0,1]), ex_prob per class (then divided by their sum), va per
// value (then clipped to [-1,1]). A task's series holds only the rows that have its values; the
// others are passed through for that task. Decisions are not remade here (see redecide).
void smooth_video(std::vector<Prediction>& rows, const std::vector<long>& frames, const Smoothing& s);

// Remakes the decisions of `p` from its probabilities after smoothing, with the thresholds the line
// records it was decided with ("au_thresholds", else 0.5; "ex_offsets"), under `t` where given
// (apply_thresholds, which records them on the line); an expression task smoothed without offsets
// takes the argmax of ex_prob (the first of equal values). A task neither smoothed nor thresholded
// is left as it is.
void redecide(Prediction& p, const Smoothing& s, const Thresholds* t);

// Parses the JSON text of a parameters file read from `source`. Strict: an object with "format":
// "mtl-smoothing", "version": 1, any of "au", "ex", "va" (each {"filter": NAME, "window": W};
// "window" may be left out for "none"; a task left out is not smoothed) and optionally "tuning"
// (an object recording how the file was made, not read), and no other key. Throws InputError
// "source: line N: problem" for bad JSON, "source: problem" otherwise.
Smoothing parse_smoothing(const std::string& text, const std::string& source);

// Reads and parses the parameters file at `path`. Throws InputError naming it.
Smoothing read_smoothing(const std::string& path);

// Reads prediction lines from `in` (`name` for messages) and writes them to `out` smoothed, video
// by video: the rows of one video must be consecutive (unless `sort_all`); each video's rows are
// sorted by frame, smoothed, decided again (redecide) and written before the next video is read,
// so memory is bounded by the longest video. With `sort_all` every row is held and the videos are
// taken in the order they first appear. Throws InputError "name:N: problem" for a video whose
// rows reappear after another video's, a frame given twice in a video, an image whose file name is
// not a frame number, and a line that is not a prediction; OutputError when `out` fails.
// Returns the number of rows written.
size_t smooth_stream(std::istream& in, const std::string& name, std::ostream& out, const Smoothing& s,
                     const Thresholds* t, bool sort_all);

// What tune_smoothing tries: each filter (besides none, always tried) with each window.
struct SmoothingSearch {
  std::vector<Filter> filters = {Filter::Mean, Filter::Median, Filter::Exp};
  std::vector<int> windows = {3, 5, 9, 15, 25, 41};
  // A setting is chosen over the simpler ones only when they all score more than this below the
  // best (0: the best wins, ties to the simpler). A margin keeps a small validation set's noise
  // from picking a filter, at the price of passing up small gains.
  double tolerance = 0;
};

// One task's tuning outcome: its score without smoothing and with the chosen smoothing, the rows
// scored, and the score of every setting tried (in the order tried).
struct TaskTuning {
  std::optional<double> before, after;
  size_t rows = 0;
  std::vector<std::pair<TaskSmoothing, double>> tried;
};

struct SmoothingTuning {
  Smoothing best;
  TaskTuning au, ex, va;
};

// Picks each task's smoothing independently on `rows` (predictions of any order, `name` for
// messages) against `truth`: every setting of `search` and none, scored with the task's challenge
// measure (P_AU with the thresholds `t` or 0.5, P_EX the macro F1 after argmax or offsets, P_VA the
// mean CCC) on the rows with that task's truth and prediction. The first setting tried whose score
// is within search.tolerance of the best wins (with 0: the best, ties to the first). The order,
// from simple to less simple: none, then windows from small to large, each with the filters in
// the order of search.filters.
// A task without scored rows stays none. Throws InputError as smooth_stream does for frames, and
// when no row is of an image of the truth.
SmoothingTuning tune_smoothing(const std::vector<Prediction>& rows, const std::string& name, const Truth& truth,
                               const Thresholds* t, const SmoothingSearch& search = {});

// One line on a task's tuning: "P_EX: median, window 15: 0.4127 -> 0.4790 on 196 rows", or that
// it had no rows to score.
std::string tuning_summary(const std::string& task, const TaskTuning& t, const TaskSmoothing& chosen);

// How a parameters file was tuned, stored in it under "tuning": the inputs, what was searched, and
// each task's score before and after.
struct TuningRecord {
  std::string predictions, truth, thresholds;  // file names ("" for no thresholds)
  SmoothingSearch search;
  SmoothingTuning result;
};

// The parameters as the JSON text of a parameters file (keys in a fixed order, a newline), with
// the record of its tuning when given.
std::string smoothing_json(const Smoothing& s, const TuningRecord* record = nullptr);

}  // namespace mtl
