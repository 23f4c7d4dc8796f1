// The temporal head kinds: the window encoder (temporal_head.h has its equations) in front of the
// task's own head.
#include "mtl/model/temporal_head.h"

#include <cmath>
#include <limits>
#include <sstream>
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
  const auto layer = [](const char* name, int l) { return name + std::to_string(l); };
  switch (opt_.encoder) {
    case TemporalEncoder::Conv:
      for (int l = 0; l < opt_.depth; ++l) {
        const int64_t d = int64_t{1} << std::min(l, 30);
        conv.push_back(register_module(layer("conv", l), torch::nn::Conv1d(torch::nn::Conv1dOptions(H, H, 3).dilation(d).padding(d))));
      }
      break;
    case TemporalEncoder::Gru:
      gru = register_module(
          "gru", torch::nn::GRU(torch::nn::GRUOptions(H, H / 2).num_layers(opt_.depth).batch_first(true).bidirectional(true)));
      break;
    case TemporalEncoder::Transformer:
      position = register_parameter("position", torch::empty({W, H}));
      for (int l = 0; l < opt_.depth; ++l) {
        qkv.push_back(register_module(layer("qkv", l), torch::nn::Linear(H, 3 * H)));
        attn_out.push_back(register_module(layer("attn_out", l), torch::nn::Linear(H, H)));
        ff_in.push_back(register_module(layer("ff_in", l), torch::nn::Linear(H, 2 * H)));
        ff_out.push_back(register_module(layer("ff_out", l), torch::nn::Linear(2 * H, H)));
        norm_a.push_back(register_module(layer("norm_a", l), torch::nn::LayerNorm(torch::nn::LayerNormOptions({H}))));
        norm_f.push_back(register_module(layer("norm_f", l), torch::nn::LayerNorm(torch::nn::LayerNormOptions({H}))));
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
      for (auto& layer : conv) c = (c + torch::relu(layer->forward(c))) * mc;
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
        auto q_k_v = qkv[l]->forward(h).view({B, W, 3, nh, hd}).permute({2, 0, 3, 1, 4});  // [3,B,nh,W,hd]
        auto scores = torch::matmul(q_k_v[0], q_k_v[1].transpose(-2, -1)) / std::sqrt(static_cast<double>(hd));
        auto att = torch::softmax(scores.masked_fill(no_key, -std::numeric_limits<float>::infinity()), -1);
        auto a = torch::matmul(att, q_k_v[2]).permute({0, 2, 1, 3}).reshape({B, W, H});  // [B,W,H]
        h = norm_a[l]->forward(h + attn_out[l]->forward(a));
        h = norm_f[l]->forward(h + ff_out[l]->forward(torch::relu(ff_in[l]->forward(h))));
      }
      break;
    }
  }
  return x.select(1, T) + out_fc->forward(h.select(1, T));
}

std::string WindowEncoderImpl::script_forward() const {
  const int64_t T = opt_.context, W = 2 * T + 1, H = opt_.width;
  const auto n = [](int64_t v) { return std::to_string(v); };
  const auto linear = [](const std::string& x, const std::string& m) {
    return "torch.linear(" + x + ", self." + m + ".weight, self." + m + ".bias)";
  };
  std::string s = "def forward(self, x: Tensor, mask: Tensor) -> Tensor:\n"
                  "    h = torch.relu(" + linear("x", "in_fc") + ") * mask.unsqueeze(-1)\n";
  switch (opt_.encoder) {
    case TemporalEncoder::Conv:
      s += "    c = h.transpose(1, 2)\n    mc = mask.unsqueeze(1)\n";
      for (int l = 0; l < opt_.depth; ++l) {
        const std::string d = n(int64_t{1} << std::min(l, 30)), m = "self.conv" + n(l);
        s += "    c = (c + torch.relu(torch.conv1d(c, " + m + ".weight, " + m + ".bias, [1], [" + d + "], [" + d +
             "]))) * mc\n";
      }
      s += "    h = c.transpose(1, 2)\n";
      break;
    case TemporalEncoder::Gru: {
      std::string params;
      for (int l = 0; l < opt_.depth; ++l)
        for (const char* dir : {"", "_reverse"})
          for (const char* w : {"weight_ih_l", "weight_hh_l", "bias_ih_l", "bias_hh_l"})
            params += std::string(params.empty() ? "" : ", ") + "self.gru." + w + n(l) + dir;
      s += "    h0 = torch.zeros([" + n(2 * opt_.depth) + ", x.size(0), " + n(H / 2) +
           "], dtype=h.dtype, device=h.device)\n"
           "    h = torch.gru(h, h0, [" + params + "], True, " + n(opt_.depth) + ", 0.0, False, True, True)[0]\n";
      break;
    }
    case TemporalEncoder::Transformer: {
      const int64_t nh = opt_.heads, hd = H / nh;
      std::ostringstream scale;
      scale.precision(17);
      scale << std::sqrt(static_cast<double>(hd));
      s += "    b = x.size(0)\n"
           "    h = h + self.position.unsqueeze(0)\n"
           "    no_key = (mask == 0).view([b, 1, 1, " + n(W) + "])\n";
      for (int l = 0; l < opt_.depth; ++l) {
        const std::string L = n(l);
        s += "    qkv = " + linear("h", "qkv" + L) + ".view([b, " + n(W) + ", 3, " + n(nh) + ", " + n(hd) +
             "]).permute([2, 0, 3, 1, 4])\n"
             "    scores = torch.matmul(qkv[0], qkv[1].transpose(-2, -1)) / " + scale.str() + "\n"
             "    att = torch.softmax(scores.masked_fill(no_key, float(\"-inf\")), -1)\n"
             "    a = torch.matmul(att, qkv[2]).permute([0, 2, 1, 3]).reshape([b, " + n(W) + ", " + n(H) + "])\n"
             "    h = torch.layer_norm(h + " + linear("a", "attn_out" + L) + ", [" + n(H) + "], self.norm_a" + L +
             ".weight, self.norm_a" + L + ".bias, 1e-05)\n"
             "    f = " + linear("torch.relu(" + linear("h", "ff_in" + L) + ")", "ff_out" + L) + "\n"
             "    h = torch.layer_norm(h + f, [" + n(H) + "], self.norm_f" + L + ".weight, self.norm_f" + L +
             ".bias, 1e-05)\n";
      }
      break;
    }
  }
  return s + "    return x.select(1, " + n(T) + ") + " + linear("h.select(1, " + n(T) + ")", "out_fc") + "\n";
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

  // forward_window: the middle 2T+1 frames of the window (padded when it is narrower), the
  // encoder, the task head.
  std::string script_forward() const override {
    const std::string T = std::to_string(context()), W = std::to_string(2 * context() + 1);
    const bool reads_au = !inner_->needs().empty();
    return std::string("def forward(self, x: Tensor, mask: Tensor") + (reads_au ? ", p_au: Tensor" : "") +
           ") -> Tensor:\n"
           "    c = x.size(1) // 2\n"
           "    if c >= " + T + ":\n"
           "        x = x.narrow(1, c - " + T + ", " + W + ")\n"
           "        mask = mask.narrow(1, c - " + T + ", " + W + ")\n"
           "    else:\n"
           "        x = torch.constant_pad_nd(x, [0, 0, " + T + " - c, " + T + " - c], 0.0)\n"
           "        mask = torch.constant_pad_nd(mask, [" + T + " - c, " + T + " - c], 0.0)\n"
           "    return self.head.forward(self.encoder.forward(x, mask)" + (reads_au ? ", p_au" : "") + ")\n";
  }
  std::vector<std::pair<std::string, std::string>> script_children() const override {
    return {{"encoder", encoder_->script_forward()}, {"head", inner_->script_forward()}};
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
