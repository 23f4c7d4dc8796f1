// The EX head: expression logits z = W x + b and a cross attention on the AU head's output,
// selectable for ablations (paper, additive, none). This header includes LibTorch.
#pragma once
#include <torch/torch.h>

#include <memory>

#include "mtl/model/hyperparameters.h"

namespace mtl {

class TaskHead;
struct HeadKind;

class ExHeadImpl : public torch::nn::Module {
 public:
  // Throws std::invalid_argument for in_dim <= 0 or options that fail ExHeadOptions::check.
  ExHeadImpl(int in_dim, const ExHeadOptions& o);
  // x [B,D], p_au [B,12] -> the attended logits y_hat [B,8] (p_au is not read without attention).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& p_au);
  const ExHeadOptions& options() const { return opt_; }

  torch::nn::Linear fc{nullptr};                                     // z = W_ex x + b_ex
  torch::nn::Linear att_q{nullptr}, att_k{nullptr}, att_v{nullptr};  // no biases

 private:
  ExHeadOptions opt_;
};
TORCH_MODULE(ExHead);

// The EX head behind the TaskHead interface (used by make_head).
std::unique_ptr<TaskHead> make_ex_head(int in_dim, const ExHeadOptions& o);
// Its kind: "ex-attention", the EX task's default.
extern const HeadKind kExHead;

}  // namespace mtl
