// Tuning the decision thresholds on validation predictions: the search described in tuning.h.
// Every resample's search works on counts precomputed once into flat arrays: per AU and video,
// how many positive and negative rows lie at or above each grid threshold; per expression row, its
// log-probabilities. A resample is then a weight per video (how often it was drawn).
#include "mtl/core/tuning.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <random>
#include <sstream>
#include <string_view>
#include <unordered_map>

#include "mtl/core/error.h"
#include "mtl/core/metrics.h"

namespace mtl {
namespace {

constexpr int kGrid = 19;        // AU thresholds 0.05 .. 0.95
constexpr int kGridHalf = 9;     // the grid's 0.5
constexpr int kOffsets = 17;     // EX offsets -2.0 .. 2.0 step 0.25
constexpr int kOffsetZero = 8;   // the grid's 0
constexpr int kPasses = 2;
constexpr double kMinGain = 1e-3;
constexpr double kAuTie = 1e-3;  // smoothed AU F1s this close to the best count as ties (-> 0.5)
constexpr double kTie = 1e-12;   // EX: F1s closer than this are equal

float offset_value(int idx) { return -2.0f + 0.25f * static_cast<float>(idx); }

// Of the two middle values of `v` (sorted here), the one nearer `centre` (the lower when equally near).
int median_nearest(std::vector<int> v, int centre) {
  std::sort(v.begin(), v.end());
  const int a = v[(v.size() - 1) / 2], b = v[v.size() / 2];
  return std::abs(a - centre) <= std::abs(b - centre) ? a : b;
}

// Of the values within `tie` of the largest, the index nearest `centre` (then the lowest).
int argmax_nearest(const double* v, int n, int centre, double tie) {
  const double top = *std::max_element(v, v + n);
  int best = -1;
  for (int g = 0; g < n; ++g)
    if (v[g] >= top - tie && (best < 0 || std::abs(g - centre) < std::abs(best - centre))) best = g;
  return best;
}

// F1 from true and false positives and the positives P (FN = P - TP).
double f1_of(double tp, double fp, double positives) { return f1_from_counts(tp, fp, positives - tp); }

// The rows that have truth, split into the flat arrays the searches read.
struct Data {
  size_t videos = 0;
  // AU: per AU, per video: positives, positive / negative rows with p >= grid[g], and positive /
  // negative rows decided positive with the threshold the line records (0.5 when it records none):
  // the decisions an AU left untuned (null) keeps, which the search must beat.
  struct AuCounts {
    std::vector<int64_t> positives;              // [video]
    std::vector<std::array<int64_t, kGrid>> tp;  // [video][g]
    std::vector<std::array<int64_t, kGrid>> fp;
    std::vector<int64_t> own_tp, own_fp;         // [video]
    size_t rows = 0, total_positives = 0;
  };
  std::array<AuCounts, kNumAU> au;
  size_t au_rows = 0;
  // EX: per row, log p (8 values), the label, the video and the class as predicted.
  std::vector<double> logp;
  std::vector<int8_t> ex_label, ex_before;
  std::vector<uint32_t> ex_video;
};

void add_au_row(Data& d, const Prediction& p, const Labels& l, uint32_t video) {
  bool any = false;
  for (int i = 0; i < kNumAU; ++i) {
    if (l.au[i] < 0) continue;
    any = true;
    auto& c = d.au[i];
    const float prob = (*p.au_prob)[i];
    // prob >= grid[g] exactly for g < above, with the comparison apply_thresholds makes.
    const int above = static_cast<int>(std::upper_bound(au_threshold_grid().begin(), au_threshold_grid().end(), prob) -
                                       au_threshold_grid().begin());
    auto& counts = l.au[i] ? c.tp[video] : c.fp[video];
    for (int g = 0; g < above; ++g) ++counts[g];
    const float own = p.au_thresholds ? (*p.au_thresholds)[i] : 0.5f;
    if (prob >= own) ++(l.au[i] ? c.own_tp : c.own_fp)[video];
    c.positives[video] += l.au[i];
    c.total_positives += l.au[i];
    ++c.rows;
  }
  d.au_rows += any;
}

void add_ex_row(Data& d, const Prediction& p, const Labels& l, uint32_t video) {
  const size_t first = d.logp.size();
  for (int c = 0; c < kNumEX; ++c)
    d.logp.push_back(std::log(static_cast<double>((*p.ex_prob)[c])));  // as apply_thresholds computes it
  int before = 0;  // without "ex": the argmax of the probabilities
  for (int c = 1; c < kNumEX; ++c)
    if (d.logp[first + c] > d.logp[first + before]) before = c;
  d.ex_label.push_back(l.ex);
  d.ex_before.push_back(static_cast<int8_t>(p.ex ? *p.ex : before));
  d.ex_video.push_back(video);
}

// Joins the predictions with the truth; fills the report's row counts.
Data join(const std::vector<Prediction>& preds, const Truth& truth, const TuneOptions& o, TuneReport& r) {
  Data d;
  std::vector<int> predicted_on(truth.size(), 0);
  std::unordered_map<std::string_view, uint32_t> video_ids;
  std::vector<std::pair<const Prediction*, long>> rows;
  for (const auto& p : preds) {
    ++r.predictions;
    const long t = truth.find(p.image);
    if (t < 0) {
      ++r.without_truth;
      continue;
    }
    if (predicted_on[t])
      throw InputError(o.predictions_name + ":" + std::to_string(p.line) + ": image '" + p.image +
                       "' was already predicted on line " + std::to_string(predicted_on[t] - 1));
    predicted_on[t] = p.line + 1;
    video_ids.emplace(video_of(p.image), static_cast<uint32_t>(video_ids.size()));
    r.without_video += video_of(p.image).empty();
    rows.emplace_back(&p, t);
  }
  // Videos numbered in sorted order, not in order of appearance: the bootstrap draws by number,
  // so the same lines in another order give the same thresholds.
  std::vector<std::string_view> names;
  for (const auto& [name, id] : video_ids) names.push_back(name);
  std::sort(names.begin(), names.end());
  for (size_t i = 0; i < names.size(); ++i) video_ids[names[i]] = static_cast<uint32_t>(i);
  r.matched = rows.size();
  d.videos = r.videos = video_ids.size();
  for (auto& c : d.au) {
    c.positives.assign(d.videos, 0), c.tp.assign(d.videos, {}), c.fp.assign(d.videos, {});
    c.own_tp.assign(d.videos, 0), c.own_fp.assign(d.videos, 0);
  }
  for (const auto& [p, t] : rows) {
    const Labels& l = truth.labels(t);
    const uint32_t video = video_ids.at(video_of(p->image));
    if (p->au_prob) add_au_row(d, *p, l, video);
    if (p->ex_prob && l.has_ex()) add_ex_row(d, *p, l, video);
  }
  return d;
}

// B resamples of the videos with replacement: how often each video was drawn.
std::vector<std::vector<uint32_t>> resample_videos(size_t videos, int b, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<uint32_t>> out(static_cast<size_t>(b), std::vector<uint32_t>(videos, 0));
  for (auto& w : out)
    for (size_t i = 0; i < videos; ++i) ++w[rng() % videos];  // mt19937_64 is the same everywhere
  return out;
}

// The videos a resample left out (weight 1), for trying the search on data it did not see.
std::vector<uint32_t> out_of_bag(const std::vector<uint32_t>& w) {
  std::vector<uint32_t> oob(w.size());
  for (size_t v = 0; v < w.size(); ++v) oob[v] = w[v] == 0;
  return oob;
}

// --- AU ---

// F1 of AU counts `c` at every grid threshold, with videos weighted by `w`.
std::array<double, kGrid> au_curve(const Data::AuCounts& c, const std::vector<uint32_t>& w) {
  std::array<double, kGrid> tp{}, fp{};
  double positives = 0;
  for (size_t v = 0; v < w.size(); ++v) {
    if (!w[v]) continue;
    positives += static_cast<double>(w[v]) * static_cast<double>(c.positives[v]);
    for (int g = 0; g < kGrid; ++g) {
      tp[g] += static_cast<double>(w[v]) * static_cast<double>(c.tp[v][g]);
      fp[g] += static_cast<double>(w[v]) * static_cast<double>(c.fp[v][g]);
    }
  }
  std::array<double, kGrid> f1;
  for (int g = 0; g < kGrid; ++g) f1[g] = f1_of(tp[g], fp[g], positives);
  return f1;
}

// F1 of the decisions the lines were made with (their own thresholds), videos weighted by `w`.
double au_own_f1(const Data::AuCounts& c, const std::vector<uint32_t>& w) {
  double tp = 0, fp = 0, positives = 0;
  for (size_t v = 0; v < w.size(); ++v) {
    const auto wv = static_cast<double>(w[v]);
    tp += wv * static_cast<double>(c.own_tp[v]);
    fp += wv * static_cast<double>(c.own_fp[v]);
    positives += wv * static_cast<double>(c.positives[v]);
  }
  return f1_of(tp, fp, positives);
}

// The grid index a resample picks: the argmax of the 3-point moving average of the F1 curve.
int au_pick(const std::array<double, kGrid>& f1) {
  std::array<double, kGrid> smooth;
  for (int g = 0; g < kGrid; ++g) {
    const int lo = std::max(g - 1, 0), hi = std::min(g + 1, kGrid - 1);
    double s = 0;
    for (int k = lo; k <= hi; ++k) s += f1[k];
    smooth[g] = s / (hi - lo + 1);
  }
  return argmax_nearest(smooth.data(), kGrid, kGridHalf, kAuTie);
}

void tune_au(const Data& d, const std::vector<std::vector<uint32_t>>& resamples, const TuneOptions& o,
             Thresholds& t, TuneReport& r) {
  const std::vector<uint32_t> all(d.videos, 1);
  for (int i = 0; i < kNumAU; ++i) {
    const auto& c = d.au[i];
    auto& rep = r.au[i];
    rep.rows = c.rows;
    rep.positives = c.total_positives;
    const auto full = au_curve(c, all);
    rep.f1_before = au_own_f1(c, all);
    rep.f1_tuned = rep.f1_before;
    if (o.au && c.total_positives >= static_cast<size_t>(o.min_positives) && c.rows > 0) {
      std::vector<int> picks;
      double oob_gain = 0;
      for (const auto& w : resamples) {
        picks.push_back(au_pick(au_curve(c, w)));
        const auto oob = out_of_bag(w);
        oob_gain += (au_curve(c, oob)[picks.back()] - au_own_f1(c, oob)) / static_cast<double>(resamples.size());
      }
      rep.oob_gain = oob_gain;
      // The search itself is tried on the videos each resample left out: it is kept only when its
      // thresholds beat there, on average, the decisions the lines were made with.
      if (oob_gain > 0) {
        const int g = median_nearest(picks, kGridHalf);
        rep.tuned = true;
        rep.threshold = au_threshold_grid()[g];
        rep.f1_tuned = full[g];
        t.au[i] = rep.threshold;
      }
    }
    t.au_set[i] = rep.tuned;  // not tuned: null in the file, the head's own threshold
  }
}

// --- EX ---

// Macro F1 over the 8 classes of a weighted confusion matrix conf[truth][predicted].
double macro_f1(const std::array<std::array<double, kNumEX>, kNumEX>& conf) {
  double sum = 0;
  for (int c = 0; c < kNumEX; ++c) {
    double row = 0, col = 0;
    for (int k = 0; k < kNumEX; ++k) row += conf[c][k], col += conf[k][c];
    sum += f1_of(conf[c][c], col - conf[c][c], row);
  }
  return sum / kNumEX;
}

// The class apply_thresholds decides for row `r` with offsets `off`: the first largest log p + o.
int ex_decide(const Data& d, size_t r, const std::array<float, kNumEX>& off) {
  int best = 0;
  double best_v = -std::numeric_limits<double>::infinity();
  for (int c = 0; c < kNumEX; ++c) {
    const double v = d.logp[r * kNumEX + c] + off[c];
    if (v > best_v) best = c, best_v = v;
  }
  return best;
}

// Macro F1 for every offset of class `c` on the grid, the other offsets held, rows weighted by video.
// A row's decision between c and the best other class flips once as o_c grows: at `flip`.
std::array<double, kOffsets> ex_curve(const Data& d, const std::vector<uint32_t>& w,
                                      const std::array<float, kNumEX>& off, int c) {
  std::array<std::array<double, kNumEX>, kNumEX> conf{};
  std::array<std::array<std::array<double, kNumEX>, kNumEX>, kOffsets> moves{};  // [flip][truth][other]
  for (size_t r = 0; r < d.ex_label.size(); ++r) {
    const double wr = w[d.ex_video[r]];
    if (wr == 0) continue;
    const double* lp = &d.logp[r * kNumEX];
    double lo = -std::numeric_limits<double>::infinity(), hi = lo, best_v = lo;
    int other = c == 0 ? 1 : 0;
    for (int k = 0; k < kNumEX; ++k) {
      if (k == c) continue;
      const double v = lp[k] + off[k];
      if (k < c) lo = std::max(lo, v);
      else hi = std::max(hi, v);
      if (v > best_v) other = k, best_v = v;
    }
    int flip = 0;  // class c wins from here on: it must beat the earlier classes and tie the later ones
    while (flip < kOffsets && !(lp[c] + offset_value(flip) > lo && lp[c] + offset_value(flip) >= hi)) ++flip;
    const int y = d.ex_label[r];
    conf[y][other] += wr;
    if (flip < kOffsets) moves[flip][y][other] += wr;
  }
  std::array<double, kOffsets> f1;
  for (int g = 0; g < kOffsets; ++g) {
    for (int y = 0; y < kNumEX; ++y)
      for (int k = 0; k < kNumEX; ++k) conf[y][k] -= moves[g][y][k], conf[y][c] += moves[g][y][k];
    f1[g] = macro_f1(conf);
  }
  return f1;
}

// Coordinate ascent of one resample: the offsets' grid indices.
std::array<int, kNumEX> ex_ascent(const Data& d, const std::vector<uint32_t>& w) {
  std::array<int, kNumEX> idx;
  idx.fill(kOffsetZero);
  for (int pass = 0; pass < kPasses; ++pass)
    for (int c = 1; c < kNumEX; ++c) {
      std::array<float, kNumEX> off;
      for (int k = 0; k < kNumEX; ++k) off[k] = offset_value(idx[k]);
      const auto f1 = ex_curve(d, w, off, c);
      const int best = argmax_nearest(f1.data(), kOffsets, kOffsetZero, kTie);
      if (f1[best] > f1[idx[c]] + kMinGain) idx[c] = best;
    }
  return idx;
}

// Macro F1 of the decisions on all rows, or on the rows of the videos weighted 1 in `videos`.
double ex_score(const Data& d, const std::function<int(size_t)>& decide, const std::vector<uint32_t>* videos = nullptr) {
  std::array<std::array<double, kNumEX>, kNumEX> conf{};
  for (size_t r = 0; r < d.ex_label.size(); ++r)
    if (!videos || (*videos)[d.ex_video[r]]) conf[d.ex_label[r]][decide(r)] += 1;
  return macro_f1(conf);
}

void tune_ex(const Data& d, const std::vector<std::vector<uint32_t>>& resamples, Thresholds& t, TuneReport& r) {
  r.ex_rows = d.ex_label.size();
  r.ex_f1_before = ex_score(d, [&](size_t row) { return d.ex_before[row]; });
  std::array<std::vector<int>, kNumEX> picks;
  double oob_gain = 0;
  for (const auto& w : resamples) {
    const auto idx = ex_ascent(d, w);
    std::array<float, kNumEX> off_b;
    for (int c = 0; c < kNumEX; ++c) picks[c].push_back(idx[c]), off_b[c] = offset_value(idx[c]);
    const auto oob = out_of_bag(w);
    oob_gain += (ex_score(d, [&](size_t row) { return ex_decide(d, row, off_b); }, &oob) -
                 ex_score(d, [&](size_t row) { return d.ex_before[row]; }, &oob)) /
                static_cast<double>(resamples.size());
  }
  r.ex_oob_gain = oob_gain;
  r.ex_f1_after = r.ex_f1_before;
  if (oob_gain <= 0) return;  // the offsets did not help on the videos left out: none
  std::array<float, kNumEX> off;
  for (int c = 0; c < kNumEX; ++c) off[c] = offset_value(median_nearest(picks[c], kOffsetZero));
  t.ex_offsets = off;
  r.ex_tuned = true;
  r.ex_f1_after = ex_score(d, [&](size_t row) { return ex_decide(d, row, off); });
}

std::string fixed(double v, int digits = 4) {
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

}  // namespace

const std::array<float, kGrid>& au_threshold_grid() {
  static const std::array<float, kGrid> grid = [] {
    std::array<float, kGrid> g;
    for (int i = 0; i < kGrid; ++i) g[i] = static_cast<float>((i + 1) / 20.0);
    return g;
  }();
  return grid;
}

Thresholds tune_thresholds(const std::vector<Prediction>& preds, const Truth& truth, const TuneOptions& o,
                           TuneReport* report) {
  if (o.bootstrap < 1) throw UsageError("--bootstrap must be at least 1");
  if (o.min_positives < 0) throw UsageError("--min-positives must not be negative");
  TuneReport local;
  TuneReport& r = report ? *report : local;
  r = TuneReport{};
  const Data d = join(preds, truth, o, r);
  if (r.matched == 0)
    throw InputError(o.predictions_name + ": none of its " + std::to_string(r.predictions) +
                     " predictions is of an image in " + truth.source);
  r.au_rows = d.au_rows;
  const auto resamples = resample_videos(d.videos, o.bootstrap, o.seed);
  Thresholds t = Thresholds::uniform(0.5f);
  tune_au(d, resamples, o, t, r);
  if (o.ex && !d.ex_label.empty()) tune_ex(d, resamples, t, r);
  return t;
}

std::string format_tune_report(const TuneReport& r) {
  std::string s = std::to_string(r.matched) + " of " + std::to_string(r.predictions) + " predictions matched, " +
                  std::to_string(r.videos) + " videos\n";
  if (r.au_rows) {
    s += "AU rows " + std::to_string(r.au_rows) +
         ": AU positives threshold F1-as-predicted F1@threshold out-of-bag-gain (not tuned: the head's own)\n";
    double before = 0, after = 0;
    for (int i = 0; i < kNumAU; ++i) {
      const auto& a = r.au[i];
      s += std::string("  ") + au_names()[i] + " " + std::to_string(a.positives) + " " +
           (a.tuned ? fixed(a.threshold, 2) : "own") + " " + fixed(a.f1_before) + " " + fixed(a.f1_tuned) + " " +
           fixed(a.oob_gain) + "\n";
      before += a.f1_before / kNumAU, after += a.f1_tuned / kNumAU;
    }
    s += "  mean F1 " + fixed(before) + " -> " + fixed(after) + "\n";
  }
  if (r.ex_rows)
    s += "EX rows " + std::to_string(r.ex_rows) + ": macro F1 " + fixed(r.ex_f1_before) + " -> " +
         fixed(r.ex_f1_after) + ", out-of-bag gain " + fixed(r.ex_oob_gain) +
         (r.ex_tuned ? "" : " (no offsets)") + "\n";
  return s;
}

}  // namespace mtl
