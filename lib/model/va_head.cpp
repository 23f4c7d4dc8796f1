// The VA head: the module and its TaskHead (CCC loss, P_VA).
#include "mtl/model/va_head.h"

#include <stdexcept>

#include "mtl/core/metrics.h"
#include "mtl/model/losses.h"
#include "mtl/model/task_head.h"

namespace mtl {

VaHeadImpl::VaHeadImpl(int in_dim) {
  if (in_dim <= 0) throw std::invalid_argument("VA head: input size must be positive");
  fc = register_module("fc", torch::nn::Linear(in_dim, 2));
  bn = register_module("bn", torch::nn::BatchNorm1d(2));
}

torch::Tensor VaHeadImpl::forward(const torch::Tensor& x) { return torch::tanh(bn->forward(fc->forward(x))); }

namespace {

class VaTaskHead : public TaskHead {
 public:
  VaTaskHead(int in_dim, const VaHeadOptions& o) : net_(in_dim), opt_(o) {}
  const HeadKind& kind() const override { return kVaHead; }
  torch::nn::Module& module() override { return *net_; }
  HeadOptions options() const override {
    HeadOptions h;
    h.va = opt_;
    return h;
  }

  torch::Tensor targets(const FeatureRows& rows) const override {
    const int64_t n = static_cast<int64_t>(rows.size());
    auto t = torch::empty({n, 2});
    auto a = t.accessor<float, 2>();
    for (int64_t i = 0; i < n; ++i) {
      a[i][0] = rows.labels[i].va[0];
      a[i][1] = rows.labels[i].va[1];
    }
    return t;
  }

  torch::Tensor forward(const torch::Tensor& x, const UpstreamOutputs&) override { return net_->forward(x); }
  torch::Tensor loss(const torch::Tensor& out, const torch::Tensor& y) const override { return va_loss(out, y); }

  double score(const torch::Tensor& out, const torch::Tensor& y) const override {
    auto o = out.accessor<float, 2>();
    auto t = y.accessor<float, 2>();
    ScoreAccumulator acc;
    for (int64_t i = 0; i < out.size(0); ++i) acc.add_va({t[i][0], t[i][1]}, {o[i][0], o[i][1]});
    return acc.compute().p_va.value_or(0.0);
  }

  void fill(const float*, const float* pred, Prediction& p) const override {
    p.va = std::array<float, 2>{pred[0], pred[1]};
  }

  // VaHeadImpl::forward: x [B,D] -> [B,2].
  std::string script_forward() const override {
    return "def forward(self, x: Tensor) -> Tensor:\n"
           "    return torch.tanh(" + script_batch_norm("torch.linear(x, self.fc.weight, self.fc.bias)", "bn") + ")\n";
  }

 private:
  VaHead net_;
  VaHeadOptions opt_;
};

}  // namespace

std::unique_ptr<TaskHead> make_va_head(int in_dim, const VaHeadOptions& o) {
  return std::make_unique<VaTaskHead>(in_dim, o);
}

const HeadKind kVaHead{"va-linear", Task::VA, "a linear layer, batch norm and tanh",
                       [](int in_dim, const HeadOptions& o) { return make_va_head(in_dim, o.va); }, va_linear_settings};

}  // namespace mtl
