// A frozen TorchScript backbone: float batch [B,3,S,S] in, features [B,D] (and optionally
// logits [B,L]) out, on the CPU or a CUDA device. The header is free of LibTorch.
#pragma once
#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace mtl {

// The largest number of values per image that reads as class logits rather than features: HSEmotion's
// and EmotiEffLib's heads give 7 or 8 expression logits (10 with valence and arousal), a backbone's
// features number hundreds (1280 for EfficientNet-B0, 1408 for B2).
constexpr int kMaxLogitsOnlyWidth = 16;

// What convert_hsemotion.py records inside a backbone (the archive's extra file mtl_backbone.json).
struct BackboneRecord {
  int input_size = 0;  // S, 0 when not recorded
  bool has_norm = false;
  std::array<float, 3> mean{}, std{};
  std::string source_sha256;  // of the checkpoint it was converted from
};

struct BackboneOptions {
  std::string device = "cpu";  // "cpu" or "cuda" (already resolved: see resolve_device)
  int input_size = 224;        // S
  bool size_from_file = false; // take S from the backbone's record when it has one (else input_size)
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
  // and probes it with one blank image of size S to learn D and L. S is the recorded input size when
  // o.size_from_file and the file records one. Throws InputError naming the file when it is not
  // TorchScript (a pickled torch.save model, random bytes: with a hint to convert it), cannot be
  // loaded, returns something other than a [B,D] tensor or a (features, logits) tuple, or returns at
  // most kMaxLogitsOnlyWidth values (logits only); UsageError when o.check() fails or o.input_size
  // contradicts the recorded size.
  Backbone(const std::string& path, const BackboneOptions& o);
  ~Backbone();
  Backbone(const Backbone&) = delete;
  Backbone& operator=(const Backbone&) = delete;

  int feature_dim() const { return feature_dim_; }
  int logits_dim() const { return logits_dim_; }  // 0 when the backbone returns features only
  const std::string& path() const { return path_; }
  const BackboneOptions& options() const { return opt_; }  // input_size: the size in use
  const BackboneRecord& record() const { return record_; }

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
  BackboneRecord record_;
  int feature_dim_ = 0, logits_dim_ = 0;
};

}  // namespace mtl
