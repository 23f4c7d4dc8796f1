// Head checkpoints: a LibTorch archive (opens in Python with torch.jit.load) holding one head's
// parameters and buffers under stable names, plus a JSON string attribute "metadata" with the task,
// input size, every hyperparameter, thresholds, class names and the training data's identity.
// This header includes LibTorch.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "mtl/feature_store.h"
#include "mtl/heads.h"

namespace mtl {

constexpr int kCheckpointFormatVersion = 1;

// One loaded head; exactly one of au/ex/va is set, according to `task`.
struct HeadCheckpoint {
  std::string task;  // "au", "ex" or "va"
  nlohmann::json meta;
  AuHead au{nullptr};
  ExHead ex{nullptr};
  VaHead va{nullptr};
  torch::nn::Module& module();
  int in_dim() const { return meta.at("in_dim").get<int>(); }
  bool with_logits() const { return meta.at("input").get<std::string>() == "features+logits"; }
};

// Builds an untrained head of `task` from the hyperparameters in `meta` (the checkpoint's metadata).
HeadCheckpoint build_head(const std::string& task, const nlohmann::json& meta);

// Writes the head and `meta` to `path` through a temporary file and a rename. Throws OutputError.
void save_checkpoint(const std::string& path, torch::nn::Module& head, const nlohmann::json& meta);

// Loads a checkpoint; `expect_task` ("au", "ex", "va" or "") is checked. Throws InputError naming the
// file when it is not a checkpoint of this toolkit, of another task, or of an unknown version.
HeadCheckpoint load_checkpoint(const std::string& path, const std::string& expect_task);

// The head's input for rows of a store: the features, with the logits appended when `with_logits`.
// Throws InputError naming `source` when the rows lack logits or have another size than `in_dim`.
torch::Tensor head_input(const FeatureRows& rows, bool with_logits, int in_dim, const std::string& source,
                         const std::string& checkpoint);

}  // namespace mtl
