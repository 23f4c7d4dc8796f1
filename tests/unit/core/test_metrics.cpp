// Unit tests of the metrics and the challenge scores (metrics.cpp, score.cpp), by hand-worked cases.
#include "helpers.h"

#include "mtl/core/metrics.h"
#include "mtl/core/score.h"

using namespace mtl;
using namespace mtl_test;

BOOST_AUTO_TEST_CASE(f1_hand_worked) {
  // TP 1, FP 1, FN 1: 2 / (2 + 1 + 1).
  BOOST_TEST(f1_binary({1, 1, 0, 0}, {1, 0, 1, 0}) == 0.5);
  // TP 2, FP 0, FN 1: 4 / 5.
  BOOST_TEST(f1_binary({1, 1, 1, 0}, {1, 1, 0, 0}) == 0.8);
  // No true and no predicted positives: 0, as scikit-learn.
  BOOST_TEST(f1_binary({0, 0, 0}, {0, 0, 0}) == 0.0);
  // Predicted positives only.
  BOOST_TEST(f1_binary({0, 0}, {1, 1}) == 0.0);
  BOOST_CHECK_THROW(f1_binary({0}, {0, 1}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(macro_f1_hand_worked) {
  // truth 0 0 1 2, pred 0 1 1 2: class 0 F1 2/3, class 1 F1 2/3, class 2 F1 1, classes 3-7 0.
  ScoreAccumulator acc;
  int t[] = {0, 0, 1, 2}, p[] = {0, 1, 1, 2};
  for (int i = 0; i < 4; ++i) acc.add_ex(t[i], p[i]);
  auto s = acc.compute();
  BOOST_REQUIRE(s.p_ex.has_value());
  BOOST_TEST(std::abs(s.ex_f1[0] - 2.0 / 3) < 1e-12);
  BOOST_TEST(std::abs(s.ex_f1[1] - 2.0 / 3) < 1e-12);
  BOOST_TEST(s.ex_f1[2] == 1.0);
  BOOST_TEST(s.ex_f1[5] == 0.0);
  BOOST_TEST(std::abs(*s.p_ex - (2.0 / 3 + 2.0 / 3 + 1.0) / 8) < 1e-12);
  BOOST_TEST(!s.p_au.has_value());
  BOOST_TEST(!s.p_mtl().has_value());
}

BOOST_AUTO_TEST_CASE(ccc_hand_worked) {
  BOOST_TEST(std::abs(ccc({1, 2, 3}, {1, 2, 3}) - 1.0) < 1e-12);
  BOOST_TEST(std::abs(ccc({1, 2, 3}, {3, 2, 1}) + 1.0) < 1e-12);
  // x = (0,1), y = (1,2): var 1/4 each, cov 1/4, mean gap 1: 0.5 / 1.5.
  BOOST_TEST(std::abs(ccc({0, 1}, {1, 2}) - 1.0 / 3) < 1e-12);
  // A constant prediction has no covariance: CCC 0.
  BOOST_TEST(ccc({1, 2, 3}, {2, 2, 2}) == 0.0);
  // Both constant and equal: the denominator is 0; reported as 0.
  BOOST_TEST(ccc({2, 2}, {2, 2}) == 0.0);
}

BOOST_AUTO_TEST_CASE(au_scores_skip_missing_labels) {
  ScoreAccumulator acc;
  std::array<int8_t, kNumAU> t;
  t.fill(-1);
  t[0] = 1;
  std::array<int, kNumAU> p{};
  p[0] = 1;
  acc.add_au(t, p);
  auto s = acc.compute();
  BOOST_TEST(s.n_au == 1u);
  BOOST_TEST(s.au_f1[0] == 1.0);
  BOOST_TEST(std::abs(*s.p_au - 1.0 / 12) < 1e-12);
}
