// The training losses of the three heads and their class weights. This header includes LibTorch.
#pragma once
#include <torch/torch.h>

#include "mtl/model/hyperparameters.h"

namespace mtl {

// Weighted asymmetric AU loss: -mean_b mean_i w_i [y log p + (1-y) sg(p) log(1-p)], logs clamped at 1e-8.
torch::Tensor au_loss(const torch::Tensor& p, const torch::Tensor& y, const torch::Tensor& w);
// w_i = N (1/r_i) / sum_j (1/r_j) from AU labels y [n,12] (0/1); r_i is clamped below at 1/n.
torch::Tensor au_weights(const torch::Tensor& y);
// Class-weighted cross entropy on logits [B,8] with targets [B] (int64) and weights P [8].
// Authors: mean over the batch of P_y CE; PyTorch: sum(P_y CE) / sum(P_y).
torch::Tensor ex_loss(const torch::Tensor& logits, const torch::Tensor& y, const torch::Tensor& w, LossMean mean);
// P_c = n / (8 n_c) over targets y [n] (0 when a class has no rows).
torch::Tensor ex_weights(const torch::Tensor& y);
// Differentiable CCC of two 1-d tensors (population statistics).
torch::Tensor ccc_tensor(const torch::Tensor& x, const torch::Tensor& y);
// (1 - CCC_V) + (1 - CCC_A) of predictions and truth [B,2].
torch::Tensor va_loss(const torch::Tensor& pred, const torch::Tensor& y);

}  // namespace mtl
