// The tuning of the smoothing on validation predictions (mtl-smooth --tune): each task on its own,
// every filter and window of the search against none, scored by the task's challenge measure.
#include <algorithm>
#include <cstdio>
#include <optional>
#include <unordered_map>

#include "mtl/core/error.h"
#include "mtl/core/score.h"
#include "mtl/core/smoothing.h"
#include "mtl/core/task.h"
#include "video_rows.h"

namespace mtl {

std::string tuning_summary(const std::string& task, const TaskTuning& t, const TaskSmoothing& chosen) {
  if (!t.before) return task + ": no rows with both truth and prediction: not smoothed";
  char line[200];
  std::snprintf(line, sizeof line, "%s: %s, window %d: %.4f -> %.4f on %zu rows", task.c_str(),
                filter_name(chosen.filter), chosen.window, *t.before, *t.after, t.rows);
  return line;
}

namespace {

using detail::check_video_path;
using detail::sort_by_frame;

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
