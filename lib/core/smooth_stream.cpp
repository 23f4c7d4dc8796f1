// Predictions smoothed video by video as a stream, and the tuning of the smoothing on validation.
#include <algorithm>
#include <climits>
#include <istream>
#include <numeric>
#include <ostream>
#include <unordered_map>

#include "mtl/core/error.h"
#include "mtl/core/smoothing.h"
#include "mtl/core/task.h"

namespace mtl {
namespace {

[[noreturn]] void fail(const std::string& name, int line, const std::string& what) {
  throw InputError(name + ":" + std::to_string(line) + ": " + what);
}

// "v//1.jpg" would be a video "v/" beside "v": refused rather than guessed.
void check_video_path(const Prediction& p, const std::string& name, int line) {
  if (p.image.find("//") != std::string::npos)
    fail(name, line, "image '" + p.image + "': an empty folder name ('//') in its path, so its video is unclear");
}

// Sorts one video's rows by frame number in place and returns the frames. Throws InputError for an
// image whose file name is not a frame number, or a frame given twice.
std::vector<long> sort_by_frame(std::vector<Prediction>& rows, const std::string& name) {
  std::vector<long> frame(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto f = frame_of(rows[i].image);
    if (!f) {
      const std::string_view file = std::string_view(rows[i].image).substr(video_of(rows[i].image).size());
      const bool digits = file.find_first_of("0123456789") != std::string_view::npos &&
                          file.substr(0, file.rfind('.')).find_first_not_of("/0123456789") == std::string_view::npos;
      fail(name, rows[i].line,
           "image '" + rows[i].image + "': " +
               (digits ? "its frame number is too large (at most " + std::to_string(LONG_MAX) + ")"
                       : std::string("its file name is not a frame number (VIDEO/NNNNN.jpg)")) +
               ", so it cannot be smoothed");
    }
    frame[i] = *f;
  }
  std::vector<size_t> order(rows.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return frame[a] < frame[b]; });
  std::vector<Prediction> sorted;
  std::vector<long> frames;
  sorted.reserve(rows.size());
  frames.reserve(rows.size());
  for (size_t k : order) {
    if (!frames.empty() && frames.back() == frame[k])
      fail(name, rows[k].line,
           "image '" + rows[k].image + "': frame " + std::to_string(frame[k]) + " of video '" +
               std::string(video_of(rows[k].image)) + "' appears twice (also on line " +
               std::to_string(sorted.back().line) + ")");
    frames.push_back(frame[k]);
    sorted.push_back(std::move(rows[k]));
  }
  rows = std::move(sorted);
  return frames;
}

// Sorts, smooths, decides again and writes one video's rows. Returns how many it wrote.
size_t write_video(std::vector<Prediction>& rows, const std::string& name, std::ostream& out, const Smoothing& s,
                   const Thresholds* t) {
  const std::vector<long> frames = sort_by_frame(rows, name);
  smooth_video(rows, frames, s);
  for (auto& p : rows) {
    redecide(p, s, t);
    out << format_prediction(p) << '\n';
  }
  if (!out) throw OutputError("cannot write the smoothed predictions");
  return rows.size();
}

std::string sort_hint() {
  return "the rows of each video must be consecutive: run mtl-smooth --sort (which holds every row in memory), "
         "or sort the lines first with LC_ALL=C sort -s -t'\"' -k4,4";
}

}  // namespace

size_t smooth_stream(std::istream& in, const std::string& name, std::ostream& out, const Smoothing& s,
                     const Thresholds* t, bool sort_all) {
  std::vector<std::vector<Prediction>> videos(1);  // the current video (all of them with sort_all)
  std::unordered_map<std::string, size_t> seen;    // video -> its index, or its first line once done
  std::string line, current;
  int lineno = 0;
  size_t written = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    Prediction p = parse_prediction_line(line, name, lineno, /*keep_text=*/true);
    check_video_path(p, name, lineno);
    const std::string_view video = video_of(p.image);
    if (sort_all) {
      auto [it, added] = seen.emplace(std::string(video), videos.size());
      if (added) videos.emplace_back();
      videos[it->second].push_back(std::move(p));
      continue;
    }
    if (videos[0].empty() || video != current) {
      if (!videos[0].empty()) {
        seen.emplace(current, static_cast<size_t>(videos[0].front().line));
        written += write_video(videos[0], name, out, s, t);
        videos[0].clear();
      }
      current.assign(video);
      if (auto it = seen.find(current); it != seen.end())
        fail(name, lineno,
             "video '" + current + "' appears again after other videos (its rows began on line " +
                 std::to_string(it->second) + "): " + sort_hint());
    }
    videos[0].push_back(std::move(p));
  }
  if (in.bad()) throw InputError(name + ": cannot read");
  for (auto& v : videos)
    if (!v.empty()) written += write_video(v, name, out, s, t);
  return written;
}

// ----------------------------------------------------------------------------- tuning
namespace {

struct Video {
  std::vector<Prediction> rows;
  std::vector<long> frames;
};


// The score of one task with the smoothing `s` applied to every video (the task's setting only).
std::optional<double> task_score(const std::vector<Video>& videos, const Truth& truth, const Smoothing& s,
                                 const Thresholds* t, Task task, size_t* rows) {
  std::vector<Prediction> all;
  for (const auto& v : videos) {
    std::vector<Prediction> r = v.rows;
    smooth_video(r, v.frames, s);
    for (auto& p : r) {
      redecide(p, s, t);
      all.push_back(std::move(p));
    }
  }
  const Scores sc = score(all, truth, "<tuning>").scores;
  switch (task) {
    case Task::AU:
      *rows = sc.n_au;
      return sc.p_au;
    case Task::EX:
      *rows = sc.n_ex;
      return sc.p_ex;
    case Task::VA:
      break;
  }
  *rows = sc.n_va;
  return sc.p_va;
}

// Tries none, then each window with each filter, for one task; the first best setting wins.
TaskTuning tune_task(const std::vector<Video>& videos, const Truth& truth, const Thresholds* t,
                     const SmoothingSearch& search, Task task, TaskSmoothing* best) {
  TaskTuning r;
  std::vector<TaskSmoothing> settings = {TaskSmoothing{}};
  std::vector<int> windows = search.windows;
  std::sort(windows.begin(), windows.end());
  for (int w : windows)
    for (Filter f : search.filters) settings.push_back(TaskSmoothing{f, w});
  *best = TaskSmoothing{};
  for (const TaskSmoothing& ts : settings) {
    Smoothing s;
    (task == Task::AU ? s.au : task == Task::EX ? s.ex : s.va) = ts;
    size_t rows = 0;
    const std::optional<double> v = task_score(videos, truth, s, t, task, &rows);
    if (!v) return r;  // no rows of this task to score: it stays none
    r.tried.emplace_back(ts, *v);
    if (!r.before) r.before = *v, r.rows = rows;
  }
  double top = r.tried.front().second;
  for (const auto& tried : r.tried) top = std::max(top, tried.second);
  for (const auto& [ts, v] : r.tried)
    if (v >= top - search.tolerance) {  // the first, so the simplest, within the tolerance of the best
      *best = ts;
      r.after = v;
      break;
    }
  return r;
}

}  // namespace

SmoothingTuning tune_smoothing(const std::vector<Prediction>& rows, const std::string& name, const Truth& truth,
                               const Thresholds* t, const SmoothingSearch& search) {
  for (int w : search.windows)
    if (w < 1 || w % 2 == 0 || w > kMaxSmoothingWindow)
      throw UsageError("a window must be an odd number of frames from 1 to " + std::to_string(kMaxSmoothingWindow) +
                       ", not " + std::to_string(w));
  size_t matched = 0;
  for (const auto& p : rows) matched += truth.find(p.image) >= 0;
  if (matched == 0)  // tuned on nothing, every task would keep "none" without a word
    throw InputError(name + ": none of its " + std::to_string(rows.size()) + " predictions is of an image in " +
                     truth.source);
  std::vector<Video> videos;
  std::unordered_map<std::string_view, size_t> index;
  for (const auto& p : rows) {
    check_video_path(p, name, p.line);
    auto [it, added] = index.emplace(video_of(p.image), videos.size());
    if (added) videos.emplace_back();
    videos[it->second].rows.push_back(p);
  }
  for (auto& v : videos) v.frames = sort_by_frame(v.rows, name);
  SmoothingTuning r;
  r.au = tune_task(videos, truth, t, search, Task::AU, &r.best.au);
  r.ex = tune_task(videos, truth, t, search, Task::EX, &r.best.ex);
  r.va = tune_task(videos, truth, t, search, Task::VA, &r.best.va);
  return r;
}

}  // namespace mtl
