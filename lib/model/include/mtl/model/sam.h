// Sharpness-aware minimisation (SAM) around SGD with momentum and weight decay.
// This header includes LibTorch.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <vector>

#include "mtl/model/hyperparameters.h"

namespace mtl {

class Sam {
 public:
  // Throws std::invalid_argument for options that fail SamOptions::check.
  Sam(std::vector<torch::Tensor> params, const SamOptions& o);
  // One update. `loss_fn` computes the loss of the current batch (it must not call backward).
  // Takes the gradient g at w, moves to w + rho g/|g|, takes the gradient there, moves back to w,
  // and applies the SGD step with that second gradient. Returns the loss at w, a 0-dim tensor on
  // the parameters' device: nothing in a step waits for the device or reads a value back.
  torch::Tensor step(const std::function<torch::Tensor()>& loss_fn);
  // The SGD state (momentum buffers), for resuming a stopped training run.
  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);

 private:
  std::vector<torch::Tensor> params_;
  SamOptions opt_;
  torch::optim::SGD sgd_;
};

}  // namespace mtl
