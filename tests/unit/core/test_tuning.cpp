// Unit tests of the threshold search (tuning.cpp), on cases worked by hand.
#include "helpers.h"

#include "mtl/core/metrics.h"
#include "mtl/core/predictions.h"
#include "mtl/core/score.h"
#include "mtl/core/thresholds.h"
#include "mtl/core/tuning.h"

using namespace mtl;
using namespace mtl_test;

namespace {

// Predictions and truth of `videos` identical videos: AU 0 has the rows (probability, label) of
// `au0` in every video, the other AUs are unlabelled. Identical videos make every bootstrap
// resample give the same F1 curve, so the median equals the search on all rows.
struct TuneCase {
  std::vector<Prediction> preds;
  Truth truth;
  void add(const std::string& image, const std::array<float, kNumAU>& prob, const Labels& l) {
    Prediction p;
    p.image = image;
    p.line = static_cast<int>(preds.size()) + 1;
    p.au_prob = prob;
    p.au = std::array<int, kNumAU>{};
    preds.push_back(p);
    truth.add(image, l);
  }
};

TuneCase au0_case(const std::vector<std::pair<float, int>>& au0, int videos) {
  TuneCase c;
  c.truth.source = "truth";
  for (int v = 0; v < videos; ++v)
    for (size_t i = 0; i < au0.size(); ++i) {
      std::array<float, kNumAU> prob{};
      prob[0] = au0[i].first;
      Labels l;
      l.au[0] = static_cast<int8_t>(au0[i].second);
      c.add("v" + std::to_string(v) + "/" + std::to_string(i) + ".jpg", prob, l);
    }
  return c;
}

// F1 of AU 0 over the case's rows at threshold t, by metrics.h's f1_binary.
double au0_f1(const std::vector<std::pair<float, int>>& au0, float t) {
  std::vector<int> y, p;
  for (const auto& [prob, label] : au0) y.push_back(label), p.push_back(prob >= t);
  return f1_binary(y, p);
}

std::vector<std::pair<float, int>> rows_of(const std::vector<float>& pos, const std::vector<float>& neg) {
  std::vector<std::pair<float, int>> r;
  for (float p : pos) r.emplace_back(p, 1);
  for (float p : neg) r.emplace_back(p, 0);
  return r;
}

}  // namespace

BOOST_AUTO_TEST_CASE(tune_au_threshold_at_a_known_peak) {
  // F1 over the grid (worked in Python): 0.50 -> 0.700, 0.55 -> 0.737, 0.60 -> 0.706; the 3-point
  // average also peaks at 0.55 (0.714).
  const auto rows = rows_of({0.33f, 0.58f, 0.63f, 0.66f, 0.71f, 0.74f, 0.81f, 0.92f},
                            {0.05f, 0.12f, 0.21f, 0.34f, 0.38f, 0.44f, 0.52f, 0.57f, 0.61f, 0.69f, 0.77f});
  TuneCase c = au0_case(rows, 4);
  TuneOptions o;
  o.min_positives = 8;
  TuneReport r;
  const Thresholds t = tune_thresholds(c.preds, c.truth, o, &r);
  BOOST_TEST(t.au[0] == 0.55f);
  BOOST_TEST(r.au[0].tuned);
  BOOST_TEST(r.au[0].positives == 32u);
  BOOST_TEST(r.au[0].f1_before == au0_f1(rows, 0.5f), boost::test_tools::tolerance(1e-12));
  BOOST_TEST(r.au[0].f1_tuned == au0_f1(rows, 0.55f), boost::test_tools::tolerance(1e-12));
  BOOST_TEST(r.au[0].f1_tuned == 14.0 / 19.0, boost::test_tools::tolerance(1e-12));  // TP 7, FP 4, FN 1
  for (int i = 1; i < kNumAU; ++i) BOOST_TEST(t.au[i] == 0.5f);  // no labels: kept
  BOOST_TEST(!t.ex_offsets.has_value());  // no ex_prob: no offsets
  BOOST_TEST(r.videos == 4u);
  // 32 positives are too few for min_positives 33: AU 0 keeps 0.5.
  o.min_positives = 33;
  BOOST_TEST(tune_thresholds(c.preds, c.truth, o, &r).au[0] == 0.5f);
  BOOST_TEST(!r.au[0].tuned);
  o.min_positives = 8;
  o.au = false;  // --tasks ex: the AUs keep 0.5
  BOOST_TEST(tune_thresholds(c.preds, c.truth, o).au[0] == 0.5f);
  // Lines decided with 0.55 already (a head trained at 0.55, or lines tuned before): the search
  // finds nothing better than what they were decided with, so AU 0 is left to the head (null),
  // and the F1 as predicted is that at 0.55.
  o.au = true;
  std::array<float, kNumAU> own;
  own.fill(0.5f);
  own[0] = 0.55f;
  for (auto& p : c.preds) p.au_thresholds = own;
  const Thresholds kept = tune_thresholds(c.preds, c.truth, o, &r);
  BOOST_TEST(!kept.au_set[0]);
  BOOST_TEST(!r.au[0].tuned);
  BOOST_TEST(r.au[0].oob_gain <= 0.0);
  BOOST_TEST(r.au[0].f1_before == au0_f1(rows, 0.55f), boost::test_tools::tolerance(1e-12));
  BOOST_TEST(r.au[0].f1_tuned == r.au[0].f1_before);
  // Lines decided with 0.3: the search's 0.55 beats them out of bag and is kept.
  own[0] = 0.3f;
  for (auto& p : c.preds) p.au_thresholds = own;
  BOOST_TEST(tune_thresholds(c.preds, c.truth, o, &r).au[0] == 0.55f);
  BOOST_TEST(r.au[0].tuned);
  BOOST_TEST(r.au[0].f1_before == au0_f1(rows, 0.3f), boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(tune_au_plateau_beats_spike_and_ties_go_to_half) {
  // Raw F1 peaks alone at 0.40 (1.0, its neighbours 0.857 and 0.667); the smoothed curve peaks at
  // 0.35 ((0.75 + 0.857 + 1) / 3 = 0.869 against (0.857 + 1 + 0.667) / 3 = 0.841).
  const auto spike = rows_of({0.72f, 0.40f, 0.42f, 0.44f, 0.46f, 0.48f}, {0.1f, 0.2f, 0.38f, 0.38f, 0.30f, 0.3f});
  TuneCase c = au0_case(spike, 5);
  TuneOptions o;
  o.min_positives = 1;
  BOOST_TEST(tune_thresholds(c.preds, c.truth, o).au[0] == 0.35f);
  // Separable rows: F1 is 1 from 0.15 to 0.90, so every smoothed value from 0.20 to 0.85 ties: 0.5.
  TuneCase sep = au0_case(rows_of({0.95f, 0.91f}, {0.1f, 0.12f}), 6);
  BOOST_TEST(tune_thresholds(sep.preds, sep.truth, o).au[0] == 0.5f);
  // F1 is 1 from 0.05 to 0.30 (positives at 0.33, a negative at 0.01), the smoothed curve from 0.05
  // to 0.25 (at 0.30: (1 + 1 + 0) / 3): of those, 0.25 is the nearest 0.5.
  TuneCase low = au0_case(rows_of({0.33f, 0.34f}, {0.01f}), 6);
  BOOST_TEST(tune_thresholds(low.preds, low.truth, o).au[0] == 0.25f);
}

namespace {

// An expression row: truth `y`, probabilities `p` (the argmax as "ex").
void add_ex_row(TuneCase& c, const std::string& image, int y, const std::array<float, kNumEX>& p) {
  Prediction pr;
  pr.image = image;
  pr.line = static_cast<int>(c.preds.size()) + 1;
  pr.ex_prob = p;
  pr.ex = static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin());
  c.preds.push_back(pr);
  Labels l;
  l.ex = static_cast<int8_t>(y);
  c.truth.add(image, l);
}

double macro_f1_of(const std::vector<Prediction>& preds, const Truth& truth) {
  std::vector<int> y, p;
  for (const auto& pr : preds) y.push_back(truth.labels(truth.find(pr.image)).ex), p.push_back(*pr.ex);
  double s = 0;
  for (double f : f1_per_class(y, p, kNumEX)) s += f;
  return s / kNumEX;
}

}  // namespace

BOOST_AUTO_TEST_CASE(tune_ex_offsets_fix_a_biased_class) {
  // Anger rows (truth 1) get p = 0.5 Neutral, 0.3 Anger: all are predicted Neutral. An Anger offset
  // o with log(0.5/0.3) = 0.51 < o < log(0.7/0.2) = 1.25 (Neutral rows: 0.7 Neutral, 0.2 Anger)
  // decides every row right: on the grid 0.75 and 1.0, of which 0.75 is the nearer 0.
  TuneCase c;
  c.truth.source = "truth";
  const float r0 = 0.1f / 6, r1 = 0.2f / 6;
  for (int v = 0; v < 6; ++v)
    for (int i = 0; i < 5; ++i) {
      const std::string base = "v" + std::to_string(v) + "/" + std::to_string(i);
      add_ex_row(c, base + "0.jpg", 0, {0.7f, 0.2f, r0, r0, r0, r0, r0, r0});
      add_ex_row(c, base + "1.jpg", 1, {0.5f, 0.3f, r1, r1, r1, r1, r1, r1});
    }
  TuneReport r;
  const Thresholds t = tune_thresholds(c.preds, c.truth, TuneOptions{}, &r);
  BOOST_REQUIRE(t.ex_offsets.has_value());
  const std::array<float, kNumEX> want{0, 0.75f, 0, 0, 0, 0, 0, 0};
  BOOST_TEST(*t.ex_offsets == want);
  BOOST_TEST(r.ex_rows == 60u);
  // Before: Neutral F1 = 2*30 / (2*30 + 30) = 2/3, the rest 0; after: two classes at F1 1.
  BOOST_TEST(r.ex_f1_before == macro_f1_of(c.preds, c.truth), boost::test_tools::tolerance(1e-12));
  BOOST_TEST(r.ex_f1_before == (2.0 / 3) / 8, boost::test_tools::tolerance(1e-12));
  auto tuned = c.preds;
  for (auto& p : tuned) apply_thresholds(p, t);
  BOOST_TEST(r.ex_f1_after == macro_f1_of(tuned, c.truth), boost::test_tools::tolerance(1e-12));
  BOOST_TEST(r.ex_f1_after == 2.0 / 8, boost::test_tools::tolerance(1e-12));
  // No AU probabilities: every AU at 0.5; --tasks au: no offsets.
  for (float a : t.au) BOOST_TEST(a == 0.5f);
  TuneOptions au_only;
  au_only.ex = false;
  BOOST_TEST(!tune_thresholds(c.preds, c.truth, au_only).ex_offsets.has_value());
}

BOOST_AUTO_TEST_CASE(tune_ex_small_gains_keep_zero_offsets) {
  // Balanced, well-predicted rows: no offset raises macro F1 by more than 1e-3, all stay 0.
  TuneCase c;
  c.truth.source = "truth";
  for (int v = 0; v < 4; ++v)
    for (int k = 0; k < kNumEX; ++k) {
      std::array<float, kNumEX> p;
      p.fill(0.3f / 7);
      p[k] = 0.7f;
      add_ex_row(c, "v" + std::to_string(v) + "/" + std::to_string(k) + ".jpg", k, p);
    }
  TuneReport r;
  const Thresholds t = tune_thresholds(c.preds, c.truth, TuneOptions{}, &r);
  // Every resample keeps zero offsets, so they gain nothing on the videos left out: none written.
  BOOST_TEST(!t.ex_offsets.has_value());
  BOOST_TEST(!r.ex_tuned);
  BOOST_TEST(r.ex_oob_gain == 0.0);
  BOOST_TEST(r.ex_f1_after == r.ex_f1_before);
}

BOOST_AUTO_TEST_CASE(tune_keeps_half_when_thresholds_do_not_carry_over_to_other_videos) {
  // Video 0 (40 rows) has its positives at 0.3 and negatives at 0.2; videos 1-4 (4 rows each)
  // have positives at 0.6 and negatives at 0.45. On all rows together F1 is highest at a low
  // threshold (0.25: video 0 all right, 8 false positives elsewhere: 2*28/(2*28+8) = 0.875 against
  // 0.5: 8 true positives of 28, 2*8/(2*8+20) = 0.444), but a threshold tuned with video 0 in the
  // resample loses on videos 1-4 left out, and one tuned without it gains nothing on video 0's
  // absence: the out-of-bag gain is negative, and the AU keeps 0.5.
  TuneCase c;
  c.truth.source = "truth";
  auto add = [&](int v, int i, float prob, int label) {
    std::array<float, kNumAU> p{};
    p[0] = prob;
    Labels l;
    l.au[0] = static_cast<int8_t>(label);
    c.add("v" + std::to_string(v) + "/" + std::to_string(i) + ".jpg", p, l);
  };
  for (int i = 0; i < 40; ++i) add(0, i, i % 2 ? 0.3f : 0.2f, i % 2);
  for (int v = 1; v <= 4; ++v)
    for (int i = 0; i < 4; ++i) add(v, i, i % 2 ? 0.6f : 0.45f, i % 2);
  TuneReport r;
  TuneOptions o;
  o.bootstrap = 200;
  const Thresholds t = tune_thresholds(c.preds, c.truth, o, &r);
  std::vector<int> y, at_quarter, at_half;
  for (const auto& p : c.preds) {
    y.push_back(c.truth.labels(c.truth.find(p.image)).au[0]);
    at_quarter.push_back((*p.au_prob)[0] >= 0.25f);
    at_half.push_back((*p.au_prob)[0] >= 0.5f);
  }
  BOOST_TEST(f1_binary(y, at_quarter) == 0.875, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(f1_binary(y, at_half) == 16.0 / 36, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(r.au[0].oob_gain < 0.0);
  BOOST_TEST(!r.au[0].tuned);
  BOOST_TEST(t.au[0] == 0.5f);
}

BOOST_AUTO_TEST_CASE(tune_joins_on_the_truth_and_is_deterministic) {
  // Videos that differ, so that resamples differ: two runs with one seed give the same thresholds.
  TuneCase c;
  c.truth.source = "truth.txt";
  for (int v = 0; v < 8; ++v)
    for (int i = 0; i < 20; ++i) {
      std::array<float, kNumAU> prob;
      Labels l;
      for (int a = 0; a < kNumAU; ++a) {
        prob[a] = static_cast<float>(((v * 37 + i * 11 + a * 5) % 97) / 97.0);
        l.au[a] = static_cast<int8_t>((v + i + a) % 3 == 0 || prob[a] > 0.7f);
      }
      c.add("v" + std::to_string(v) + "/" + std::to_string(i) + ".jpg", prob, l);
    }
  TuneOptions o;
  const Thresholds a = tune_thresholds(c.preds, c.truth, o), b = tune_thresholds(c.preds, c.truth, o);
  BOOST_TEST(a.au == b.au);
  // A prediction without truth is counted, not used.
  auto extra = c.preds;
  extra.push_back(c.preds[0]);
  extra.back().image = "other/1.jpg";
  extra.back().au_prob->fill(0.99f);
  TuneReport r;
  BOOST_TEST(tune_thresholds(extra, c.truth, o, &r).au == a.au);
  BOOST_TEST(r.without_truth == 1u);
  BOOST_TEST(r.matched == 160u);
  // Nothing matched, an image predicted twice, a bad option: errors.
  std::vector<Prediction> none(1, extra.back());
  o.predictions_name = "p.jsonl";
  try {
    tune_thresholds(none, c.truth, o);
    BOOST_FAIL("no error for predictions without truth");
  } catch (const InputError& e) {
    BOOST_TEST(std::string(e.what()) == "p.jsonl: none of its 1 predictions is of an image in truth.txt");
  }
  auto twice = c.preds;
  twice.push_back(c.preds[3]);
  twice.back().line = 161;
  try {
    tune_thresholds(twice, c.truth, o);
    BOOST_FAIL("no error for an image predicted twice");
  } catch (const InputError& e) {
    BOOST_TEST(std::string(e.what()) == "p.jsonl:161: image 'v0/3.jpg' was already predicted on line 4");
  }
  o.bootstrap = 0;
  BOOST_CHECK_THROW(tune_thresholds(c.preds, c.truth, o), UsageError);
}
