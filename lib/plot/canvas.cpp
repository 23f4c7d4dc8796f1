// Drawing primitives over OpenCV's imgproc, at a supersampled scale.
#include "canvas.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace mtl {
namespace plot {
namespace {

constexpr int kScale = 3;  // drawing resolution over the output's
constexpr int kShift = 4;  // fractional bits of OpenCV's sub-pixel coordinates

cv::Scalar bgr(Rgb c) { return cv::Scalar(c.b, c.g, c.r); }

// A point in the supersampled image, in OpenCV's fixed point with kShift fractional bits.
cv::Point fixed(cv::Point2d p) {
  const double f = kScale * double(1 << kShift);
  return cv::Point(static_cast<int>(std::lround(p.x * f)), static_cast<int>(std::lround(p.y * f)));
}

int px(double thickness) { return std::max(1, static_cast<int>(std::lround(thickness * kScale))); }

int font(bool bold) { return bold ? cv::FONT_HERSHEY_DUPLEX : cv::FONT_HERSHEY_SIMPLEX; }

// The Hershey scale and stroke width that draw capitals `size` output pixels high.
double font_scale(double size, bool bold) {
  int base = 0;
  const double cap = cv::getTextSize("H", font(bold), 1.0, 1, &base).height;
  return size * kScale / cap;
}
int stroke(double size, bool bold) {
  return std::max(1, static_cast<int>(std::lround(size * kScale * (bold ? 0.12 : 0.085))));
}

}  // namespace

const std::vector<Rgb>& run_colours() {
  static const std::vector<Rgb> c = {{0, 114, 178}, {213, 94, 0},    {0, 158, 115}, {204, 121, 167},
                                     {230, 159, 0}, {86, 180, 233}, {0, 0, 0}};
  return c;
}

Rgb blues(double v) {
  // Stops of ColorBrewer's sequential "Blues" scale; green and blue fall at every stop.
  static const Rgb stops[] = {{247, 251, 255}, {222, 235, 247}, {198, 219, 239}, {158, 202, 225}, {107, 174, 214},
                              {66, 146, 198},  {33, 113, 181},  {8, 81, 156},    {8, 48, 107}};
  const int n = sizeof stops / sizeof stops[0];
  const double t = std::clamp(v, 0.0, 1.0) * (n - 1);
  const int i = std::min(n - 2, static_cast<int>(t));
  const double f = t - i;
  auto mix = [&](int a, int b) { return static_cast<int>(std::lround(a + (b - a) * f)); };
  return {mix(stops[i].r, stops[i + 1].r), mix(stops[i].g, stops[i + 1].g), mix(stops[i].b, stops[i + 1].b)};
}

Canvas::Canvas(int width, int height)
    : img_(height * kScale, width * kScale, CV_8UC3, cv::Scalar(255, 255, 255)), width_(width), height_(height) {}

void Canvas::line(cv::Point2d a, cv::Point2d b, Rgb c, double thickness) {
  cv::line(img_, fixed(a), fixed(b), bgr(c), px(thickness), cv::LINE_AA, kShift);
}

void Canvas::polyline(const std::vector<cv::Point2d>& pts, Rgb c, double thickness) {
  if (pts.size() == 1) disc(pts[0], thickness, c);
  std::vector<cv::Point> p;
  for (const auto& q : pts) p.push_back(fixed(q));
  cv::polylines(img_, p, false, bgr(c), px(thickness), cv::LINE_AA, kShift);
}

void Canvas::dashed(const std::vector<cv::Point2d>& pts, Rgb c, double thickness, double dash, double gap) {
  double phase = 0;  // how far into the current dash-and-gap period the pen is
  const double period = dash + gap;
  for (size_t i = 1; i < pts.size(); ++i) {
    const cv::Point2d d = pts[i] - pts[i - 1];
    const double len = std::hypot(d.x, d.y);
    for (double s = 0; s < len;) {
      const double in_period = std::fmod(phase, period);
      const double step = std::min(len - s, in_period < dash ? dash - in_period : period - in_period);
      if (in_period < dash) line(pts[i - 1] + d * (s / len), pts[i - 1] + d * ((s + step) / len), c, thickness);
      s += step;
      phase += step;
    }
  }
}

void Canvas::fill_rect(cv::Point2d a, cv::Point2d b, Rgb c) {
  const int x0 = int(std::lround(std::min(a.x, b.x) * kScale)), x1 = int(std::lround(std::max(a.x, b.x) * kScale));
  const int y0 = int(std::lround(std::min(a.y, b.y) * kScale)), y1 = int(std::lround(std::max(a.y, b.y) * kScale));
  if (x1 > x0 && y1 > y0) cv::rectangle(img_, cv::Point(x0, y0), cv::Point(x1 - 1, y1 - 1), bgr(c), cv::FILLED);
}

void Canvas::frame_rect(cv::Point2d a, cv::Point2d b, Rgb c, double thickness) {
  polyline({a, {b.x, a.y}, b, {a.x, b.y}, a}, c, thickness);
}

void Canvas::disc(cv::Point2d centre, double radius, Rgb c) {
  cv::circle(img_, fixed(centre), static_cast<int>(std::lround(radius * kScale * (1 << kShift))), bgr(c), cv::FILLED,
             cv::LINE_AA, kShift);
}

double Canvas::text_width(const std::string& s, double size, bool bold) {
  int base = 0;
  return cv::getTextSize(s, font(bold), font_scale(size, bold), stroke(size, bold), &base).width / double(kScale);
}

void Canvas::text(const std::string& s, cv::Point2d at, double size, Rgb c, Align h, VAlign v, bool bold) {
  int base = 0;
  const double scale = font_scale(size, bold);
  const cv::Size sz = cv::getTextSize(s, font(bold), scale, stroke(size, bold), &base);
  double x = at.x * kScale, y = at.y * kScale;  // the baseline's left end, supersampled
  if (h == Align::Centre) x -= sz.width / 2.0;
  if (h == Align::Right) x -= sz.width;
  if (v == VAlign::Top) y += size * kScale;
  if (v == VAlign::Middle) y += size * kScale / 2;
  if (v == VAlign::Bottom) y -= base;
  cv::putText(img_, s, cv::Point(int(std::lround(x)), int(std::lround(y))), font(bold), scale, bgr(c),
              stroke(size, bold), cv::LINE_AA);
}

void Canvas::text_up(const std::string& s, cv::Point2d at, double size, Rgb c, bool bold) {
  int base = 0;
  const double scale = font_scale(size, bold);
  const cv::Size sz = cv::getTextSize(s, font(bold), scale, stroke(size, bold), &base);
  const int pad = kScale * 2;
  cv::Mat strip(sz.height + base + 2 * pad, sz.width + 2 * pad, CV_8UC3, cv::Scalar(255, 255, 255));
  cv::putText(strip, s, cv::Point(pad, pad + sz.height), font(bold), scale, bgr(c), stroke(size, bold), cv::LINE_AA);
  cv::Mat up;
  cv::rotate(strip, up, cv::ROTATE_90_COUNTERCLOCKWISE);
  // The cap height's middle (not the descenders') goes on `at`.
  const int x0 = static_cast<int>(std::lround(at.x * kScale - (pad + sz.height / 2.0)));
  const int y0 = static_cast<int>(std::lround(at.y * kScale - up.rows / 2.0));
  const cv::Rect dst = cv::Rect(x0, y0, up.cols, up.rows) & cv::Rect(0, 0, img_.cols, img_.rows);
  if (dst.area() == 0) return;
  // Darker wins, so that the strip's white background does not paint over what is there.
  cv::Mat roi = img_(dst);
  cv::min(roi, up(cv::Rect(dst.x - x0, dst.y - y0, dst.width, dst.height)), roi);
}

cv::Mat Canvas::finish() const {
  cv::Mat out;
  cv::resize(img_, out, cv::Size(width_, height_), 0, 0, cv::INTER_AREA);
  return out;
}

}  // namespace plot
}  // namespace mtl
