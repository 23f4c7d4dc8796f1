// mtl-plot --timeline's figure: one face of a video over time. Panels stacked on one x axis (time
// in seconds, or frame numbers): valence and arousal as curves, the expression as a coloured band,
// the 12 AUs as a heat strip. Each pixel column of the band and the strip shows the frames whose
// positions fall in it (the mean AU probability, the most frequent expression), or, where frames
// are wider than a pixel, the frame it lies in; frames without a face, or without a prediction,
// are shaded and the curves break there (nothing is interpolated).
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "axes.h"
#include "canvas.h"
#include "mtl/core/labels.h"
#include "mtl/plot/plot.h"
#include "mtl/plot/png.h"

namespace mtl {
namespace plot {
namespace {

constexpr int kWidth = 1000;
constexpr int kLeft = 84, kRight = 930;  // the panels' x extent, whole pixels: one column each
constexpr int kTop = 46;                 // title and subtitle
constexpr int kHeader = 32;              // above each panel: its title (and legend)
constexpr int kVaBody = 150, kExBody = 20, kAuRow = 12, kNoteBody = 40;
constexpr int kBottom = 66;              // the x axis' numbers and label, the legend of the shades

constexpr Rgb kNoFace{230, 230, 230};
constexpr Rgb kNoPred{250, 214, 182};

// One colour per expression class: Okabe and Ito's palette, Neutral grey, Other dark grey.
constexpr std::array<Rgb, kNumEX> kExColours = {{{150, 150, 150},
                                                 {213, 94, 0},
                                                 {0, 158, 115},
                                                 {204, 121, 167},
                                                 {230, 159, 0},
                                                 {0, 114, 178},
                                                 {86, 180, 233},
                                                 {60, 60, 60}}};

std::string fit(std::string s, double width, double size, bool bold) {
  if (Canvas::text_width(s, size, bold) <= width) return s;
  while (s.size() > 1 && Canvas::text_width(s + "...", size, bold) > width) s.pop_back();
  return s + "...";
}

// What a frame holds for one task.
enum class Kind { Value, NoPred, NoFace };

Kind kind_of(const TimelineFrame& f, bool has_value) {
  if (!f.face) return Kind::NoFace;
  return has_value ? Kind::Value : Kind::NoPred;
}

// The frames each pixel column of the panels shows: those whose positions fall in it, else the one
// whose cell (its position +- half) holds the column's middle; none where frames were not looked at.
std::vector<std::pair<size_t, size_t>> bin_columns(const std::vector<double>& xs, double half) {
  std::vector<std::pair<size_t, size_t>> out(kRight - kLeft, {0, 0});
  for (int c = kLeft; c < kRight; ++c) {
    const size_t b = std::lower_bound(xs.begin(), xs.end(), double(c)) - xs.begin();
    const size_t e = std::lower_bound(xs.begin() + b, xs.end(), double(c + 1)) - xs.begin();
    if (e > b) {
      out[c - kLeft] = {b, e};
      continue;
    }
    const double mid = c + 0.5;
    size_t best = xs.size();
    double d = std::numeric_limits<double>::infinity();
    if (b < xs.size()) best = b, d = xs[b] - mid;
    if (b > 0 && mid - xs[b - 1] < d) best = b - 1, d = mid - xs[b - 1];
    if (best < xs.size() && d <= half + 1e-9) out[c - kLeft] = {best, best + 1};
  }
  return out;
}

// What a column shows for a task: the values when they are the most frequent kind of its frames,
// else the more frequent shade; nothing for a column without frames.
enum class Show { Value, NoPred, NoFace, Nothing };
template <class Has>
Show show(const std::vector<TimelineFrame>& frames, std::pair<size_t, size_t> r, Has has) {
  if (r.first == r.second) return Show::Nothing;
  int n[3] = {0, 0, 0};
  for (size_t i = r.first; i < r.second; ++i) ++n[int(kind_of(frames[i], has(frames[i])))];
  if (n[0] > 0 && n[0] >= n[1] && n[0] >= n[2]) return Show::Value;
  return n[2] >= n[1] ? Show::NoFace : Show::NoPred;
}

bool has_au(const TimelineFrame& f) { return f.pred && f.pred->au_prob; }
bool has_ex(const TimelineFrame& f) { return f.pred && timeline_expression(*f.pred); }
bool has_va(const TimelineFrame& f) { return f.pred && f.pred->va; }

// The shade of a column that shows no value, over [top, bottom].
void shade(Canvas& c, int col, Show s, double top, double bottom) {
  if (s == Show::NoFace) c.fill_rect({double(col), top}, {double(col + 1), bottom}, kNoFace);
  if (s == Show::NoPred) c.fill_rect({double(col), top}, {double(col + 1), bottom}, kNoPred);
}

struct Layout {
  std::vector<double> pos;  // each frame's position: seconds or frame number
  std::vector<double> xs;   // and in pixels
  double step = 1;          // the usual distance of two frames (data units)
  Ticks xt;
  double x(double v) const { return kLeft + (v - xt.lo) / (xt.hi - xt.lo) * (kRight - kLeft); }
};

Layout layout_of(const Timeline& t) {
  Layout L;
  for (const auto& f : t.frames) L.pos.push_back(t.timed ? *f.time : double(f.frame));
  std::vector<double> d;
  for (size_t i = 1; i < L.pos.size(); ++i)
    if (L.pos[i] > L.pos[i - 1]) d.push_back(L.pos[i] - L.pos[i - 1]);
  if (!d.empty()) {
    std::nth_element(d.begin(), d.begin() + d.size() / 2, d.end());
    L.step = d[d.size() / 2];
  }
  const double lo = L.pos.front() - L.step / 2, hi = L.pos.back() + L.step / 2;
  L.xt = nice_ticks(lo, hi, 10, !t.timed);
  L.xt.lo = lo;
  L.xt.hi = hi;
  for (double p : L.pos) L.xs.push_back(L.x(p));
  return L;
}

void panel_title(Canvas& c, const std::string& s, double body_top) {
  c.text(s, {double(kLeft), body_top - 10}, Axes::kTitleText, colour::kText, Align::Left, VAlign::Baseline, true);
}

void draw_va(Canvas& c, const Timeline& t, const Layout& L, const std::vector<std::pair<size_t, size_t>>& cols, double top) {
  Ticks yt;
  yt.at = {-1, -0.5, 0, 0.5, 1};
  yt.decimals = 1;
  yt.lo = -1;
  yt.hi = 1;
  Axes ax(c, cv::Rect2d(kLeft, top, kRight - kLeft, kVaBody), L.xt, yt);
  for (int col = kLeft; col < kRight; ++col) shade(c, col, show(t.frames, cols[col - kLeft], has_va), top, top + kVaBody);
  ax.draw_frame(true, false);
  c.line({double(kLeft), ax.y(0)}, {double(kRight), ax.y(0)}, colour::kMuted, 0.8);
  for (int k = 0; k < 2; ++k) {
    std::vector<cv::Point2d> seg;
    auto flush = [&] {
      if (seg.size() == 1) c.disc(seg[0], 2.5, run_colours()[k]);  // a frame between gaps
      if (seg.size() > 1) c.polyline(seg, run_colours()[k], 1.4);
      seg.clear();
    };
    for (size_t i = 0; i < t.frames.size(); ++i) {
      const TimelineFrame& f = t.frames[i];
      if (!has_va(f)) {
        flush();
        continue;
      }
      if (!seg.empty() && L.pos[i] - L.pos[i - 1] > 1.5 * L.step) flush();  // frames not looked at
      const double v = std::clamp(double((*f.pred->va)[k]), -1.0, 1.0);
      seg.push_back({L.xs[i], ax.y(v)});
    }
    flush();
  }
  panel_title(c, "valence and arousal", top);
  double x = kRight;
  for (int k = 1; k >= 0; --k) {  // the legend, right-aligned
    const std::string name = k ? "arousal" : "valence";
    x -= Canvas::text_width(name, 8);
    c.text(name, {x, top - 14}, 8, colour::kText, Align::Left, VAlign::Middle);
    c.line({x - 28, top - 14}, {x - 6, top - 14}, run_colours()[k], 2);
    x -= 28 + 18;
  }
}

void draw_ex(Canvas& c, const Timeline& t, const std::vector<std::pair<size_t, size_t>>& cols, double top) {
  for (int col = kLeft; col < kRight; ++col) {
    const auto r = cols[col - kLeft];
    const Show s = show(t.frames, r, has_ex);
    if (s != Show::Value) {
      shade(c, col, s, top, top + kExBody);
      continue;
    }
    std::array<int, kNumEX> n{};
    for (size_t i = r.first; i < r.second; ++i)
      if (has_ex(t.frames[i])) ++n[*timeline_expression(*t.frames[i].pred)];
    const int k = int(std::max_element(n.begin(), n.end()) - n.begin());
    c.fill_rect({double(col), top}, {double(col + 1), top + kExBody}, kExColours[k]);
  }
  c.frame_rect({double(kLeft), top}, {double(kRight), top + kExBody}, colour::kAxis, 0.8);
  panel_title(c, "expression", top);
  double w = 0;  // the legend, right-aligned: a swatch and a name per class
  for (const char* n : ex_names()) w += 10 + 4 + Canvas::text_width(n, 8) + 12;
  double x = kRight - w + 12;
  for (int k = 0; k < kNumEX; ++k) {
    c.fill_rect({x, top - 19}, {x + 10, top - 9}, kExColours[k]);
    c.text(ex_names()[k], {x + 14, top - 14}, 8, colour::kText, Align::Left, VAlign::Middle);
    x += 10 + 4 + Canvas::text_width(ex_names()[k], 8) + 12;
  }
}

void draw_au(Canvas& c, const Timeline& t, const std::vector<std::pair<size_t, size_t>>& cols, double top) {
  const double bottom = top + kNumAU * kAuRow;
  for (int col = kLeft; col < kRight; ++col) {
    const auto r = cols[col - kLeft];
    const Show s = show(t.frames, r, has_au);
    if (s != Show::Value) {
      shade(c, col, s, top, bottom);
      continue;
    }
    std::array<double, kNumAU> sum{};
    int n = 0;
    for (size_t i = r.first; i < r.second; ++i) {
      if (!has_au(t.frames[i])) continue;
      for (int a = 0; a < kNumAU; ++a) sum[a] += (*t.frames[i].pred->au_prob)[a];
      ++n;
    }
    for (int a = 0; a < kNumAU; ++a)
      c.fill_rect({double(col), top + a * kAuRow}, {double(col + 1), top + (a + 1) * kAuRow}, blues(sum[a] / n));
  }
  for (int a = 0; a < kNumAU; ++a) {
    if (a) c.line({double(kLeft), top + a * kAuRow}, {double(kRight), top + a * kAuRow}, colour::kWhite, 0.6);
    c.text(au_names()[a], {kLeft - 6.0, top + (a + 0.5) * kAuRow}, 7, colour::kText, Align::Right, VAlign::Middle);
  }
  c.frame_rect({double(kLeft), top}, {double(kRight), bottom}, colour::kAxis, 0.8);
  panel_title(c, "action units: probability", top);
  // The colour bar, 0 at the bottom.
  const double bx = kRight + 14, h = bottom - top;
  for (int i = 0; i < int(h); ++i) c.fill_rect({bx, top + i}, {bx + 10, top + i + 1}, blues(1 - (i + 0.5) / h));
  c.frame_rect({bx, top}, {bx + 10, bottom}, colour::kAxis, 0.8);
  for (int k = 0; k <= 2; ++k) {
    const double y = bottom - k * h / 2;
    c.line({bx + 10, y}, {bx + 13, y}, colour::kAxis);
    c.text(k == 0 ? "0" : k == 1 ? "0.5" : "1", {bx + 16, y}, 7, colour::kText, Align::Left, VAlign::Middle);
  }
}

// The x axis under the last panel: ticks, numbers and its label; then the key to the shades.
void draw_x_axis(Canvas& c, const Timeline& t, const Layout& L, double bottom) {
  for (double v : L.xt.at) {
    if (v < L.xt.lo || v > L.xt.hi) continue;
    c.line({L.x(v), bottom}, {L.x(v), bottom + 4}, colour::kAxis);
    c.text(tick_label(v, L.xt.decimals), {L.x(v), bottom + 8}, Axes::kTickText, colour::kText, Align::Centre, VAlign::Top);
  }
  c.text(t.timed ? "time (s)" : "frame", {(kLeft + kRight) / 2.0, bottom + 24}, Axes::kLabelText, colour::kText,
         Align::Centre, VAlign::Top);
  const double y = bottom + 52;
  double x = kLeft;
  auto key = [&](Rgb shade, const std::string& what) {
    c.fill_rect({x, y - 5}, {x + 16, y + 5}, shade);
    c.frame_rect({x, y - 5}, {x + 16, y + 5}, colour::kMuted, 0.5);
    c.text(what, {x + 22, y}, 8, colour::kMuted, Align::Left, VAlign::Middle);
    x += 22 + Canvas::text_width(what, 8) + 24;
  };
  if (t.faces < long(t.frames.size())) key(kNoFace, "no face");
  if (t.predicted < t.faces || (t.faces && !(t.au || t.ex || t.va))) key(kNoPred, "a face without a prediction");
}

}  // namespace

int timeline_height(bool au, bool ex, bool va) {
  int h = kTop + kBottom;
  if (va) h += kHeader + kVaBody;
  if (ex) h += kHeader + kExBody;
  if (au) h += kHeader + kNumAU * kAuRow;
  if (!au && !ex && !va) h += kHeader + kNoteBody;
  return h;
}

void write_timeline_plot(const Timeline& t, const std::string& path, const std::string& title) {
  if (t.frames.empty()) throw std::invalid_argument("write_timeline_plot: no frames");
  Canvas c(kWidth, timeline_height(t.au, t.ex, t.va));
  const std::string head =
      title.empty() ? "Timeline of " + t.video + (t.track ? " (track " + std::to_string(*t.track) + ")" : "") : title;
  c.text(fit(head, kWidth - 32, 11, true), {kWidth / 2.0, 24}, 11, colour::kText, Align::Centre, VAlign::Baseline, true);
  const std::string sub = std::to_string(t.frames.size()) + (t.frames.size() == 1 ? " frame, " : " frames, ") + std::to_string(t.faces) + " with a face, " +
                          std::to_string(t.predicted) + " with a prediction; " +
                          (t.track ? "track " + std::to_string(*t.track) : std::string("in each frame the face of the lowest track"));
  c.text(fit(sub, kWidth - 32, 8, false), {kWidth / 2.0, 40}, 8, colour::kMuted, Align::Centre, VAlign::Baseline);
  const Layout L = layout_of(t);
  const auto cols = bin_columns(L.xs, (L.x(L.step) - L.x(0)) / 2);
  double y = kTop;
  if (t.va) {
    draw_va(c, t, L, cols, y + kHeader);
    y += kHeader + kVaBody;
  }
  if (t.ex) {
    draw_ex(c, t, cols, y + kHeader);
    y += kHeader + kExBody;
  }
  if (t.au) {
    draw_au(c, t, cols, y + kHeader);
    y += kHeader + kNumAU * kAuRow;
  }
  if (!t.au && !t.ex && !t.va) {
    const double top = y + kHeader;
    Axes ax(c, cv::Rect2d(kLeft, top, kRight - kLeft, kNoteBody), L.xt, Ticks{});
    for (int col = kLeft; col < kRight; ++col)
      shade(c, col, show(t.frames, cols[col - kLeft], [](const TimelineFrame&) { return false; }), top, top + kNoteBody);
    c.frame_rect({double(kLeft), top}, {double(kRight), top + kNoteBody}, colour::kAxis, 0.8);
    ax.draw_note(t.faces ? "the predictions hold none of au_prob, ex, ex_prob, va" : "no face in any frame");
    y += kHeader + kNoteBody;
  }
  draw_x_axis(c, t, L, y);
  write_png(c.finish(), path);
}

}  // namespace plot
}  // namespace mtl
