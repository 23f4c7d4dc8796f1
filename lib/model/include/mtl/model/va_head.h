// The VA head: tanh(BN(W x + b)), valence and arousal in [-1,1]. This header includes LibTorch.
#pragma once
#include <torch/torch.h>

#include <memory>

#include "mtl/model/hyperparameters.h"

namespace mtl {

class TaskHead;
struct HeadKind;

class VaHeadImpl : public torch::nn::Module {
 public:
  // Throws std::invalid_argument for in_dim <= 0.
  explicit VaHeadImpl(int in_dim);
  torch::Tensor forward(const torch::Tensor& x);  // [B,D] -> [B,2] in [-1,1]
  torch::nn::Linear fc{nullptr};
  torch::nn::BatchNorm1d bn{nullptr};
};
TORCH_MODULE(VaHead);

// The VA head behind the TaskHead interface (used by make_head).
std::unique_ptr<TaskHead> make_va_head(int in_dim, const VaHeadOptions& o);
// Its kind: "va-linear", the VA task's default.
extern const HeadKind kVaHead;

}  // namespace mtl
