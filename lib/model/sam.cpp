// SAM around SGD: climb to the sharpest nearby point, take the gradient there, step from the start.
#include "mtl/model/sam.h"

namespace mtl {
namespace {
const SamOptions& checked(const SamOptions& o) {
  o.check();
  return o;
}
}  // namespace

Sam::Sam(std::vector<torch::Tensor> params, const SamOptions& o)
    : params_(params),
      opt_(checked(o)),
      sgd_(params, torch::optim::SGDOptions(o.lr).momentum(o.momentum).weight_decay(o.weight_decay)) {}

torch::Tensor Sam::step(const std::function<torch::Tensor()>& loss_fn) {
  sgd_.zero_grad();
  auto loss = loss_fn();
  loss.backward();
  // First step: climb to w + e, e = rho g / |g|, with |g| (the norm of the per-parameter norms)
  // kept on the device.
  std::vector<torch::Tensor> e(params_.size());
  {
    torch::NoGradGuard ng;
    std::vector<torch::Tensor> norms;
    for (auto& p : params_)
      if (p.grad().defined()) norms.push_back(p.grad().norm());
    if (!norms.empty()) {
      const auto scale = opt_.rho / (torch::stack(norms).norm() + 1e-12);
      for (size_t i = 0; i < params_.size(); ++i) {
        if (!params_[i].grad().defined()) continue;
        e[i] = params_[i].grad() * scale;
        params_[i].add_(e[i]);
      }
    }
  }
  // Second step: the gradient at w + e, then back to w and the SGD update with that gradient.
  sgd_.zero_grad();
  loss_fn().backward();
  {
    torch::NoGradGuard ng;
    for (size_t i = 0; i < params_.size(); ++i)
      if (e[i].defined()) params_[i].sub_(e[i]);
  }
  sgd_.step();
  sgd_.zero_grad();
  return loss.detach();
}

void Sam::save(torch::serialize::OutputArchive& archive) const { sgd_.save(archive); }

void Sam::load(torch::serialize::InputArchive& archive) { sgd_.load(archive); }

}  // namespace mtl
