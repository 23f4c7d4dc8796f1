// A frozen TorchScript backbone: float batch [B,3,S,S] in, features [B,D] (and optionally
// logits [B,L]) out, on the CPU or a CUDA device. The header is free of LibTorch.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace mtl {

struct BackboneOptions {
  std::string device = "cpu";  // "cpu" or "cuda" (already resolved: see resolve_device)
  int input_size = 224;        // S
  bool fp16 = false;           // weights and activations in half precision (CUDA only); outputs stay float32
  bool channels_last = false;  // activations in NHWC order (faster convolutions on tensor cores)
  bool optimize = true;        // freeze the module and fold batch norm into the convolutions
  // Throws UsageError for settings the device cannot run (fp16 on the CPU).
  void check() const;
};

// Host memory for one batch of preprocessed images. On CUDA it is page-locked, so that its copy
// to the device runs asynchronously; elsewhere ordinary memory.
class HostBuffer {
 public:
  HostBuffer() = default;
  float* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  friend class Backbone;
  float* data_ = nullptr;
  size_t size_ = 0;
  std::shared_ptr<void> owner_;
};

class Backbone {
 public:
  // Loads the TorchScript file at `path` onto o.device in evaluation mode, prepares it for inference
  // and probes it with one blank image of size S to learn D and L. Throws InputError naming the file
  // when it cannot be loaded or returns something other than a [B,D] tensor or a (features, logits)
  // tuple; UsageError when o.check() fails.
  Backbone(const std::string& path, const BackboneOptions& o);
  ~Backbone();
  Backbone(const Backbone&) = delete;
  Backbone& operator=(const Backbone&) = delete;

  int feature_dim() const { return feature_dim_; }
  int logits_dim() const { return logits_dim_; }  // 0 when the backbone returns features only
  const std::string& path() const { return path_; }
  const BackboneOptions& options() const { return opt_; }

  // A buffer for `images` preprocessed images, suited to the device (see HostBuffer).
  HostBuffer host_buffer(int images) const;

  // Runs the backbone on n preprocessed images (n*3*S*S floats, channel-major; from host_buffer()
  // for an asynchronous copy to a GPU); replaces the contents of `features` (n*D) and `logits` (n*L)
  // with float32 values. `input` may be reused as soon as this returns.
  void forward(const float* input, int n, std::vector<float>& features, std::vector<float>& logits);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
  BackboneOptions opt_;
  int feature_dim_ = 0, logits_dim_ = 0;
};

}  // namespace mtl
