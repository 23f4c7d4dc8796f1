// The losses of the three heads and their class weights.
#include "mtl/model/losses.h"

#include <algorithm>

#include "mtl/core/labels.h"

namespace mtl {
namespace F = torch::nn::functional;

torch::Tensor au_loss(const torch::Tensor& p, const torch::Tensor& y, const torch::Tensor& w) {
  auto pos = y * torch::log(p.clamp_min(1e-8));
  auto neg = (1 - y) * p.detach() * torch::log((1 - p).clamp_min(1e-8));
  return -((pos + neg) * w.unsqueeze(0)).mean();
}

torch::Tensor au_weights(const torch::Tensor& y) {
  const double n = static_cast<double>(y.size(0));
  auto r = y.to(torch::kFloat64).mean(0).clamp_min(1.0 / std::max(n, 1.0));
  auto inv = 1.0 / r;
  return (kNumAU * inv / inv.sum()).to(torch::kFloat32);
}

torch::Tensor ex_loss(const torch::Tensor& logits, const torch::Tensor& y, const torch::Tensor& w, LossMean mean) {
  auto ce = F::cross_entropy(logits, y, F::CrossEntropyFuncOptions().reduction(torch::kNone));
  auto wy = w.index_select(0, y);
  return mean == LossMean::Authors ? (wy * ce).mean() : (wy * ce).sum() / wy.sum();
}

torch::Tensor ex_weights(const torch::Tensor& y) {
  auto counts = torch::bincount(y, {}, kNumEX).to(torch::kFloat64);
  auto w = static_cast<double>(y.size(0)) / (kNumEX * counts);
  return torch::where(counts > 0, w, torch::zeros_like(w)).to(torch::kFloat32);
}

torch::Tensor ccc_tensor(const torch::Tensor& x, const torch::Tensor& y) {
  auto mx = x.mean(), my = y.mean();
  auto dx = x - mx, dy = y - my;
  auto sxy = (dx * dy).mean();
  auto denom = (dx * dx).mean() + (dy * dy).mean() + (mx - my).pow(2);
  return 2 * sxy / (denom + 1e-12);
}

torch::Tensor va_loss(const torch::Tensor& pred, const torch::Tensor& y) {
  return (1 - ccc_tensor(pred.select(1, 0), y.select(1, 0))) + (1 - ccc_tensor(pred.select(1, 1), y.select(1, 1)));
}

}  // namespace mtl
