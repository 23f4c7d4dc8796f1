// The temporal head kinds ("au-temporal", "ex-temporal", "va-temporal"): an encoder over a window
// of frames whose output for the centre frame feeds the task's own head (ANFL for AU, the cross
// attention on the AU head's centre output for EX, linear + tanh for VA). This header includes
// LibTorch.
//
// For a window x [B,W,D] (W = 2T+1, frame t-T first) with mask m [B,W] (1 a frame, 0 none):
//   h_0 = ReLU(x W_in^T + b_in) * m                                            [B,W,H]
//   conv:        h_l = (h_{l-1} + ReLU(conv1d_l(h_{l-1}))) * m, kernel 3, dilation 2^(l-1), zero padding
//   gru:         h   = a bidirectional GRU over h_0, H/2 per direction, `depth` layers (PyTorch's
//                equations: gates r, z, n; the state starts at 0 at both ends of the window)
//   transformer: h_0 += P (a learned [W,H] position table), then per layer, with the missing frames
//                left out as keys:  h = LN(h + MHA(h)),  h = LN(h + W_2 ReLU(W_1 h + b_1) + b_2)
//                (MHA: `heads` heads of H/heads, scaled dot products, one output projection; W_1 H -> 2H)
//   y = x_t + W_out g + b_out, g the encoder's output at the centre frame t;   y [B,D]
// W_out and b_out start at zero, so that an untrained temporal head is its per-frame head; y is
// the task head's input. Its parameters are saved as "encoder.*" (in_fc, out_fc, convL, gru,
// position, qkvL, attn_outL, ff_inL, ff_outL, norm_aL, norm_fL with L the layer from 0) and
// "head.*" (the task head's names).
#pragma once
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "mtl/model/hyperparameters.h"

namespace mtl {

class TaskHead;
struct HeadKind;

class WindowEncoderImpl : public torch::nn::Module {
 public:
  // Throws std::invalid_argument for in_dim <= 0 or options that fail TemporalOptions::check.
  WindowEncoderImpl(int in_dim, const TemporalOptions& o);
  // x [B,2T+1,D], mask [B,2T+1] -> y [B,D] (the task head's input for the centre frames).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask);
  const TemporalOptions& options() const { return opt_; }
  // forward() as TorchScript source over the submodules' names (for mtl-export's model).
  std::string script_forward() const;

  // Submodules under their saved names; L counts layers from 0.
  torch::nn::Linear in_fc{nullptr}, out_fc{nullptr};  // W_in, W_out
  std::vector<torch::nn::Conv1d> conv;                // conv: "convL"
  torch::nn::GRU gru{nullptr};                        // gru: "gru"
  torch::Tensor position;                             // transformer: "position" [W,H]
  // transformer, per layer: "qkvL" H -> 3H, "attn_outL" H -> H, "ff_inL" H -> 2H, "ff_outL" 2H -> H
  std::vector<torch::nn::Linear> qkv, attn_out, ff_in, ff_out;
  std::vector<torch::nn::LayerNorm> norm_a, norm_f;  // "norm_aL" after attention, "norm_fL" after the feed-forward

 private:
  TemporalOptions opt_;
};
TORCH_MODULE(WindowEncoder);

extern const HeadKind kAuTemporalHead, kExTemporalHead, kVaTemporalHead;

}  // namespace mtl
