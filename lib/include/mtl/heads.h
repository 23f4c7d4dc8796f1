// The three task heads, their losses, and the SAM optimiser, as LibTorch modules.
// This header includes LibTorch: include it only where tensors are needed.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <string>

#include "mtl/labels.h"

namespace mtl {

// ---- AU head: ANFL (per-AU node features, a k-nearest-neighbour graph, one GCN layer, cosine output).
struct AuHeadOptions {
  int in_dim = 0;           // D (features, or features + logits)
  int node_dim = 0;         // C; 0 means C = D, as the authors
  int k = 4;                // neighbours kept per node, itself included (ties kept)
  double dropout = 0.5;     // on the input of the per-AU layers
  double node_init_std = 0; // std of the per-AU weights; 0 means sqrt(1/C), as the authors
};

class AuHeadImpl : public torch::nn::Module {
 public:
  explicit AuHeadImpl(const AuHeadOptions& o);
  // x [B,D] -> AU probabilities p [B,12] in [0,1].
  torch::Tensor forward(const torch::Tensor& x);
  // The 0/1 adjacency of V [B,N,C]: row i keeps the k largest of V_i . V_j (ties kept). No gradient.
  static torch::Tensor knn_adjacency(const torch::Tensor& v, int k);
  // D^-1/2 A D^-1/2 with D the row sums of A [B,N,N].
  static torch::Tensor normalize_adjacency(const torch::Tensor& a);
  const AuHeadOptions& options() const { return opt_; }

  torch::nn::Dropout drop{nullptr};
  torch::nn::Linear node_fc{nullptr};       // the 12 per-AU layers W_i stacked: D -> 12*C
  torch::nn::BatchNorm1d node_bn{nullptr};  // BN_i of each AU, over its C channels (12*C features)
  torch::nn::Linear gnn_u{nullptr}, gnn_v{nullptr};
  torch::nn::BatchNorm1d gnn_bn{nullptr};   // BatchNorm over the node index (12 channels)
  torch::Tensor sc;                         // [12,C] class vectors s_i

 private:
  AuHeadOptions opt_;
};
TORCH_MODULE(AuHead);

// ---- EX head: logits plus cross attention on the AU probabilities.
enum class Attention { Paper, Additive, None };
// Parses "paper", "additive" or "none"; throws UsageError otherwise.
Attention parse_attention(const std::string& s);
std::string attention_name(Attention a);

struct ExHeadOptions {
  int in_dim = 0;
  Attention attention = Attention::Additive;
  int hidden = 64;  // the additive attention's hidden size
};

class ExHeadImpl : public torch::nn::Module {
 public:
  explicit ExHeadImpl(const ExHeadOptions& o);
  // x [B,D], p_au [B,12] -> the attended logits y_hat [B,8].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& p_au);
  const ExHeadOptions& options() const { return opt_; }

  torch::nn::Linear fc{nullptr};                             // z = W_ex x + b_ex
  torch::nn::Linear att_q{nullptr}, att_k{nullptr}, att_v{nullptr};  // no biases

 private:
  ExHeadOptions opt_;
};
TORCH_MODULE(ExHead);

// ---- VA head: tanh(BN(W x + b)).
class VaHeadImpl : public torch::nn::Module {
 public:
  explicit VaHeadImpl(int in_dim);
  torch::Tensor forward(const torch::Tensor& x);  // [B,D] -> [B,2] in [-1,1]
  torch::nn::Linear fc{nullptr};
  torch::nn::BatchNorm1d bn{nullptr};
};
TORCH_MODULE(VaHead);

// ---- Losses.
// Weighted asymmetric AU loss: -mean_b mean_i w_i [y log p + (1-y) sg(p) log(1-p)], logs clamped at 1e-8.
torch::Tensor au_loss(const torch::Tensor& p, const torch::Tensor& y, const torch::Tensor& w);
// w_i = N (1/r_i) / sum_j (1/r_j) from AU labels y [n,12] (0/1); r_i is clamped below at 1/n.
torch::Tensor au_weights(const torch::Tensor& y);
// Class-weighted cross entropy on logits [B,8] with targets [B] (int64) and weights P [8].
// authors_mean: mean over the batch of P_y CE; otherwise PyTorch's sum(P_y CE) / sum(P_y).
torch::Tensor ex_loss(const torch::Tensor& logits, const torch::Tensor& y, const torch::Tensor& w, bool authors_mean);
// P_c = n / (8 n_c) over targets y [n] (0 when a class has no rows).
torch::Tensor ex_weights(const torch::Tensor& y);
// Differentiable CCC of two 1-d tensors (population statistics).
torch::Tensor ccc_tensor(const torch::Tensor& x, const torch::Tensor& y);
// (1 - CCC_V) + (1 - CCC_A) of predictions and truth [B,2].
torch::Tensor va_loss(const torch::Tensor& pred, const torch::Tensor& y);

// ---- SAM wrapping SGD with momentum and weight decay.
struct SamOptions {
  double lr = 1e-3, momentum = 0.9, weight_decay = 1.0 / 256, rho = 0.05;
};

class Sam {
 public:
  Sam(std::vector<torch::Tensor> params, const SamOptions& o);
  // One update. `loss_fn` computes the loss of the current batch (it must not call backward).
  // Takes the gradient g at w, moves to w + rho g/|g|, takes the gradient there, moves back to w,
  // and applies the SGD step with that second gradient. Returns the loss at w.
  double step(const std::function<torch::Tensor()>& loss_fn);

 private:
  std::vector<torch::Tensor> params_;
  SamOptions opt_;
  torch::optim::SGD sgd_;
};

}  // namespace mtl
