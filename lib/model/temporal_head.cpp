// The temporal head kinds: the window encoder (temporal_head.h has its equations) in front of the
// task's own head.
#include "mtl/model/temporal_head.h"

#include <cmath>
#include <stdexcept>

#include "mtl/model/au_head.h"
#include "mtl/model/ex_head.h"
#include "mtl/model/task_head.h"
#include "mtl/model/va_head.h"

namespace mtl {

WindowEncoderImpl::WindowEncoderImpl(int in_dim, const TemporalOptions& o) : opt_(o.resolved()) {
  if (in_dim <= 0) throw std::invalid_argument("temporal head: input size must be positive");
  opt_.check();
  if (opt_.context < 1) throw std::invalid_argument("temporal head: context must be at least 1");
  const int64_t H = opt_.width, W = 2 * opt_.context + 1;
  in_fc = register_module("in_fc", torch::nn::Linear(in_dim, H));
  switch (opt_.encoder) {
    case TemporalEncoder::Conv:
      convs = register_module("convs", torch::nn::ModuleList());
      for (int l = 0; l < opt_.depth; ++l) {
        const int64_t d = int64_t{1} << std::min(l, 30);
        convs->push_back(torch::nn::Conv1d(torch::nn::Conv1dOptions(H, H, 3).dilation(d).padding(d)));
      }
      break;
    case TemporalEncoder::Gru:
      gru = register_module(
          "gru", torch::nn::GRU(torch::nn::GRUOptions(H, H / 2).num_layers(opt_.depth).batch_first(true).bidirectional(true)));
      break;
    case TemporalEncoder::Transformer:
      position = register_parameter("position", torch::empty({W, H}));
      qkv = register_module("qkv", torch::nn::ModuleList());
      proj = register_module("proj", torch::nn::ModuleList());
      ff1 = register_module("ff1", torch::nn::ModuleList());
      ff2 = register_module("ff2", torch::nn::ModuleList());
      ln1 = register_module("ln1", torch::nn::ModuleList());
      ln2 = register_module("ln2", torch::nn::ModuleList());
      for (int l = 0; l < opt_.depth; ++l) {
        qkv->push_back(torch::nn::Linear(H, 3 * H));
        proj->push_back(torch::nn::Linear(H, H));
        ff1->push_back(torch::nn::Linear(H, 2 * H));
        ff2->push_back(torch::nn::Linear(2 * H, H));
        ln1->push_back(torch::nn::LayerNorm(torch::nn::LayerNormOptions({H})));
        ln2->push_back(torch::nn::LayerNorm(torch::nn::LayerNormOptions({H})));
      }
      break;
  }
  out_fc = register_module("out_fc", torch::nn::Linear(H, in_dim));
  torch::NoGradGuard ng;
  if (position.defined()) position.normal_(0, 0.02);
  out_fc->weight.zero_();
  out_fc->bias.zero_();
}

torch::Tensor WindowEncoderImpl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
  const int64_t B = x.size(0), W = x.size(1), T = opt_.context, H = opt_.width;
  if (W != 2 * T + 1) throw std::invalid_argument("temporal head: a window of " + std::to_string(W) + " frames, not " +
                                                  std::to_string(2 * T + 1));
  const auto m = mask.unsqueeze(-1);                  // [B,W,1]
  auto h = torch::relu(in_fc->forward(x)) * m;           // [B,W,H]
  switch (opt_.encoder) {
    case TemporalEncoder::Conv: {
      auto c = h.transpose(1, 2);                     // [B,H,W]
      const auto mc = mask.unsqueeze(1);              // [B,1,W]
      for (const auto& layer : *convs) c = (c + torch::relu(layer->as<torch::nn::Conv1d>()->forward(c))) * mc;
      h = c.transpose(1, 2);
      break;
    }
    case TemporalEncoder::Gru:
      h = std::get<0>(gru->forward(h));
      break;
    case TemporalEncoder::Transformer: {
      const int64_t nh = opt_.heads, hd = H / nh;
      h = h + position.unsqueeze(0);
      // Missing frames are no keys: -inf before the softmax. The centre frame is always there.
      const auto no_key = (mask == 0).view({B, 1, 1, W});
      for (int l = 0; l < opt_.depth; ++l) {
        auto q_k_v = qkv[l]->as<torch::nn::Linear>()->forward(h).view({B, W, 3, nh, hd}).permute({2, 0, 3, 1, 4});
        auto scores = torch::matmul(q_k_v[0], q_k_v[1].transpose(-2, -1)) / std::sqrt(static_cast<double>(hd));
        auto att = torch::softmax(scores.masked_fill(no_key, -std::numeric_limits<float>::infinity()), -1);
        auto a = torch::matmul(att, q_k_v[2]).permute({0, 2, 1, 3}).reshape({B, W, H});  // [B,W,H]
        h = ln1[l]->as<torch::nn::LayerNorm>()->forward(h + proj[l]->as<torch::nn::Linear>()->forward(a));
        auto f = ff2[l]->as<torch::nn::Linear>()->forward(torch::relu(ff1[l]->as<torch::nn::Linear>()->forward(h)));
        h = ln2[l]->as<torch::nn::LayerNorm>()->forward(h + f);
      }
      break;
    }
  }
  return x.select(1, T) + out_fc->forward(h.select(1, T));
}

namespace {

// The task's own head behind the window encoder.
class TemporalTaskHead : public TaskHead {
 public:
  TemporalTaskHead(const HeadKind& kind, int in_dim, const HeadOptions& o)
      : kind_(kind), inner_(default_head_kind(kind.task).make(in_dim, o)), encoder_(in_dim, o.temporal) {
    net_ = std::make_shared<torch::nn::Module>();
    net_->register_module("encoder", encoder_.ptr());
    net_->register_module("head", inner_->module().shared_from_this());
  }
  const HeadKind& kind() const override { return kind_; }
  torch::nn::Module& module() override { return *net_; }
  HeadOptions options() const override {
    HeadOptions h = inner_->options();
    h.temporal = encoder_->options();
    return h;
  }
  int context() const override { return encoder_->options().context; }

  torch::Tensor targets(const FeatureRows& rows) const override { return inner_->targets(rows); }
  std::vector<float> fit_loss_weights(const torch::Tensor& targets) override { return inner_->fit_loss_weights(targets); }

  torch::Tensor forward(const torch::Tensor& x, const UpstreamOutputs& up) override {
    return forward_window(x.unsqueeze(1), torch::ones({x.size(0), 1}, x.options()), up);
  }
  torch::Tensor forward_window(const torch::Tensor& x, const torch::Tensor& mask, const UpstreamOutputs& up) override {
    const int64_t T = context(), W = x.size(1), c = W / 2;
    torch::Tensor xw = x, mw = mask;
    if (c >= T) {  // the middle 2T+1 frames
      xw = x.narrow(1, c - T, 2 * T + 1);
      mw = mask.narrow(1, c - T, 2 * T + 1);
    } else {       // padded with missing frames
      const int64_t pad = T - c;
      xw = torch::constant_pad_nd(x, {0, 0, pad, pad});
      mw = torch::constant_pad_nd(mask, {pad, pad});
    }
    return inner_->forward(encoder_->forward(xw, mw), up);
  }
  torch::Tensor loss(const torch::Tensor& out, const torch::Tensor& y) const override { return inner_->loss(out, y); }
  torch::Tensor prediction(const torch::Tensor& out) const override { return inner_->prediction(out); }
  double score(const torch::Tensor& out, const torch::Tensor& y) const override { return inner_->score(out, y); }
  void fill(const float* out, const float* pred, Prediction& p) const override { inner_->fill(out, pred, p); }

  std::string script_forward() const override {
    throw std::invalid_argument(std::string("the ") + kind_.name + " head cannot be exported yet");
  }

 private:
  const HeadKind& kind_;
  std::unique_ptr<TaskHead> inner_;
  WindowEncoder encoder_;
  std::shared_ptr<torch::nn::Module> net_;
};

}  // namespace

const HeadKind kAuTemporalHead{"au-temporal", Task::AU, "a window encoder in front of the ANFL head",
                               [](int in_dim, const HeadOptions& o) -> std::unique_ptr<TaskHead> {
                                 return std::make_unique<TemporalTaskHead>(kAuTemporalHead, in_dim, o);
                               },
                               au_temporal_settings};
const HeadKind kExTemporalHead{"ex-temporal", Task::EX, "a window encoder in front of the expression head",
                               [](int in_dim, const HeadOptions& o) -> std::unique_ptr<TaskHead> {
                                 return std::make_unique<TemporalTaskHead>(kExTemporalHead, in_dim, o);
                               },
                               ex_temporal_settings};
const HeadKind kVaTemporalHead{"va-temporal", Task::VA, "a window encoder in front of the valence-arousal head",
                               [](int in_dim, const HeadOptions& o) -> std::unique_ptr<TaskHead> {
                                 return std::make_unique<TemporalTaskHead>(kVaTemporalHead, in_dim, o);
                               },
                               va_temporal_settings};

}  // namespace mtl
