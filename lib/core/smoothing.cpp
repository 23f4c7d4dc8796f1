// The smoothing filters, a video's rows smoothed and decided again. The parameters file is in
// smoothing_file.cpp, the stream of videos in smooth_stream.cpp, the tuning in smoothing_search.cpp.
#include "mtl/core/smoothing.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>

#include "mtl/core/error.h"

namespace mtl {
namespace {

// [lo, hi): the rows whose frames lie within `half` of frames[i]; lo and hi only move forward as
// i does, so a pass over a series costs O(n).
struct Window {
  size_t lo = 0, hi = 0;
  void advance(const std::vector<long>& frames, size_t i, long half) {
    while (frames[i] - frames[lo] > half) ++lo;
    if (hi < i + 1) hi = i + 1;
    while (hi < frames.size() && frames[hi] - frames[i] <= half) ++hi;
  }
};

std::vector<double> mean_filter(const std::vector<long>& frames, const std::vector<double>& v, long half) {
  std::vector<double> prefix(v.size() + 1, 0.0), out(v.size());
  for (size_t i = 0; i < v.size(); ++i) prefix[i + 1] = prefix[i] + v[i];
  Window w;
  for (size_t i = 0; i < v.size(); ++i) {
    w.advance(frames, i, half);
    out[i] = (prefix[w.hi] - prefix[w.lo]) / static_cast<double>(w.hi - w.lo);
  }
  return out;
}

// The median of a multiset of values that come and go: `low` holds the smaller half (one more than
// `high` for an odd count), every value of `low` <= every value of `high`. O(log W) a change.
class SlidingMedian {
 public:
  void add(double x) {
    if (low_.empty() || x <= *low_.rbegin()) low_.insert(x);
    else high_.insert(x);
    rebalance();
  }
  // Removes one copy of `x`, which must be held: when x <= max(low) a copy is in `low`.
  void remove(double x) {
    if (!low_.empty() && x <= *low_.rbegin()) low_.erase(low_.find(x));
    else high_.erase(high_.find(x));
    rebalance();
  }
  // The middle value, or the mean of the two middle values for an even count.
  double median() const {
    return low_.size() > high_.size() ? *low_.rbegin() : (*low_.rbegin() + *high_.begin()) / 2;
  }

 private:
  void rebalance() {
    while (low_.size() > high_.size() + 1) {
      high_.insert(*low_.rbegin());
      low_.erase(std::prev(low_.end()));
    }
    while (high_.size() > low_.size()) {
      low_.insert(*high_.begin());
      high_.erase(high_.begin());
    }
  }
  std::multiset<double> low_, high_;
};

// The window only moves forward, so each row enters and leaves the median once: O(n log W).
std::vector<double> median_filter(const std::vector<long>& frames, const std::vector<double>& v, long half) {
  std::vector<double> out(v.size());
  SlidingMedian m;
  Window w;
  size_t lo = 0, hi = 0;  // the rows in m
  for (size_t i = 0; i < v.size(); ++i) {
    w.advance(frames, i, half);
    for (; hi < w.hi; ++hi) m.add(v[hi]);
    for (; lo < w.lo; ++lo) m.remove(v[lo]);
    out[i] = m.median();
  }
  return out;
}

// Two-sided exponential weights lambda^|f - f_j| over the whole series, by a forward and a backward
// recursion: F_i = v_i + lambda^(f_i - f_{i-1}) F_{i-1} sums the values at and before i, B_i those
// at and after i; the row itself is in both, so the total is F_i + B_i - v_i (weights likewise).
std::vector<double> exp_filter(const std::vector<long>& frames, const std::vector<double>& v, int window) {
  const double lambda = 1.0 - 2.0 / (window + 1.0);
  const size_t n = v.size();
  std::vector<double> fv(n), fw(n), out(n);
  for (size_t i = 0; i < n; ++i) {
    const double d = i ? std::pow(lambda, static_cast<double>(frames[i] - frames[i - 1])) : 0.0;
    fv[i] = v[i] + (i ? d * fv[i - 1] : 0.0);
    fw[i] = 1.0 + (i ? d * fw[i - 1] : 0.0);
  }
  double bv = 0, bw = 0;
  for (size_t i = n; i-- > 0;) {
    const double d = i + 1 < n ? std::pow(lambda, static_cast<double>(frames[i + 1] - frames[i])) : 0.0;
    bv = v[i] + d * bv;
    bw = 1.0 + d * bw;
    out[i] = (fv[i] + bv - v[i]) / (fw[i] + bw - 1.0);
  }
  return out;
}

// Smooths the N columns of the rows that have `field` (a member pointer to an optional array),
// then divides each row by its sum (`normalise`) and clips it to [lo, hi].
template <size_t N>
void smooth_field(Prediction* rows, const long* frames, size_t n,
                  std::optional<std::array<float, N>> Prediction::*field, const TaskSmoothing& s, float lo, float hi,
                  bool normalise) {
  if (!s.active()) return;
  std::vector<size_t> idx;
  std::vector<long> f;
  for (size_t i = 0; i < n; ++i)
    if (rows[i].*field) idx.push_back(i), f.push_back(frames[i]);
  if (idx.size() < 2) return;  // a single value passes unchanged
  std::vector<std::array<double, N>> out(idx.size());
  std::vector<double> column(idx.size());
  for (size_t c = 0; c < N; ++c) {
    for (size_t k = 0; k < idx.size(); ++k) column[k] = (*(rows[idx[k]].*field))[c];
    const std::vector<double> sm = smooth_series(f, column, s);
    for (size_t k = 0; k < idx.size(); ++k) out[k][c] = sm[k];
  }
  for (size_t k = 0; k < idx.size(); ++k) {
    double sum = 0;
    for (double x : out[k]) sum += x;
    // A median of one-hot rows can be all zeros: the row then keeps its own values.
    if (normalise && !(sum > 0)) continue;
    auto& dst = *(rows[idx[k]].*field);
    for (size_t c = 0; c < N; ++c)
      dst[c] = std::clamp(static_cast<float>(normalise ? out[k][c] / sum : out[k][c]), lo, hi);
  }
}

}  // namespace

const char* filter_name(Filter f) {
  switch (f) {
    case Filter::Mean:
      return "mean";
    case Filter::Median:
      return "median";
    case Filter::Exp:
      return "exp";
    case Filter::None:
      break;
  }
  return "none";
}

std::optional<Filter> filter_from_name(std::string_view name) {
  for (Filter f : {Filter::None, Filter::Mean, Filter::Median, Filter::Exp})
    if (name == filter_name(f)) return f;
  return std::nullopt;
}

Filter parse_filter(const std::string& option, const std::string& text) {
  if (auto f = filter_from_name(text)) return *f;
  throw UsageError(option + ": unknown filter '" + text + "' (none, mean, median or exp)");
}

int parse_window(const std::string& option, const std::string& text) {
  long w = -1;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), w);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size() || w < 1 || w % 2 == 0 || w > kMaxSmoothingWindow)
    throw UsageError(option + ": '" + text + "' is not an odd number of frames from 1 to " +
                     std::to_string(kMaxSmoothingWindow));
  return static_cast<int>(w);
}

std::vector<double> smooth_series(const std::vector<long>& frames, const std::vector<double>& values,
                                  const TaskSmoothing& s) {
  if (frames.size() != values.size()) throw std::invalid_argument("smooth_series: frames and values differ in length");
  if (s.window < 1 || s.window % 2 == 0)
    throw std::invalid_argument("smooth_series: the window must be odd and at least 1, not " +
                                std::to_string(s.window));
  if (!s.active() || values.size() < 2) return values;
  const long half = s.window / 2;
  switch (s.filter) {
    case Filter::Mean:
      return mean_filter(frames, values, half);
    case Filter::Median:
      return median_filter(frames, values, half);
    case Filter::Exp:
      return exp_filter(frames, values, s.window);
    case Filter::None:
      break;
  }
  return values;
}

void smooth_video(std::vector<Prediction>& rows, const std::vector<long>& frames, const Smoothing& s) {
  if (rows.size() != frames.size()) throw std::invalid_argument("smooth_video: rows and frames differ in number");
  smooth_field(rows.data(), frames.data(), rows.size(), &Prediction::au_prob, s.au, 0.0f, 1.0f, false);
  smooth_field(rows.data(), frames.data(), rows.size(), &Prediction::ex_prob, s.ex, 0.0f, 1.0f, true);
  smooth_field(rows.data(), frames.data(), rows.size(), &Prediction::va, s.va, -1.0f, 1.0f, false);
}

void redecide(Prediction& p, const Smoothing& s, const Thresholds* t) {
  // The thresholds the line records it was decided with, under those of `t`.
  const Thresholds own = t ? t->over(line_thresholds(p)) : line_thresholds(p);
  const bool au = t || s.au.active(), ex = t || s.ex.active();  // the tasks decided again
  if (!au && !ex) return;
  const auto au_before = p.au;
  const auto au_thresholds_before = p.au_thresholds;
  const auto ex_before = p.ex;
  const auto ex_offsets_before = p.ex_offsets;
  apply_thresholds(p, own);
  if (!au) p.au = au_before, p.au_thresholds = au_thresholds_before;  // as the line had them
  if (!ex) p.ex = ex_before, p.ex_offsets = ex_offsets_before;
  if (p.ex_prob && !own.ex_offsets && s.ex.active())
    p.ex = static_cast<int>(std::max_element(p.ex_prob->begin(), p.ex_prob->end()) - p.ex_prob->begin());
}

}  // namespace mtl
