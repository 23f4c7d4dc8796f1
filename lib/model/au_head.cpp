// The AU head: the ANFL module and its TaskHead (targets, weighted asymmetric loss, P_AU, lines).
#include "mtl/model/au_head.h"

#include <cmath>
#include <stdexcept>

#include "mtl/core/metrics.h"
#include "mtl/model/losses.h"
#include "mtl/model/task_head.h"

namespace mtl {
namespace F = torch::nn::functional;

AuHeadImpl::AuHeadImpl(int in_dim, const AuHeadOptions& o) : opt_(o.resolved(in_dim)) {
  if (in_dim <= 0) throw std::invalid_argument("AU head: input size must be positive");
  opt_.check();
  const int C = opt_.node_dim;
  drop = register_module("drop", torch::nn::Dropout(opt_.dropout));
  node_fc = register_module("node_fc", torch::nn::Linear(in_dim, kNumAU * C));
  node_bn = register_module("node_bn", torch::nn::BatchNorm1d(kNumAU * C));
  gnn_u = register_module("gnn_u", torch::nn::Linear(C, C));
  gnn_v = register_module("gnn_v", torch::nn::Linear(C, C));
  gnn_bn = register_module("gnn_bn", torch::nn::BatchNorm1d(kNumAU));
  sc = register_parameter("sc", torch::empty({kNumAU, C}));
  torch::NoGradGuard ng;
  node_fc->weight.normal_(0, opt_.node_init_std);
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

namespace {

class AuTaskHead : public TaskHead {
 public:
  AuTaskHead(int in_dim, const AuHeadOptions& o) : net_(in_dim, o) {}
  const HeadKind& kind() const override { return kAnflHead; }
  torch::nn::Module& module() override { return *net_; }
  HeadOptions options() const override {
    HeadOptions h;
    h.au = net_->options();
    return h;
  }

  torch::Tensor targets(const FeatureRows& rows) const override {
    const int64_t n = static_cast<int64_t>(rows.size());
    auto t = torch::empty({n, kNumAU});
    auto a = t.accessor<float, 2>();
    for (int64_t i = 0; i < n; ++i)
      for (int j = 0; j < kNumAU; ++j) a[i][j] = rows.labels[i].au[j];
    return t;
  }

  std::vector<float> fit_loss_weights(const torch::Tensor& y) override {
    weights_ = au_weights(y);
    return float_values(weights_);
  }

  torch::Tensor forward(const torch::Tensor& x, const UpstreamOutputs&) override { return net_->forward(x); }
  torch::Tensor loss(const torch::Tensor& p, const torch::Tensor& y) const override { return au_loss(p, y, weights_); }

  double score(const torch::Tensor& out, const torch::Tensor& y) const override {
    auto o = out.accessor<float, 2>();
    auto t = y.accessor<float, 2>();
    ScoreAccumulator acc;
    for (int64_t i = 0; i < out.size(0); ++i) {
      std::array<int8_t, kNumAU> truth;
      std::array<int, kNumAU> pred;
      for (int j = 0; j < kNumAU; ++j) {
        truth[j] = static_cast<int8_t>(t[i][j]);
        pred[j] = o[i][j] >= threshold();
      }
      acc.add_au(truth, pred);
    }
    return acc.compute().p_au.value_or(0.0);
  }

  void fill(const float* out, const float* pred, Prediction& p) const override {
    std::array<int, kNumAU> present;
    std::array<float, kNumAU> prob;
    for (int j = 0; j < kNumAU; ++j) {
      prob[j] = pred[j];
      present[j] = out[j] >= threshold();
    }
    p.au = present;
    p.au_prob = prob;
  }

  // AuHeadImpl::forward: x [B,D] -> p [B,12].
  std::string script_forward() const override {
    const AuHeadOptions& o = net_->options();
    const std::string C = std::to_string(o.node_dim), k = std::to_string(o.k), k1 = std::to_string(o.k - 1);
    return "def forward(self, x: Tensor) -> Tensor:\n"
           "    v = torch.linear(x, self.node_fc.weight, self.node_fc.bias)\n"
           "    v = torch.relu(" + script_batch_norm("v", "node_bn") + ").view([x.size(0), 12, " + C + "])\n"
           "    s = torch.matmul(v, v.transpose(1, 2))\n"
           "    kth = torch.topk(s, " + k + ", -1)[0].narrow(-1, " + k1 + ", 1)\n"
           "    a = (s >= kth).to(v.dtype)\n"
           "    dinv = a.sum(-1).pow(-0.5)\n"
           "    a_hat = dinv.unsqueeze(-1) * a * dinv.unsqueeze(-2)\n"
           "    agg = torch.matmul(a_hat, torch.linear(v, self.gnn_v.weight, self.gnn_v.bias))\n"
           "    v2 = torch.relu(v + " +
           script_batch_norm("agg + torch.linear(v, self.gnn_u.weight, self.gnn_u.bias)", "gnn_bn") + ")\n"
           "    s2 = torch.relu(self.sc)\n"
           "    s2 = s2 / s2.norm(2.0, [-1], True).clamp_min(1e-12).expand_as(s2)\n"
           "    vn = v2 / v2.norm(2.0, [-1], True).clamp_min(1e-12).expand_as(v2)\n"
           "    return (vn * s2.unsqueeze(0)).sum(-1)\n";
  }

 private:
  float threshold() const { return static_cast<float>(net_->options().threshold); }
  AuHead net_;
  torch::Tensor weights_;
};

}  // namespace

std::unique_ptr<TaskHead> make_au_head(int in_dim, const AuHeadOptions& o) {
  return std::make_unique<AuTaskHead>(in_dim, o);
}

const HeadKind kAnflHead{"anfl", Task::AU, "ANFL: per-AU node features, a k-nearest-neighbour graph, one GCN layer",
                         [](int in_dim, const HeadOptions& o) { return make_au_head(in_dim, o.au); }, anfl_settings};

}  // namespace mtl
