// The TorchScript backbone runner.
#include "mtl/vision/backbone.h"

#include <torch/script.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "mtl/core/error.h"
#include "mtl/core/log.h"
#include "torchscript_file.h"

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
  if (feats.size(1) == 0) throw InputError(path + ": the backbone gives 0 features per image");
  if (logits.defined() && logits.dim() != 2) throw InputError(path + ": the backbone's logits are not a [B,L] tensor");
  if (!feats.is_floating_point() || (logits.defined() && !logits.is_floating_point()))
    throw InputError(path + ": the backbone's output is not floating point");
}

// Copies a [B,K] output to `out` as float32 on the host; returns K.
int copy_out(torch::Tensor t, std::vector<float>& out) {
  t = t.to(torch::kCPU, torch::kFloat32).contiguous();
  out.resize(static_cast<size_t>(t.numel()));
  if (!out.empty()) std::memcpy(out.data(), t.data_ptr<float>(), out.size() * sizeof(float));
  return static_cast<int>(t.size(1));
}

// Half precision and NHWC weights, then freezing (weights become constants, batch norm folds into
// the convolutions). A module that cannot be frozen runs as it is.
void prepare(torch::jit::Module& m, const BackboneOptions& o, const std::string& path) {
  m.eval();
  if (o.fp16) m.to(torch::kHalf);
  if (o.channels_last) {
    torch::NoGradGuard ng;
    for (auto p : m.parameters())
      if (p.dim() == 4) p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
  }
  if (!o.optimize) return;
  try {
    auto frozen = torch::jit::freeze(m);
    m = torch::jit::optimize_for_inference(frozen);
  } catch (const c10::Error& e) {
    logging::debug(path + ": runs unfrozen: " + first_line(e));
  }
}

const char kConvertHint[] = "; convert it with share/mtl/convert_hsemotion.py (see mtl-extract(1))";

// Reads mtl_backbone.json, which convert_hsemotion.py stores in the archive; missing: an empty record.
BackboneRecord parse_record(const std::string& text, const std::string& path) {
  BackboneRecord r;
  if (text.empty()) return r;
  try {
    const auto j = nlohmann::json::parse(text);
    r.input_size = j.value("input_size", 0);
    if (j.contains("mean") && j.contains("std")) {
      r.mean = j.at("mean").get<std::array<float, 3>>();
      r.std = j.at("std").get<std::array<float, 3>>();
      r.has_norm = true;
    }
    r.source_sha256 = j.value("source_sha256", std::string());
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path + ": mtl_backbone.json in the archive is malformed: " + e.what());
  }
  if (r.input_size < 0 || r.input_size > 4096)
    throw InputError(path + ": mtl_backbone.json records input size " + std::to_string(r.input_size));
  return r;
}

// The input size to run: the recorded one when asked for, and a given one must not contradict it.
int choose_size(const BackboneOptions& o, const BackboneRecord& r, const std::string& path) {
  if (r.input_size == 0) return o.input_size;
  if (o.size_from_file) return r.input_size;
  if (o.input_size != r.input_size)
    throw UsageError("--size " + std::to_string(o.input_size) + " contradicts the input size " +
                     std::to_string(r.input_size) + " recorded in " + path + "; leave --size out");
  return o.input_size;
}

}  // namespace

void BackboneOptions::check() const {
  if (fp16 && device != "cuda") throw UsageError("--fp16 needs a CUDA device (--device cuda)");
}

Backbone::Backbone(const std::string& path, const BackboneOptions& o) : impl_(new Impl), path_(path), opt_(o) {
  o.check();
  impl_->device = o.device == "cuda" ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  std::string record;
  impl_->module = load_torchscript(path, impl_->device, "mtl_backbone.json", record, "backbone", kConvertHint);
  record_ = parse_record(record, path);
  opt_.input_size = choose_size(o, record_, path);
  prepare(impl_->module, o, path);
  std::vector<float> f, l;
  HostBuffer blank = host_buffer(1);
  std::fill_n(blank.data(), blank.size(), 0.0f);
  forward(blank.data(), 1, f, l);
  if (feature_dim_ <= kMaxLogitsOnlyWidth)
    throw InputError(path + ": the backbone returns " + std::to_string(feature_dim_) +
                     (logits_dim_ > 0 ? " features (and logits)" : " values") +
                     " per image: class logits, not features (a backbone gives hundreds)" + kConvertHint +
                     ", which returns (features, logits)");
}

Backbone::~Backbone() = default;

HostBuffer Backbone::host_buffer(int images) const {
  HostBuffer b;
  b.size_ = 3 * static_cast<size_t>(opt_.input_size) * opt_.input_size * std::max(images, 0);
  auto t = std::make_shared<torch::Tensor>(torch::empty(
      {static_cast<int64_t>(b.size_)}, torch::TensorOptions().dtype(torch::kFloat32).pinned_memory(impl_->device.is_cuda())));
  b.data_ = t->data_ptr<float>();
  b.owner_ = t;
  return b;
}

void Backbone::forward(const float* input, int n, std::vector<float>& features, std::vector<float>& logits) {
  c10::InferenceMode inference;
  const int s = opt_.input_size;
  auto x = torch::from_blob(const_cast<float*>(input), {n, 3, s, s}, torch::kFloat32);
  if (impl_->device.is_cuda()) x = x.to(impl_->device, /*non_blocking=*/true);  // async from a pinned buffer
  if (opt_.fp16) x = x.to(torch::kHalf);
  if (opt_.channels_last) x = x.contiguous(at::MemoryFormat::ChannelsLast);
  c10::IValue out;
  try {
    out = impl_->module.forward({x});
  } catch (const std::exception& e) {
    throw InputError(path_ + ": the backbone's forward failed on input [" + std::to_string(n) + ",3," +
                     std::to_string(s) + "," + std::to_string(s) + "]: " + first_line(e));
  }
  torch::Tensor f, l;
  split_output(out, path_, f, l);
  if (f.size(0) != n || (l.defined() && l.size(0) != n))
    throw InputError(path_ + ": the backbone returned a batch of " + std::to_string(f.size(0)) + " features" +
                     (l.defined() ? " and " + std::to_string(l.size(0)) + " logits" : std::string()) + " for " +
                     std::to_string(n) + " images");
  const bool first = feature_dim_ == 0;
  const int fd = copy_out(f, features);  // waits for the device
  const int ld = l.defined() ? copy_out(l, logits) : 0;
  if (!l.defined()) logits.clear();
  if (!first && (fd != feature_dim_ || ld != logits_dim_))
    throw InputError(path_ + ": the backbone gave " + std::to_string(fd) + " features and " + std::to_string(ld) +
                     " logits per image, after " + std::to_string(feature_dim_) + " and " + std::to_string(logits_dim_) +
                     " for an earlier batch");
  feature_dim_ = fd;
  logits_dim_ = ld;
}

}  // namespace mtl
