// Nice tick steps and the furniture of a plot area.
#include "axes.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace mtl {
namespace plot {

Ticks nice_ticks(double lo, double hi, int target, bool integers) {
  if (hi < lo) std::swap(lo, hi);
  if (hi - lo < 1e-12 * std::max(1.0, std::abs(hi))) {
    const double pad = integers ? 1 : std::max(0.5 * std::abs(lo), 0.05);
    lo -= pad;
    hi += pad;
  }
  const double raw = (hi - lo) / std::max(1, target);
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  double step = 10 * p;
  int extra = 0;  // a step of 2.5 needs one decimal more than its power of ten
  for (double m : {1.0, 2.0, 2.5, 5.0})
    if (m * p >= raw * 0.999) {
      step = m * p;
      extra = m == 2.5;
      break;
    }
  if (integers) step = std::max(1.0, std::round(step));
  Ticks t;
  t.lo = std::floor(lo / step + 1e-9) * step;
  t.hi = std::ceil(hi / step - 1e-9) * step;
  for (double v = t.lo; v <= t.hi + step * 1e-6; v += step) t.at.push_back(std::abs(v) < step * 1e-9 ? 0 : v);
  t.decimals = integers ? 0 : std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)) + extra);
  return t;
}

std::string tick_label(double v, int decimals) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  std::string s = b;
  if (s.find_first_not_of("-0.") == std::string::npos && s[0] == '-') s.erase(0, 1);  // "-0.0"
  return s;
}

Axes::Axes(Canvas& canvas, cv::Rect2d area, Ticks x, Ticks y)
    : c_(canvas), area_(area), x_(std::move(x)), y_(std::move(y)) {}

double Axes::x(double v) const { return area_.x + (v - x_.lo) / (x_.hi - x_.lo) * area_.width; }
double Axes::y(double v) const { return area_.y + area_.height - (v - y_.lo) / (y_.hi - y_.lo) * area_.height; }

void Axes::draw_frame(bool x_grid, bool x_numbers) {
  const double left = area_.x, bottom = area_.y + area_.height;
  for (double v : y_.at) {
    if (v < y_.lo || v > y_.hi) continue;
    if (y(v) < bottom - 0.5) c_.line({left, y(v)}, {area_.x + area_.width, y(v)}, colour::kGrid);
    c_.line({left - 4, y(v)}, {left, y(v)}, colour::kAxis);
    const std::string s = tick_label(v, y_.decimals);
    c_.text(s, {left - 7, y(v)}, kTickText, colour::kText, Align::Right, VAlign::Middle);
    y_text_width_ = std::max(y_text_width_, c_.text_width(s, kTickText));
  }
  for (double v : x_.at) {
    if (v < x_.lo || v > x_.hi) continue;
    if (x_grid && x(v) > left + 0.5) c_.line({x(v), area_.y}, {x(v), bottom}, colour::kGrid);
    c_.line({x(v), bottom}, {x(v), bottom + 4}, colour::kAxis);
    if (x_numbers)
      c_.text(tick_label(v, x_.decimals), {x(v), bottom + 8}, kTickText, colour::kText, Align::Centre,
              VAlign::Top);
  }
  c_.line({left, area_.y}, {left, bottom}, colour::kAxis);
  c_.line({left, bottom}, {area_.x + area_.width, bottom}, colour::kAxis);
}

void Axes::draw_labels(const std::string& xlabel, const std::string& ylabel, const std::string& title) {
  const double bottom = area_.y + area_.height;
  if (!xlabel.empty())
    c_.text(xlabel, {area_.x + area_.width / 2, bottom + 24}, kLabelText, colour::kText, Align::Centre,
            VAlign::Top);
  if (!ylabel.empty())
    c_.text_up(ylabel, {area_.x - y_text_width_ - 22, area_.y + area_.height / 2}, kLabelText, colour::kText);
  if (!title.empty())
    c_.text(title, {area_.x + area_.width / 2, area_.y - 10}, kTitleText, colour::kText, Align::Centre,
            VAlign::Baseline, true);
}

void Axes::draw_note(const std::string& note) {
  c_.text(note, {area_.x + area_.width / 2, area_.y + area_.height / 2}, kLabelText, colour::kMuted,
          Align::Centre, VAlign::Middle);
}

}  // namespace plot
}  // namespace mtl
