// A plot area with linear scales, tick marks, grid lines and labels (private to mtl_plot).
#pragma once
#include <string>
#include <vector>

#include "canvas.h"

namespace mtl {
namespace plot {

// Tick positions at a "nice" step (1, 2, 2.5 or 5 times a power of ten) and the decimals to print them with.
struct Ticks {
  std::vector<double> at;
  int decimals = 0;
  double lo = 0, hi = 1;  // the axis range: the outer ticks
};

// About `target` ticks covering [lo, hi], the range widened to the outer ticks; with `integers`
// the step is a whole number. A range of one value is widened around it first.
Ticks nice_ticks(double lo, double hi, int target, bool integers = false);

// A number as a tick label: `decimals` places, without a minus sign on zero.
std::string tick_label(double v, int decimals);

// A plot area on a canvas: data coordinates to pixels, and its furniture.
class Axes {
 public:
  // `area` is the plot area in pixels; the scales run over the ticks' ranges.
  Axes(Canvas& canvas, cv::Rect2d area, Ticks x, Ticks y);
  double x(double v) const;
  double y(double v) const;
  cv::Point2d at(double vx, double vy) const { return {x(vx), y(vy)}; }
  const cv::Rect2d& area() const { return area_; }

  // Horizontal grid lines at the y ticks (and vertical ones at the x ticks with `x_grid`), the
  // left and bottom axis lines, ticks and their numbers.
  void draw_frame(bool x_grid, bool x_numbers = true);
  // The x axis label under the tick numbers, the y label turned up left of them, the title above.
  void draw_labels(const std::string& xlabel, const std::string& ylabel, const std::string& title);
  // Text drawn in the middle of the area (for an empty panel).
  void draw_note(const std::string& note);

  // Text sizes: the height of capitals in pixels.
  static constexpr double kTickText = 8;    // tick numbers
  static constexpr double kLabelText = 9;   // axis labels
  static constexpr double kTitleText = 10;  // panel titles

 private:
  Canvas& c_;
  cv::Rect2d area_;
  Ticks x_, y_;
  double y_text_width_ = 0;  // the widest y tick number, for placing the y label
};

}  // namespace plot
}  // namespace mtl
