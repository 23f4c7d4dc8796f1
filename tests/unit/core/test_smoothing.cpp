// Unit tests of the temporal smoothing (smoothing*.cpp, smooth_stream.cpp): filters by hand, files, streams and the search.
#include "helpers.h"

#include "mtl/core/predictions.h"
#include "mtl/core/score.h"
#include "mtl/core/smoothing.h"
#include "mtl/core/thresholds.h"

using namespace mtl;
using namespace mtl_test;

namespace {
// The series of the smoothing tests: frames with a gap of one (3) and of three (6-8).
const std::vector<long> kFrames = {1, 2, 4, 5, 9};
const std::vector<double> kValues = {1, 3, 2, 6, 4};

void check_series(const std::vector<double>& got, const std::vector<double>& want) {
  BOOST_REQUIRE_EQUAL(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) BOOST_TEST(got[i] == want[i], boost::test_tools::tolerance(1e-12));
}

Prediction ex_row(const std::string& image, std::array<float, kNumEX> prob) {
  Prediction p;
  p.image = image;
  p.ex_prob = prob;
  p.ex = static_cast<int>(std::max_element(prob.begin(), prob.end()) - prob.begin());
  return p;
}

std::string smooth_text(const std::string& in, const Smoothing& s, bool sort_all = false) {
  std::istringstream i(in);
  std::ostringstream o;
  smooth_stream(i, "p.jsonl", o, s, nullptr, sort_all);
  return o.str();
}

std::string smooth_error(const std::string& in, bool sort_all = false) {
  try {
    smooth_text(in, Smoothing{{Filter::Mean, 3}, {}, {}}, sort_all);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string smoothing_error(const std::string& text) {
  try {
    parse_smoothing(text, "s.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}
}  // namespace

BOOST_AUTO_TEST_CASE(smoothing_mean_by_hand) {
  // W = 3, [f-1, f+1]: f=1 {1,2} (1+3)/2 = 2; f=2 {1,2} = 2 (3 is missing); f=4 {4,5} (2+6)/2 = 4;
  // f=5 {4,5} = 4; f=9 {9} = 4 (alone: its own value).
  check_series(smooth_series(kFrames, kValues, {Filter::Mean, 3}), {2, 2, 4, 4, 4});
  // W = 5, [f-2, f+2]: f=1 {1,2} = 2; f=2 {1,2,4} (1+3+2)/3 = 2; f=4 {2,4,5} (3+2+6)/3 = 11/3;
  // f=5 {4,5} = 4; f=9 {9} = 4.
  check_series(smooth_series(kFrames, kValues, {Filter::Mean, 5}), {2, 2, 11.0 / 3, 4, 4});
  // W = 1 and none change nothing.
  check_series(smooth_series(kFrames, kValues, {Filter::Mean, 1}), kValues);
  check_series(smooth_series(kFrames, kValues, {Filter::None, 9}), kValues);
}

BOOST_AUTO_TEST_CASE(smoothing_median_by_hand) {
  // W = 5: f=1 {1,3} even: (1+3)/2 = 2; f=2 {1,3,2} -> 2; f=4 {3,2,6} -> 3; f=5 {2,6} -> 4; f=9 {4}.
  check_series(smooth_series(kFrames, kValues, {Filter::Median, 5}), {2, 2, 3, 4, 4});
  // W = 7, [f-3, f+3]: f=1 {1,3,2} -> 2; f=2 {1,3,2,6} sorted 1 2 3 6: (2+3)/2 = 2.5; f=4 the same
  // four frames -> 2.5; f=5 {3,2,6} -> 3; f=9 {4}.
  check_series(smooth_series(kFrames, kValues, {Filter::Median, 7}), {2, 2.5, 2.5, 3, 4});
}

BOOST_AUTO_TEST_CASE(smoothing_exponential_by_hand_and_direct) {
  // W = 3: lambda = 1 - 2/4 = 0.5. At f=1 the distances are 0,1,3,4,8: weights 1, .5, .125,
  // .0625, .00390625 (sum 1.69140625); values 1*1 + 3*.5 + 2*.125 + 6*.0625 + 4*.00390625 = 3.140625.
  // At f=9 the distances are 8,7,5,4,0: sum of weights 1.10546875, weighted values 4.46484375.
  const auto got = smooth_series(kFrames, kValues, {Filter::Exp, 3});
  BOOST_TEST(got[0] == 3.140625 / 1.69140625, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(got[4] == 4.46484375 / 1.10546875, boost::test_tools::tolerance(1e-12));
  // Every point against the direct weighted sum over the series (the gaps decay by lambda^g).
  for (int w : {3, 5, 9, 41}) {
    const double lambda = 1.0 - 2.0 / (w + 1);
    const auto e = smooth_series(kFrames, kValues, {Filter::Exp, w});
    for (size_t i = 0; i < kFrames.size(); ++i) {
      double num = 0, den = 0;
      for (size_t j = 0; j < kFrames.size(); ++j) {
        const double wt = std::pow(lambda, std::abs(kFrames[i] - kFrames[j]));
        num += wt * kValues[j];
        den += wt;
      }
      BOOST_TEST(e[i] == num / den, boost::test_tools::tolerance(1e-12));
    }
  }
}

BOOST_AUTO_TEST_CASE(smoothing_edge_cases) {
  for (Filter f : {Filter::Mean, Filter::Median, Filter::Exp})
    check_series(smooth_series({7}, {0.25}, {f, 9}), {0.25});  // one frame: unchanged
  BOOST_CHECK_THROW(smooth_series({1, 2}, {1}, {Filter::Mean, 3}), std::invalid_argument);
  BOOST_CHECK_THROW(smooth_series({1, 2}, {1, 2}, {Filter::Mean, 4}), std::invalid_argument);
  BOOST_CHECK_THROW(smooth_series({1, 2}, {1, 2}, {Filter::Mean, 0}), std::invalid_argument);
  BOOST_TEST(filter_name(Filter::Median) == std::string("median"));
  BOOST_TEST((filter_from_name("exp") == Filter::Exp));
  BOOST_TEST(!filter_from_name("gauss").has_value());
}

BOOST_AUTO_TEST_CASE(smoothing_a_video_renormalises_and_decides_again) {
  // Median W = 3 at the middle frame: class 0 median(.6,.2,.5) = .5, class 1 median(.4,.8,.1) = .4,
  // class 2 median(0,0,.4) = 0: sum .9, renormalised to 5/9, 4/9, 0; its "ex" 1 becomes 0.
  std::vector<Prediction> rows = {ex_row("v/1.jpg", {.6f, .4f, 0, 0, 0, 0, 0, 0}),
                                  ex_row("v/2.jpg", {.2f, .8f, 0, 0, 0, 0, 0, 0}),
                                  ex_row("v/3.jpg", {.5f, .1f, .4f, 0, 0, 0, 0, 0})};
  // The middle row has valence-arousal, the others not: its series has one value, passed unchanged.
  rows[1].va = std::array<float, 2>{0.5f, -0.5f};
  Smoothing s{{}, {Filter::Median, 3}, {Filter::Mean, 3}};
  smooth_video(rows, {1, 2, 3}, s);
  BOOST_TEST((*rows[1].ex_prob)[0] == 5.0f / 9, boost::test_tools::tolerance(1e-6f));
  BOOST_TEST((*rows[1].ex_prob)[1] == 4.0f / 9, boost::test_tools::tolerance(1e-6f));
  BOOST_TEST((*rows[1].ex_prob)[2] == 0.0f);
  BOOST_TEST(*rows[1].ex == 1);  // not decided yet
  for (auto& p : rows) redecide(p, s, nullptr);
  BOOST_TEST(*rows[1].ex == 0);
  BOOST_TEST((*rows[1].va == std::array<float, 2>{0.5f, -0.5f}));
  BOOST_TEST(!rows[0].va.has_value());
  // AU: mean W = 3 of .2, .9, .2 at the middle is 1.3/3 = .433: the AU is absent after smoothing at
  // 0.5, present with a threshold of 0.4; the end frames (.2+.9)/2 = .55 become present at 0.5.
  std::vector<Prediction> au(3);
  for (size_t i = 0; i < 3; ++i) {
    au[i].image = "v/" + std::to_string(i + 1) + ".jpg";
    au[i].au_prob = std::array<float, kNumAU>{};
    (*au[i].au_prob)[0] = i == 1 ? 0.9f : 0.2f;
  }
  Smoothing sa{{Filter::Mean, 3}, {}, {}};
  std::vector<Prediction> copy = au;
  smooth_video(au, {1, 2, 3}, sa);
  BOOST_TEST((*au[1].au_prob)[0] == 1.3f / 3, boost::test_tools::tolerance(1e-6f));
  BOOST_TEST((*au[0].au_prob)[0] == 0.55f, boost::test_tools::tolerance(1e-6f));
  for (auto& p : au) redecide(p, sa, nullptr);
  BOOST_TEST((*au[1].au)[0] == 0);
  BOOST_TEST((*au[0].au)[0] == 1);
  Thresholds t = Thresholds::uniform(0.4f);
  redecide(au[1], sa, &t);
  BOOST_TEST((*au[1].au)[0] == 1);
  // Not smoothed and no thresholds: the decisions are left as they are.
  redecide(copy[1], Smoothing{}, nullptr);
  BOOST_TEST(!copy[1].au.has_value());
  // Only the expression smoothed, with offsets: the AUs keep the decisions the line has (here one
  // its thresholds would not give), and the expression is decided with the offsets.
  Prediction both = ex_row("v/1.jpg", {.3f, .7f, 0, 0, 0, 0, 0, 0});
  both.au_prob = std::array<float, kNumAU>{};
  both.au = std::array<int, kNumAU>{};
  (*both.au)[0] = 1;  // au_prob 0 at 0.5 would give 0
  std::array<float, kNumEX> off{};
  off[0] = 2.0f;  // log .3 + 2 > log .7
  both.ex_offsets = off;
  redecide(both, Smoothing{{}, {Filter::Median, 3}, {}}, nullptr);
  BOOST_TEST((*both.au)[0] == 1);
  BOOST_TEST(!both.au_thresholds.has_value());
  BOOST_TEST(*both.ex == 0);
}

BOOST_AUTO_TEST_CASE(smoothing_a_stream) {
  auto line = [](const std::string& image, float p) {
    Prediction q;
    q.image = image;
    q.au_prob = std::array<float, kNumAU>{};
    (*q.au_prob)[0] = p;
    q.au = std::array<int, kNumAU>{};
    (*q.au)[0] = p >= 0.5f;
    return format_prediction(q) + "\n";
  };
  const Smoothing s{{Filter::Mean, 3}, {}, {}};
  // Video a's frames out of order and a gap (1, 2, 4); video b of one frame.
  const std::string in = line("a/2.jpg", 0.6f) + line("a/1.jpg", 0.0f) + "\n" + line("a/4.jpg", 0.9f) + line("b/7.jpg", 0.3f);
  // a/1: (0 + .6)/2 = .3; a/2: (0 + .6)/2 = .3 (3 missing); a/4: alone, .9; b/7: alone, .3.
  const std::string want = line("a/1.jpg", 0.3f) + line("a/2.jpg", 0.3f) + line("a/4.jpg", 0.9f) + line("b/7.jpg", 0.3f);
  BOOST_TEST(smooth_text(in, s) == want);
  // Regrouped: a, b, a again.
  const std::string regrouped = line("a/1.jpg", 0.0f) + line("b/7.jpg", 0.3f) + line("a/2.jpg", 0.6f) + line("a/4.jpg", 0.9f);
  BOOST_TEST(smooth_error(regrouped).find("p.jsonl:3: video 'a' appears again after other videos (its rows began on "
                                          "line 1): the rows of each video must be consecutive: run mtl-smooth --sort") == 0,
             smooth_error(regrouped));
  BOOST_TEST(smooth_text(regrouped, s, true) == want);  // --sort takes it
  BOOST_TEST(smooth_error(line("a/1.jpg", 0) + line("a/2.jpg", 0) + line("a/0001.png", 0)) ==
             "p.jsonl:3: image 'a/0001.png': frame 1 of video 'a' appears twice (also on line 1)");
  BOOST_TEST(smooth_error(line("a/1.jpg", 0) + line("a/x1.jpg", 0)) ==
             "p.jsonl:2: image 'a/x1.jpg': its file name is not a frame number (VIDEO/NNNNN.jpg), so it cannot be smoothed");
  BOOST_TEST(smooth_error(line("a/1.jpg", 0) + "{\"image\": 3}\n").find("p.jsonl:2: ") == 0);
}

BOOST_AUTO_TEST_CASE(smoothing_file_read_and_written) {
  Smoothing s{{Filter::Exp, 9}, {Filter::Median, 15}, {}};
  const std::string text = smoothing_json(s);
  BOOST_TEST(text == R"({"format":"mtl-smoothing","version":1,"au":{"filter":"exp","window":9},)"
                     R"("ex":{"filter":"median","window":15},"va":{"filter":"none","window":1}})" "\n");
  const Smoothing back = parse_smoothing(text, "s.json");
  BOOST_TEST((back.au.filter == Filter::Exp && back.au.window == 9));
  BOOST_TEST((back.ex.filter == Filter::Median && back.ex.window == 15));
  BOOST_TEST((back.va.filter == Filter::None && back.va.window == 1));
  TuningRecord rec{"p.jsonl", "val.txt", "", {}, {}};
  rec.result.ex.before = 0.25;
  const Smoothing again = parse_smoothing(smoothing_json(s, &rec), "s.json");
  BOOST_TEST((again.ex.filter == Filter::Median && again.ex.window == 15));
  const Smoothing some = parse_smoothing(R"({"format":"mtl-smoothing","version":1,"va":{"filter":"mean","window":5}})", "s");
  BOOST_TEST((some.au.filter == Filter::None && some.va.filter == Filter::Mean && some.va.window == 5));
}

BOOST_AUTO_TEST_CASE(smoothing_file_errors) {
  const std::string head = R"({"format":"mtl-smoothing","version":1,)";
  BOOST_TEST(smoothing_error("{\n\"format\": ,}").find("s.json: line 2: invalid JSON: ") == 0);
  BOOST_TEST(smoothing_error(head + R"("au":{"filter":"mean","window":1e999}})") ==
             "s.json: invalid JSON: number overflow parsing '1e999'");
  BOOST_TEST(smoothing_error("[]") == "s.json: not a smoothing file: the JSON is not an object");
  BOOST_TEST(smoothing_error(R"({"format":"mtl-thresholds","version":1})") ==
             "s.json: not a smoothing file: \"format\" is not \"mtl-smoothing\"");
  BOOST_TEST(smoothing_error(R"({"format":"mtl-smoothing","version":2})") ==
             "s.json: smoothing format version 2, this toolkit reads version 1");
  BOOST_TEST(smoothing_error(head + R"("au":{"filter":"mean","window":4}})") ==
             "s.json: \"au\": \"window\" = 4 must be an odd number of frames from 1 to 100001");
  BOOST_TEST(smoothing_error(head + R"("au":{"filter":"mean","window":-3}})") ==
             "s.json: \"au\": \"window\" = -3 must be an odd number of frames from 1 to 100001");
  BOOST_TEST(smoothing_error(head + R"("au":{"filter":"mean","window":3.0}})") ==
             "s.json: \"au\": \"window\" = 3.0 is not an integer");
  BOOST_TEST(smoothing_error(head + R"("ex":{"filter":"gauss","window":3}})") ==
             "s.json: \"ex\": unknown filter \"gauss\" (none, mean, median or exp)");
  BOOST_TEST(smoothing_error(head + R"("ex":{"filter":"mean"}})") == "s.json: \"ex\": \"window\" is missing");
  BOOST_TEST(smoothing_error(head + R"("va":{"filter":"mean","window":3,"x":1}})") == "s.json: \"va\": unknown key \"x\"");
  BOOST_TEST(smoothing_error(head + R"("va":[]})") ==
             "s.json: \"va\" must be an object {\"filter\": NAME, \"window\": W}");
  BOOST_TEST(smoothing_error(head + R"("aus":{}})") == "s.json: unknown key \"aus\"");
  BOOST_TEST(smoothing_error(head + R"("tuning":1})") == "s.json: \"tuning\" must be an object");
}

BOOST_AUTO_TEST_CASE(smoothing_tuned_on_a_video) {
  // One video of 9 frames, all truly class 1; predicted .7 class 1 / .3 class 2, except frame 5 (.3/.7).
  // No smoothing: class 1 has TP 8, FN 1: F1 16/17; class 2 F1 0 (1 FP); the rest 0: P_EX = 16/17/8.
  // A mean over 3 frames puts frame 5 at (.7+.3+.7)/3 = .567 for class 1: all right, P_EX = 1/8.
  Truth truth;
  std::vector<Prediction> rows;
  for (int f = 9; f >= 1; --f) {  // in reverse: the tuning sorts the frames itself
    const std::string image = "v/" + std::to_string(f) + ".jpg";
    Labels l;
    l.ex = 1;
    truth.add(image, l);
    rows.push_back(f == 5 ? ex_row(image, {0, .3f, .7f, 0, 0, 0, 0, 0}) : ex_row(image, {0, .7f, .3f, 0, 0, 0, 0, 0}));
    rows.back().line = 10 - f;
  }
  const SmoothingTuning r = tune_smoothing(rows, "p.jsonl", truth, nullptr);
  BOOST_TEST(*r.ex.before == 16.0 / 17 / 8, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(*r.ex.after == 1.0 / 8, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(r.ex.rows == 9u);
  // Ties: mean, median and exp at W = 3 all fix frame 5; the first tried, mean, wins.
  BOOST_TEST((r.best.ex.filter == Filter::Mean && r.best.ex.window == 3));
  BOOST_TEST(r.ex.tried.size() == 1 + 3 * 6u);
  // Within a tolerance of 0.01 of the best (1/8 - 16/17/8 = 0.0074), none is kept.
  SmoothingSearch tolerant;
  tolerant.tolerance = 0.01;
  const SmoothingTuning kept = tune_smoothing(rows, "p.jsonl", truth, nullptr, tolerant);
  BOOST_TEST((kept.best.ex.filter == Filter::None && *kept.ex.after == *kept.ex.before));
  // Windows 9 and up only, median first: median 9 is the first of the best.
  SmoothingSearch wide;
  wide.filters = {Filter::Median, Filter::Mean};
  wide.windows = {15, 9};
  const SmoothingTuning w = tune_smoothing(rows, "p.jsonl", truth, nullptr, wide);
  BOOST_TEST((w.best.ex.filter == Filter::Median && w.best.ex.window == 9));
  BOOST_TEST(!r.au.before.has_value());  // no AU predictions: none
  BOOST_TEST((r.best.au.filter == Filter::None && r.best.va.filter == Filter::None));
  rows.push_back(rows.front());  // frame 9 twice
  rows.back().line = 10;
  BOOST_CHECK_THROW(tune_smoothing(rows, "p.jsonl", truth, nullptr), InputError);
}
