// mtl-score's figures: the expression confusion matrix and the per-AU F1 bars.
#include <algorithm>
#include <cstdio>
#include <numeric>

#include "axes.h"
#include "canvas.h"
#include "mtl/core/atomic_file.h"
#include "mtl/core/error.h"
#include "mtl/core/labels.h"
#include "mtl/plot/plot.h"
#include "mtl/plot/png.h"

namespace mtl {
namespace plot {
namespace {

std::string fixed(double v, int decimals) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}

// The geometry of the confusion figure, from the widths of the class names.
struct ConfusionLayout {
  double name_w, cell_w, cell_h = 46, left, top = 84, right_cols = 56, bar_w = 14;
  int width, height;
  ConfusionLayout() {
    name_w = 0;
    for (const char* n : ex_names()) name_w = std::max(name_w, Canvas::text_width(n, 8));
    cell_w = std::max(70.0, name_w + 14);
    left = 24 + 14 + 12 + name_w + 10;
    width = static_cast<int>(left + kNumEX * cell_w + right_cols + 24 + bar_w + 44 + 16);
    height = static_cast<int>(top + kNumEX * cell_h + 44);
  }
  double x(int col) const { return left + col * cell_w; }
  double y(int row) const { return top + row * cell_h; }
};

// The cells: shading by the row's share, the count and the share in each, the row totals.
void draw_cells(Canvas& c, const ConfusionLayout& L, const Scores& s) {
  for (int t = 0; t < kNumEX; ++t) {
    const auto& row = s.ex_confusion[t];
    const size_t total = std::accumulate(row.begin(), row.end(), size_t(0));
    for (int p = 0; p < kNumEX; ++p) {
      const double share = total ? double(row[p]) / total : 0;
      c.fill_rect({L.x(p), L.y(t)}, {L.x(p + 1), L.y(t + 1)}, blues(share));
      const Rgb ink = share > 0.5 ? colour::kWhite : colour::kText;
      const double cx = L.x(p) + L.cell_w / 2, cy = L.y(t) + L.cell_h / 2;
      c.text(std::to_string(row[p]), {cx, cy - 2}, 9, ink, Align::Centre, VAlign::Baseline, p == t);
      if (total) c.text(fixed(100 * share, 0) + "%", {cx, cy + 4}, 7, ink, Align::Centre, VAlign::Top);
    }
    c.text(std::to_string(total), {L.x(kNumEX) + L.right_cols - 8, L.y(t) + L.cell_h / 2}, 8, colour::kText,
           Align::Right, VAlign::Middle);
  }
  for (int i = 0; i <= kNumEX; ++i) {  // thin white rules between the cells
    c.line({L.x(i), L.y(0)}, {L.x(i), L.y(kNumEX)}, colour::kWhite);
    c.line({L.x(0), L.y(i)}, {L.x(kNumEX), L.y(i)}, colour::kWhite);
  }
  c.frame_rect({L.x(0), L.y(0)}, {L.x(kNumEX), L.y(kNumEX)}, colour::kAxis);
}

// Class names, axis names, the title and the colour bar.
void draw_confusion_furniture(Canvas& c, const ConfusionLayout& L, const Scores& s) {
  for (int i = 0; i < kNumEX; ++i) {
    c.text(ex_names()[i], {L.x(i) + L.cell_w / 2, L.top - 8}, 8, colour::kText, Align::Centre, VAlign::Baseline);
    c.text(ex_names()[i], {L.left - 10, L.y(i) + L.cell_h / 2}, 8, colour::kText, Align::Right, VAlign::Middle);
  }
  c.text("rows", {L.x(kNumEX) + L.right_cols - 8, L.top - 8}, 8, colour::kMuted, Align::Right);
  c.text("predicted expression", {L.x(0) + kNumEX * L.cell_w / 2, L.top - 30}, 9, colour::kText, Align::Centre);
  c.text_up("true expression", {30, L.y(0) + kNumEX * L.cell_h / 2}, 9, colour::kText);
  c.text("Expression confusion matrix: P_EX " + fixed(*s.p_ex, 3) + " (macro F1), " + std::to_string(s.n_ex) +
             " rows",
         {L.width / 2.0, 24}, 10, colour::kText, Align::Centre, VAlign::Baseline, true);
  // The colour bar: share of the true class's rows, 0% at the bottom.
  const double bx = L.x(kNumEX) + L.right_cols + 24, top = L.y(0), h = kNumEX * L.cell_h;
  for (int i = 0; i < int(h); ++i) c.fill_rect({bx, top + i}, {bx + L.bar_w, top + i + 1}, blues(1 - (i + 0.5) / h));
  c.frame_rect({bx, top}, {bx + L.bar_w, top + h}, colour::kAxis);
  for (int k = 0; k <= 4; ++k) {
    const double y = top + h - k * h / 4;
    c.line({bx + L.bar_w, y}, {bx + L.bar_w + 4, y}, colour::kAxis);
    c.text(std::to_string(25 * k) + "%", {bx + L.bar_w + 7, y}, 7, colour::kText, Align::Left, VAlign::Middle);
  }
  c.text("share of the true class's rows", {L.x(0) + kNumEX * L.cell_w / 2, L.y(kNumEX) + 24}, 8, colour::kMuted,
         Align::Centre, VAlign::Baseline);
}

}  // namespace

std::string confusion_path(const std::string& prefix) { return prefix + "-confusion.png"; }
std::string au_f1_path(const std::string& prefix) { return prefix + "-au-f1.png"; }

void check_score_plot_paths(const std::string& prefix, const std::vector<std::string>& inputs) {
  // "" or "dir/" would name files "-confusion.png", which the shell then takes for options.
  if (prefix.empty() || prefix.back() == '/')
    throw UsageError("--plot '" + prefix + "': give a file name prefix (PREFIX-confusion.png, PREFIX-au-f1.png)" +
                     (prefix.empty() ? "" : ", such as " + prefix + "val"));
  check_output_path("--plot", confusion_path(prefix), inputs);
  check_output_path("--plot", au_f1_path(prefix), inputs);
}

std::vector<std::string> write_score_plots(const Scores& s, const std::string& prefix) {
  std::vector<std::string> written;
  if (s.p_ex) {
    write_confusion_plot(s, confusion_path(prefix));
    written.push_back(confusion_path(prefix));
  }
  if (s.p_au) {
    write_au_f1_plot(s, au_f1_path(prefix));
    written.push_back(au_f1_path(prefix));
  }
  return written;
}

void write_confusion_plot(const Scores& s, const std::string& path) {
  const ConfusionLayout L;
  Canvas c(L.width, L.height);
  draw_cells(c, L, s);
  draw_confusion_furniture(c, L, s);
  write_png(c.finish(), path);
}

void write_au_f1_plot(const Scores& s, const std::string& path) {
  Canvas c(860, 420);
  Ticks x;
  x.lo = 0;
  x.hi = kNumAU;
  Ticks y;
  y.at = {0, 0.2, 0.4, 0.6, 0.8, 1.0};
  y.decimals = 1;
  y.hi = 1.1;  // room for the numbers over bars of F1 1
  Axes ax(c, cv::Rect2d(70, 44, 860 - 70 - 84, 420 - 44 - 62), x, y);
  ax.draw_frame(false, false);
  const Rgb bar = run_colours()[0], mean_ink = run_colours()[1];
  for (int i = 0; i < kNumAU; ++i) {
    c.fill_rect(ax.at(i + 0.2, s.au_f1[i]), ax.at(i + 0.8, 0), bar);
    c.text(au_names()[i], {ax.x(i + 0.5), ax.y(0) + 8}, 8, colour::kText, Align::Centre, VAlign::Top);
  }
  const double mean = s.p_au.value_or(0);
  c.dashed({ax.at(0, mean), ax.at(kNumAU, mean)}, mean_ink, 1.5);
  for (int i = 0; i < kNumAU; ++i) {  // each bar's number, on white so that the mean line cannot hide it
    const std::string v = fixed(s.au_f1[i], 2);
    const cv::Point2d at = ax.at(i + 0.5, s.au_f1[i]) + cv::Point2d(0, -5);
    const double w = Canvas::text_width(v, 7);
    c.fill_rect(at + cv::Point2d(-w / 2 - 2, -9), at + cv::Point2d(w / 2 + 2, 2), colour::kWhite);
    c.text(v, at, 7, colour::kText, Align::Centre);
  }
  const double right = ax.area().x + ax.area().width;
  c.text("mean", {right + 8, ax.y(mean) - 3}, 8, mean_ink, Align::Left, VAlign::Baseline, true);
  c.text(fixed(mean, 3), {right + 8, ax.y(mean) + 3}, 8, mean_ink, Align::Left, VAlign::Top, true);
  ax.draw_labels("action unit", "F1", "");
  c.text("F1 per action unit: P_AU " + fixed(mean, 3) + " (the mean), " + std::to_string(s.n_au) + " rows",
         {430, 24}, 10, colour::kText, Align::Centre, VAlign::Baseline, true);
  write_png(c.finish(), path);
}

}  // namespace plot
}  // namespace mtl
