// The ABAW challenge measures.
#include "mtl/core/metrics.h"

#include <stdexcept>

namespace mtl {

double f1_binary(const std::vector<int>& truth, const std::vector<int>& pred) {
  if (truth.size() != pred.size()) throw std::invalid_argument("f1_binary: length mismatch");
  size_t tp = 0, fp = 0, fn = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    bool t = truth[i] != 0, p = pred[i] != 0;
    tp += t && p;
    fp += !t && p;
    fn += t && !p;
  }
  return f1_from_counts(static_cast<double>(tp), static_cast<double>(fp), static_cast<double>(fn));
}

double f1_from_counts(double tp, double fp, double fn) {
  const double denom = 2 * tp + fp + fn;
  return denom > 0 ? 2 * tp / denom : 0.0;
}

std::vector<double> f1_per_class(const std::vector<int>& truth, const std::vector<int>& pred, int n_classes) {
  if (truth.size() != pred.size()) throw std::invalid_argument("f1_per_class: length mismatch");
  std::vector<double> out(n_classes);
  std::vector<int> t(truth.size()), p(pred.size());
  for (int c = 0; c < n_classes; ++c) {
    for (size_t i = 0; i < truth.size(); ++i) {
      t[i] = truth[i] == c;
      p[i] = pred[i] == c;
    }
    out[c] = f1_binary(t, p);
  }
  return out;
}

double ccc(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() != y.size()) throw std::invalid_argument("ccc: length mismatch");
  const size_t n = x.size();
  if (n == 0) return 0.0;
  double mx = 0, my = 0;
  for (size_t i = 0; i < n; ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  double sxx = 0, syy = 0, sxy = 0;
  for (size_t i = 0; i < n; ++i) {
    double dx = x[i] - mx, dy = y[i] - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  sxx /= n;
  syy /= n;
  sxy /= n;
  double denom = sxx + syy + (mx - my) * (mx - my);
  return denom == 0.0 ? 0.0 : 2.0 * sxy / denom;
}

void ScoreAccumulator::add_au(const std::array<int8_t, kNumAU>& truth, const std::array<int, kNumAU>& pred) {
  bool any = false;
  for (int i = 0; i < kNumAU; ++i) {
    if (truth[i] < 0) continue;
    any = true;
    au_t_[i].push_back(truth[i]);
    au_p_[i].push_back(pred[i] != 0);
  }
  au_rows_ += any;
}

void ScoreAccumulator::add_ex(int truth, int pred) {
  ex_t_.push_back(truth);
  ex_p_.push_back(pred);
}

void ScoreAccumulator::add_va(const std::array<float, 2>& truth, const std::array<double, 2>& pred) {
  v_t_.push_back(truth[0]);
  a_t_.push_back(truth[1]);
  v_p_.push_back(pred[0]);
  a_p_.push_back(pred[1]);
}

Scores ScoreAccumulator::compute() const {
  Scores s;
  s.n_au = au_rows_;
  if (au_rows_ > 0) {
    double sum = 0;
    for (int i = 0; i < kNumAU; ++i) sum += s.au_f1[i] = f1_binary(au_t_[i], au_p_[i]);
    s.p_au = sum / kNumAU;
  }
  s.n_ex = ex_t_.size();
  if (!ex_t_.empty()) {
    auto f = f1_per_class(ex_t_, ex_p_, kNumEX);
    double sum = 0;
    for (int c = 0; c < kNumEX; ++c) sum += s.ex_f1[c] = f[c];
    s.p_ex = sum / kNumEX;
    for (size_t i = 0; i < ex_t_.size(); ++i) {
      const int t = ex_t_[i], p = ex_p_[i];
      if (t >= 0 && t < kNumEX && p >= 0 && p < kNumEX) ++s.ex_confusion[t][p];
    }
  }
  s.n_va = v_t_.size();
  if (!v_t_.empty()) {
    s.ccc_v = ccc(v_t_, v_p_);
    s.ccc_a = ccc(a_t_, a_p_);
    s.p_va = (s.ccc_v + s.ccc_a) / 2;
  }
  return s;
}

}  // namespace mtl
