// The TorchScript backbone runner.
#include "mtl/vision/backbone.h"

#include <torch/script.h>

#include <cstring>

#include "mtl/core/error.h"

namespace mtl {

struct Backbone::Impl {
  torch::jit::Module module;
  torch::Device device{torch::kCPU};
};

namespace {
// Splits the backbone's output into features and (possibly undefined) logits.
void split_output(const c10::IValue& out, const std::string& path, torch::Tensor& feats, torch::Tensor& logits) {
  if (out.isTensor()) {
    feats = out.toTensor();
  } else if (out.isTuple() && out.toTuple()->elements().size() == 2 && out.toTuple()->elements()[0].isTensor() &&
             out.toTuple()->elements()[1].isTensor()) {
    feats = out.toTuple()->elements()[0].toTensor();
    logits = out.toTuple()->elements()[1].toTensor();
  } else {
    throw InputError(path + ": the backbone must return a [B,D] tensor or a (features, logits) tuple");
  }
  if (feats.dim() != 2) throw InputError(path + ": the backbone's features are not a [B,D] tensor");
  if (logits.defined() && logits.dim() != 2) throw InputError(path + ": the backbone's logits are not a [B,L] tensor");
}
}  // namespace

Backbone::Backbone(const std::string& path, const std::string& device, int input_size)
    : impl_(new Impl), path_(path), input_size_(input_size) {
  impl_->device = device == "cuda" ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  try {
    impl_->module = torch::jit::load(path, impl_->device);
  } catch (const c10::Error& e) {
    std::string msg = e.what_without_backtrace();
    throw InputError(path + ": cannot load TorchScript backbone: " + msg.substr(0, msg.find('\n')));
  }
  impl_->module.eval();
  std::vector<float> f, l;
  std::vector<float> blank(3 * static_cast<size_t>(input_size) * input_size, 0.0f);
  forward(blank.data(), 1, f, l);
}

Backbone::~Backbone() = default;

void Backbone::forward(const float* input, int n, std::vector<float>& features, std::vector<float>& logits) {
  torch::NoGradGuard no_grad;
  auto x = torch::from_blob(const_cast<float*>(input), {n, 3, input_size_, input_size_}, torch::kFloat32);
  if (impl_->device.is_cuda()) x = x.to(impl_->device, /*non_blocking=*/false);
  c10::IValue out;
  try {
    out = impl_->module.forward({x});
  } catch (const c10::Error& e) {
    std::string msg = e.what_without_backtrace();
    throw InputError(path_ + ": the backbone's forward failed on input [" + std::to_string(n) + ",3," +
                     std::to_string(input_size_) + "," + std::to_string(input_size_) +
                     "]: " + msg.substr(0, msg.find('\n')));
  }
  torch::Tensor f, l;
  split_output(out, path_, f, l);
  f = f.to(torch::kCPU, torch::kFloat32).contiguous();
  if (f.size(0) != n) throw InputError(path_ + ": the backbone returned a batch of a different size");
  feature_dim_ = static_cast<int>(f.size(1));
  features.resize(static_cast<size_t>(f.numel()));
  std::memcpy(features.data(), f.data_ptr<float>(), features.size() * sizeof(float));
  if (l.defined()) {
    l = l.to(torch::kCPU, torch::kFloat32).contiguous();
    logits_dim_ = static_cast<int>(l.size(1));
    logits.resize(static_cast<size_t>(l.numel()));
    std::memcpy(logits.data(), l.data_ptr<float>(), logits.size() * sizeof(float));
  } else {
    logits_dim_ = 0;
    logits.clear();
  }
}

}  // namespace mtl
