// The AU head (ANFL, after ME-GraphAU): per-AU node features, a k-nearest-neighbour graph, one GCN
// layer and a cosine output in [0,1]. This header includes LibTorch.
#pragma once
#include <torch/torch.h>

#include <memory>

#include "mtl/model/hyperparameters.h"

namespace mtl {

class TaskHead;
struct HeadKind;

class AuHeadImpl : public torch::nn::Module {
 public:
  // Throws std::invalid_argument for in_dim <= 0 or options that fail AuHeadOptions::check.
  AuHeadImpl(int in_dim, const AuHeadOptions& o);
  // x [B,D] -> AU probabilities p [B,12] in [0,1].
  torch::Tensor forward(const torch::Tensor& x);
  // The 0/1 adjacency of V [B,N,C]: row i keeps the k largest of V_i . V_j (ties kept). No gradient.
  static torch::Tensor knn_adjacency(const torch::Tensor& v, int k);
  // D^-1/2 A D^-1/2 with D the row sums of A [B,N,N].
  static torch::Tensor normalize_adjacency(const torch::Tensor& a);
  // The options with node_dim and node_init_std resolved.
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

// The AU head behind the TaskHead interface, and its kind: "anfl", the AU task's default.
std::unique_ptr<TaskHead> make_au_head(int in_dim, const AuHeadOptions& o);
extern const HeadKind kAnflHead;

}  // namespace mtl
