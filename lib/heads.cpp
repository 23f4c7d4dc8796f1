// The task heads, losses and SAM.
#include "mtl/heads.h"

#include <cmath>

#include "mtl/error.h"

namespace mtl {
namespace F = torch::nn::functional;

// ---------------------------------------------------------------------------------------- AU head
AuHeadImpl::AuHeadImpl(const AuHeadOptions& o) : opt_(o) {
  if (opt_.in_dim <= 0) throw std::invalid_argument("AU head: input size must be positive");
  if (opt_.node_dim == 0) opt_.node_dim = opt_.in_dim;
  if (opt_.k < 1 || opt_.k > kNumAU) throw UsageError("--k must be between 1 and 12");
  if (opt_.dropout < 0 || opt_.dropout >= 1) throw UsageError("--dropout must be in [0, 1)");
  const int C = opt_.node_dim;
  drop = register_module("drop", torch::nn::Dropout(opt_.dropout));
  node_fc = register_module("node_fc", torch::nn::Linear(opt_.in_dim, kNumAU * C));
  node_bn = register_module("node_bn", torch::nn::BatchNorm1d(kNumAU * C));
  gnn_u = register_module("gnn_u", torch::nn::Linear(C, C));
  gnn_v = register_module("gnn_v", torch::nn::Linear(C, C));
  gnn_bn = register_module("gnn_bn", torch::nn::BatchNorm1d(kNumAU));
  sc = register_parameter("sc", torch::empty({kNumAU, C}));
  torch::NoGradGuard ng;
  const double node_std = opt_.node_init_std > 0 ? opt_.node_init_std : std::sqrt(1.0 / C);
  node_fc->weight.normal_(0, node_std);
  gnn_u->weight.normal_(0, std::sqrt(2.0 / C));
  gnn_v->weight.normal_(0, std::sqrt(2.0 / C));
  torch::nn::init::xavier_uniform_(sc);
}

torch::Tensor AuHeadImpl::knn_adjacency(const torch::Tensor& v, int k) {
  torch::NoGradGuard ng;
  auto vd = v.detach();
  auto s = torch::matmul(vd, vd.transpose(1, 2));                    // [B,N,N]
  auto kth = std::get<0>(s.topk(k, /*dim=*/-1)).narrow(-1, k - 1, 1);  // k-th largest per row
  return (s >= kth).to(v.scalar_type());
}

torch::Tensor AuHeadImpl::normalize_adjacency(const torch::Tensor& a) {
  auto dinv = a.sum(-1).pow(-0.5);  // every row keeps at least k >= 1 entries, so no zero degree
  return dinv.unsqueeze(-1) * a * dinv.unsqueeze(-2);
}

torch::Tensor AuHeadImpl::forward(const torch::Tensor& x) {
  const int64_t B = x.size(0), C = opt_.node_dim;
  auto v = node_fc->forward(drop->forward(x));                    // [B,12*C]
  v = torch::relu(node_bn->forward(v)).view({B, kNumAU, C});      // node features v_i
  auto a_hat = normalize_adjacency(knn_adjacency(v, opt_.k));     // [B,12,12]
  auto agg = torch::matmul(a_hat, gnn_v->forward(v));
  auto v2 = torch::relu(v + gnn_bn->forward(agg + gnn_u->forward(v)));
  auto s = F::normalize(torch::relu(sc), F::NormalizeFuncOptions().p(2).dim(-1));
  auto vn = F::normalize(v2, F::NormalizeFuncOptions().p(2).dim(-1));
  return (vn * s.unsqueeze(0)).sum(-1);  // cosine of two non-negative vectors: in [0,1]
}

// ---------------------------------------------------------------------------------------- EX head
Attention parse_attention(const std::string& s) {
  if (s == "paper") return Attention::Paper;
  if (s == "additive") return Attention::Additive;
  if (s == "none") return Attention::None;
  throw UsageError("--attention must be paper, additive or none, not '" + s + "'");
}

std::string attention_name(Attention a) {
  switch (a) {
    case Attention::Paper: return "paper";
    case Attention::Additive: return "additive";
    default: return "none";
  }
}

ExHeadImpl::ExHeadImpl(const ExHeadOptions& o) : opt_(o) {
  if (opt_.in_dim <= 0) throw std::invalid_argument("EX head: input size must be positive");
  fc = register_module("fc", torch::nn::Linear(opt_.in_dim, kNumEX));
  auto nobias = [](int i, int o) { return torch::nn::Linear(torch::nn::LinearOptions(i, o).bias(false)); };
  if (opt_.attention == Attention::Paper) {
    att_q = register_module("att_q", nobias(kNumAU, kNumEX));  // W_q p_AU
    att_k = register_module("att_k", nobias(kNumEX, kNumEX));  // W_k z
  } else if (opt_.attention == Attention::Additive) {
    att_q = register_module("att_q", nobias(kNumAU, opt_.hidden));  // W_q p_AU
    att_k = register_module("att_k", nobias(1, opt_.hidden));       // W_k z_j
    att_v = register_module("att_v", nobias(opt_.hidden, 1));       // w_v
  }
}

torch::Tensor ExHeadImpl::forward(const torch::Tensor& x, const torch::Tensor& p_au) {
  auto z = fc->forward(x);
  switch (opt_.attention) {
    case Attention::Paper:
      return torch::tanh(att_q->forward(p_au) + att_k->forward(z)) * z;
    case Attention::Additive: {
      auto h = torch::tanh(att_q->forward(p_au).unsqueeze(1) + att_k->forward(z.unsqueeze(-1)));  // [B,8,H]
      auto alpha = torch::softmax(att_v->forward(h).squeeze(-1), -1);                             // [B,8]
      return alpha * z;
    }
    default:
      return z;
  }
}

// ---------------------------------------------------------------------------------------- VA head
VaHeadImpl::VaHeadImpl(int in_dim) {
  if (in_dim <= 0) throw std::invalid_argument("VA head: input size must be positive");
  fc = register_module("fc", torch::nn::Linear(in_dim, 2));
  bn = register_module("bn", torch::nn::BatchNorm1d(2));
}

torch::Tensor VaHeadImpl::forward(const torch::Tensor& x) { return torch::tanh(bn->forward(fc->forward(x))); }

// ----------------------------------------------------------------------------------------- losses
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

torch::Tensor ex_loss(const torch::Tensor& logits, const torch::Tensor& y, const torch::Tensor& w, bool authors_mean) {
  auto ce = F::cross_entropy(logits, y, F::CrossEntropyFuncOptions().reduction(torch::kNone));
  auto wy = w.index_select(0, y);
  return authors_mean ? (wy * ce).mean() : (wy * ce).sum() / wy.sum();
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

// -------------------------------------------------------------------------------------------- SAM
Sam::Sam(std::vector<torch::Tensor> params, const SamOptions& o)
    : params_(params),
      opt_(o),
      sgd_(params, torch::optim::SGDOptions(o.lr).momentum(o.momentum).weight_decay(o.weight_decay)) {
  if (o.lr <= 0) throw UsageError("--lr must be positive");
  if (o.rho < 0) throw UsageError("--rho must not be negative");
}

double Sam::step(const std::function<torch::Tensor()>& loss_fn) {
  sgd_.zero_grad();
  auto loss = loss_fn();
  loss.backward();
  const double value = loss.item<double>();
  // First step: climb to w + e, e = rho g / |g|.
  std::vector<torch::Tensor> e(params_.size());
  {
    torch::NoGradGuard ng;
    std::vector<torch::Tensor> norms;
    for (auto& p : params_)
      if (p.grad().defined()) norms.push_back(p.grad().norm());
    // One host read for the whole gradient norm (|g| = the norm of the per-parameter norms).
    const double norm = norms.empty() ? 0.0 : torch::stack(norms).norm().item<double>();
    const double scale = opt_.rho / (norm + 1e-12);
    for (size_t i = 0; i < params_.size(); ++i) {
      if (!params_[i].grad().defined()) continue;
      e[i] = params_[i].grad() * scale;
      params_[i].add_(e[i]);
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
  return value;
}

}  // namespace mtl
