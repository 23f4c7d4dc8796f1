// The EX head: logits with cross attention on the AU output, and its TaskHead (class-weighted CE,
// P_EX, probabilities by softmax).
#include "mtl/model/ex_head.h"

#include <stdexcept>

#include "mtl/core/metrics.h"
#include "mtl/model/losses.h"
#include "mtl/model/task_head.h"

namespace mtl {

ExHeadImpl::ExHeadImpl(int in_dim, const ExHeadOptions& o) : opt_(o) {
  if (in_dim <= 0) throw std::invalid_argument("EX head: input size must be positive");
  opt_.check();
  fc = register_module("fc", torch::nn::Linear(in_dim, kNumEX));
  auto nobias = [](int i, int o) { return torch::nn::Linear(torch::nn::LinearOptions(i, o).bias(false)); };
  if (opt_.attention == Attention::Paper) {
    att_q = register_module("att_q", nobias(kNumAU, kNumEX));  // W_q p_AU
    att_k = register_module("att_k", nobias(kNumEX, kNumEX));  // W_k z
  } else if (opt_.attention == Attention::Additive) {
    att_q = register_module("att_q", nobias(kNumAU, opt_.attention_hidden));  // W_q p_AU
    att_k = register_module("att_k", nobias(1, opt_.attention_hidden));       // W_k z_j
    att_v = register_module("att_v", nobias(opt_.attention_hidden, 1));       // w_v
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
    case Attention::None:
      break;
  }
  return z;
}

namespace {

class ExTaskHead : public TaskHead {
 public:
  ExTaskHead(int in_dim, const ExHeadOptions& o) : net_(in_dim, o) {}
  const HeadKind& kind() const override { return kExHead; }
  torch::nn::Module& module() override { return *net_; }
  HeadOptions options() const override {
    HeadOptions h;
    h.ex = net_->options();
    return h;
  }

  torch::Tensor targets(const FeatureRows& rows) const override {
    const int64_t n = static_cast<int64_t>(rows.size());
    auto t = torch::empty({n}, torch::kInt64);
    auto a = t.accessor<int64_t, 1>();
    for (int64_t i = 0; i < n; ++i) a[i] = rows.labels[i].ex;
    return t;
  }

  std::vector<float> fit_loss_weights(const torch::Tensor& y) override {
    weights_ = ex_weights(y);
    return float_values(weights_);
  }

  torch::Tensor forward(const torch::Tensor& x, const UpstreamOutputs& up) override {
    auto it = up.find(Task::AU);
    if (it != up.end()) return net_->forward(x, it->second);
    if (!needs().empty()) throw std::logic_error("the EX head's attention needs the AU head's output");
    return net_->forward(x, torch::Tensor());
  }
  torch::Tensor loss(const torch::Tensor& out, const torch::Tensor& y) const override {
    return ex_loss(out, y, weights_, net_->options().loss_mean);
  }
  torch::Tensor prediction(const torch::Tensor& out) const override { return torch::softmax(out, 1); }

  double score(const torch::Tensor& out, const torch::Tensor& y) const override {
    auto pred_t = out.argmax(1);
    auto pred = pred_t.accessor<int64_t, 1>();
    auto t = y.accessor<int64_t, 1>();
    ScoreAccumulator acc;
    for (int64_t i = 0; i < out.size(0); ++i) acc.add_ex(static_cast<int>(t[i]), static_cast<int>(pred[i]));
    return acc.compute().p_ex.value_or(0.0);
  }

  void fill(const float* out, const float* pred, Prediction& p) const override {
    std::array<float, kNumEX> prob;
    int best = 0;  // the first of equal logits, as torch's argmax in score()
    for (int c = 0; c < kNumEX; ++c) {
      prob[c] = pred[c];
      if (out[c] > out[best]) best = c;
    }
    p.ex = best;
    p.ex_prob = prob;
  }

  // ExHeadImpl::forward: x [B,D] (and p_au [B,12] with attention) -> attended logits [B,8].
  std::string script_forward() const override {
    const ExHeadOptions& o = net_->options();
    std::string s = o.attention == Attention::None ? "def forward(self, x: Tensor) -> Tensor:\n"
                                                   : "def forward(self, x: Tensor, p_au: Tensor) -> Tensor:\n";
    s += "    z = torch.linear(x, self.fc.weight, self.fc.bias)\n";
    switch (o.attention) {
      case Attention::Paper:
        return s + "    return torch.tanh(torch.linear(p_au, self.att_q.weight, None) + "
                   "torch.linear(z, self.att_k.weight, None)) * z\n";
      case Attention::Additive:
        return s + "    h = torch.tanh(torch.linear(p_au, self.att_q.weight, None).unsqueeze(1) + "
                   "torch.linear(z.unsqueeze(-1), self.att_k.weight, None))\n"
                   "    alpha = torch.softmax(torch.linear(h, self.att_v.weight, None).squeeze(-1), -1)\n"
                   "    return alpha * z\n";
      case Attention::None: break;
    }
    return s + "    return z\n";
  }

 private:
  ExHead net_;
  torch::Tensor weights_;
};

}  // namespace

std::unique_ptr<TaskHead> make_ex_head(int in_dim, const ExHeadOptions& o) {
  return std::make_unique<ExTaskHead>(in_dim, o);
}

const HeadKind kExHead{"ex-attention", Task::EX, "expression logits with cross attention on the AU probabilities",
                       [](int in_dim, const HeadOptions& o) { return make_ex_head(in_dim, o.ex); }, ex_attention_settings};

}  // namespace mtl
