// The ABAW multi-task challenge measures: binary F1, macro F1, the concordance correlation
// coefficient (CCC), and P_AU / P_EX / P_VA / P_MTL. No LibTorch here.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "mtl/core/labels.h"

namespace mtl {

// Binary F1 = 2TP / (2TP + FP + FN) of 0/1 vectors of equal length; 0 when there are no true and
// no predicted positives (scikit-learn's default). Throws std::invalid_argument on a length mismatch.
double f1_binary(const std::vector<int>& truth, const std::vector<int>& pred);

// F1 from counts (weighted counts too): 2TP / (2TP + FP + FN); 0 without true and predicted positives.
double f1_from_counts(double tp, double fp, double fn);

// Per-class F1 of class codes 0..n_classes-1 (one-vs-rest, as binary F1 above).
std::vector<double> f1_per_class(const std::vector<int>& truth, const std::vector<int>& pred, int n_classes);

// CCC = 2 s_xy / (s_x^2 + s_y^2 + (mean_x - mean_y)^2) with population (1/n) statistics.
// Returns 0 when the denominator is 0 (both series constant and equal), or for empty input.
double ccc(const std::vector<double>& x, const std::vector<double>& y);

// The challenge scores of one set of (truth, prediction) pairs. A task with no pairs is absent.
struct Scores {
  std::optional<double> p_au, p_ex, p_va;
  std::array<double, kNumAU> au_f1{};
  std::array<double, kNumEX> ex_f1{};
  // Expression confusion counts: ex_confusion[truth][predicted], over the n_ex rows.
  std::array<std::array<size_t, kNumEX>, kNumEX> ex_confusion{};
  double ccc_v = 0, ccc_a = 0;
  size_t n_au = 0, n_ex = 0, n_va = 0;  // rows used per task
  // P_MTL = P_AU + P_EX + P_VA, present only when all three are.
  std::optional<double> p_mtl() const {
    if (p_au && p_ex && p_va) return *p_au + *p_ex + *p_va;
    return std::nullopt;
  }
};

// Accumulates pairs task by task, then computes the scores.
class ScoreAccumulator {
 public:
  // Adds one image's AU truth (0/1/-1 each) and predicted 0/1; AUs with truth -1 are skipped.
  void add_au(const std::array<int8_t, kNumAU>& truth, const std::array<int, kNumAU>& pred);
  // Adds one image's expression truth (0..7) and predicted class.
  void add_ex(int truth, int pred);
  // Adds one image's valence/arousal truth and prediction.
  void add_va(const std::array<float, 2>& truth, const std::array<double, 2>& pred);
  Scores compute() const;

 private:
  std::array<std::vector<int>, kNumAU> au_t_, au_p_;
  size_t au_rows_ = 0;
  std::vector<int> ex_t_, ex_p_;
  std::vector<double> v_t_, v_p_, a_t_, a_p_;
};

}  // namespace mtl
