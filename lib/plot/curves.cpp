// mtl-plot's figure: training and validation curves of one or more runs, one row per task.
#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <stdexcept>

#include "axes.h"
#include "canvas.h"
#include "mtl/core/log.h"
#include "mtl/plot/plot.h"
#include "mtl/plot/png.h"

namespace mtl {
namespace plot {
namespace {

constexpr int kWidth = 1000;
constexpr double kTop = 44, kRowHeight = 280, kMargin = 16, kLegendLine = 22;
constexpr double kSwatch = 26;  // the length of a legend's line sample

std::string upper(const char* s) {
  std::string u = s;
  for (auto& ch : u) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return u;
}

Rgb colour_of(size_t run) { return run_colours()[run % run_colours().size()]; }

// A text that fits `width` pixels at `size`, cut at its start ("...folder/au.log") when too long.
std::string fit(std::string s, double width, double size = 8, bool bold = false) {
  if (Canvas::text_width(s, size, bold) <= width) return s;
  while (s.size() > 1 && Canvas::text_width("..." + s, size, bold) > width) s.erase(0, 1);
  return "..." + s;
}

// The legend: one entry per run (a line in its colour and its label), wrapped into lines.
struct LegendItem {
  size_t run;
  std::string label;
  double x;
  int line;
};
std::vector<LegendItem> layout_legend(const std::vector<Run>& runs, int& lines) {
  std::vector<LegendItem> items;
  double x = kMargin;
  lines = 1;
  for (size_t i = 0; i < runs.size(); ++i) {
    const std::string label = fit(runs[i].label, kWidth - 2 * kMargin - kSwatch - 8);
    const double w = kSwatch + 6 + Canvas::text_width(label, 8);
    if (x > kMargin && x + w > kWidth - kMargin) {
      x = kMargin;
      ++lines;
    }
    items.push_back({i, label, x, lines - 1});
    x += w + 22;
  }
  return items;
}

void draw_legend(Canvas& c, const std::vector<LegendItem>& items, double top, bool any_val) {
  for (const auto& it : items) {
    const double y = top + it.line * kLegendLine;
    c.line({it.x, y}, {it.x + kSwatch, y}, colour_of(it.run), 2);
    c.text(it.label, {it.x + kSwatch + 6, y}, 8, colour::kText, Align::Left, VAlign::Middle);
  }
  // The key to the line styles.
  const double y = top + (items.empty() ? 0 : items.back().line + 1) * kLegendLine;
  double x = kMargin;
  auto key = [&](const std::string& what, int style) {
    if (style == 0) c.line({x, y}, {x + kSwatch, y}, colour::kMuted, 1.6);
    if (style == 1) c.dashed({{x, y}, {x + kSwatch, y}}, colour::kMuted, 1.6);
    if (style == 2) c.disc({x + kSwatch / 2, y}, 3.5, colour::kMuted);
    c.text(what, {x + kSwatch + 6, y}, 8, colour::kMuted, Align::Left, VAlign::Middle);
    x += kSwatch + 6 + Canvas::text_width(what, 8) + 22;
  };
  key("training loss", 0);
  if (any_val) {
    key("validation loss", 1);
    key("best epoch (the checkpoint kept)", 2);
  }
}

// The data ranges of one task's runs: epochs, losses, validation scores.
struct Ranges {
  double e_lo = 1e300, e_hi = -1e300, l_lo = 1e300, l_hi = -1e300, s_lo = 1e300, s_hi = -1e300;
  bool val = false;
  void add(double& lo, double& hi, double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
};
Ranges ranges_of(const std::vector<Run>& runs, std::optional<Task> task) {
  Ranges r;
  for (const auto& run : runs) {
    if (run.log.task != task) continue;
    for (const auto& e : run.log.epochs) {
      r.add(r.e_lo, r.e_hi, e.epoch);
      r.add(r.l_lo, r.l_hi, e.train_loss);
      if (e.val_loss) r.add(r.l_lo, r.l_hi, *e.val_loss);
      if (e.val_score) r.add(r.s_lo, r.s_hi, *e.val_score), r.val = true;
    }
  }
  return r;
}

// The area of the panel in row `row` and column `col` of `cols`.
cv::Rect2d panel(int row, int col, int cols) {
  const double w = (kWidth - 2 * kMargin) / cols;
  return cv::Rect2d(kMargin + col * w + 64, kTop + row * kRowHeight + 34, w - 64 - 26, kRowHeight - 34 - 62);
}

// A row's name in titles: "AU head", or "Joint fine-tuning" for the three heads together.
std::string row_title(std::optional<Task> task) { return task ? upper(task_name(*task)) + " head" : "Joint fine-tuning"; }
std::string score_name(std::optional<Task> task) { return task ? task_score_name(*task) : "P_MTL"; }

void draw_loss_panel(Canvas& c, const std::vector<Run>& runs, std::optional<Task> task, const Ranges& r, cv::Rect2d area) {
  Axes ax(c, area, nice_ticks(r.e_lo, r.e_hi, 8, true), nice_ticks(r.l_lo, r.l_hi, 5));
  ax.draw_frame(true);
  for (size_t i = 0; i < runs.size(); ++i) {
    if (runs[i].log.task != task) continue;
    std::vector<cv::Point2d> train, val;
    for (const auto& e : runs[i].log.epochs) {
      train.push_back(ax.at(e.epoch, e.train_loss));
      if (e.val_loss) val.push_back(ax.at(e.epoch, *e.val_loss));
    }
    c.polyline(train, colour_of(i), 1.6);
    if (!val.empty()) c.dashed(val, colour_of(i), 1.6);
  }
  ax.draw_labels("epoch", "loss", row_title(task) + ": loss");
}

void draw_score_panel(Canvas& c, const std::vector<Run>& runs, std::optional<Task> task, const Ranges& r,
                      cv::Rect2d area) {
  const std::string title = row_title(task) + ": validation " + score_name(task);
  if (!r.val) {
    Axes ax(c, area, nice_ticks(r.e_lo, r.e_hi, 8, true), nice_ticks(0, 1, 5));
    ax.draw_labels("", "", title);
    ax.draw_note("no validation scores in these logs (train with --val)");
    return;
  }
  Axes ax(c, area, nice_ticks(r.e_lo, r.e_hi, 8, true), nice_ticks(r.s_lo, r.s_hi, 5));
  ax.draw_frame(true);
  for (size_t i = 0; i < runs.size(); ++i) {
    const TrainingLog& log = runs[i].log;
    if (log.task != task || !log.has_val) continue;
    std::vector<cv::Point2d> pts;
    for (const auto& e : log.epochs) pts.push_back(ax.at(e.epoch, *e.val_score));
    c.polyline(pts, colour_of(i), 1.6);
    for (const auto& e : log.epochs)
      if (e.epoch == log.epochs.back().best_epoch) c.disc(ax.at(e.epoch, *e.val_score), 4, colour_of(i));
  }
  ax.draw_labels("epoch", score_name(task), title);
}

}  // namespace

std::vector<std::string> default_labels(const std::vector<std::string>& paths) {
  std::map<std::string, int> seen;
  auto name = [](const std::string& p) { return p.substr(p.find_last_of('/') + 1); };
  for (const auto& p : paths) ++seen[name(p)];
  std::vector<std::string> labels;
  for (const auto& p : paths) labels.push_back(seen[name(p)] > 1 ? p : name(p));
  return labels;
}

void write_curves_plot(const std::vector<Run>& runs, const std::string& path, const std::string& title) {
  if (runs.empty()) throw std::invalid_argument("write_curves_plot: no runs");
  if (runs.size() > run_colours().size())
    logging::warn(std::to_string(runs.size()) + " runs but " + std::to_string(run_colours().size()) +
                  " colours: runs " + std::to_string(run_colours().size() + 1) + " on repeat the colours");
  std::vector<std::optional<Task>> tasks;  // a row of panels each: AU, EX, VA, then joint runs
  bool any_val = false;
  for (std::optional<Task> t : {std::optional<Task>(Task::AU), std::optional<Task>(Task::EX),
                                std::optional<Task>(Task::VA), std::optional<Task>()})
    for (const auto& run : runs)
      if (run.log.task == t) {
        if (tasks.empty() || tasks.back() != t) tasks.push_back(t);
        any_val |= run.log.has_val;
      }
  int legend_lines = 0;
  const auto legend = layout_legend(runs, legend_lines);
  const int cols = any_val ? 2 : 1;
  const double legend_top = kTop + tasks.size() * kRowHeight + 4;
  Canvas c(kWidth, static_cast<int>(legend_top + (legend_lines + 1) * kLegendLine + 4));
  c.text(fit(title.empty() ? "Training curves" : title, kWidth - 2 * kMargin, 11, true), {kWidth / 2.0, 26}, 11,
         colour::kText, Align::Centre, VAlign::Baseline, true);
  for (size_t row = 0; row < tasks.size(); ++row) {
    const Ranges r = ranges_of(runs, tasks[row]);
    draw_loss_panel(c, runs, tasks[row], r, panel(int(row), 0, cols));
    if (cols == 2) draw_score_panel(c, runs, tasks[row], r, panel(int(row), 1, cols));
  }
  draw_legend(c, legend, legend_top + kLegendLine / 2, any_val);
  write_png(c.finish(), path);
}

}  // namespace plot
}  // namespace mtl
