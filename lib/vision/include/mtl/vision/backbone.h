// A frozen TorchScript backbone: float batch [B,3,S,S] in, features [B,D] (and optionally
// logits [B,L]) out. The header is free of LibTorch.
#pragma once
#include <memory>
#include <string>
#include <vector>

namespace mtl {

class Backbone {
 public:
  // Loads the TorchScript file at `path` onto `device` ("cpu" or "cuda") in evaluation mode and
  // probes it with one blank image of size S to learn D and L. Throws InputError naming the file
  // when it cannot be loaded or returns something other than a [B,D] tensor or a (features, logits) tuple.
  Backbone(const std::string& path, const std::string& device, int input_size);
  ~Backbone();
  Backbone(const Backbone&) = delete;
  Backbone& operator=(const Backbone&) = delete;

  int feature_dim() const { return feature_dim_; }
  int logits_dim() const { return logits_dim_; }  // 0 when the backbone returns features only
  const std::string& path() const { return path_; }

  // Runs the backbone on n preprocessed images (n*3*S*S floats, channel-major); replaces the
  // contents of `features` (n*D) and `logits` (n*L).
  void forward(const float* input, int n, std::vector<float>& features, std::vector<float>& logits);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
  int input_size_ = 0, feature_dim_ = 0, logits_dim_ = 0;
};

}  // namespace mtl
