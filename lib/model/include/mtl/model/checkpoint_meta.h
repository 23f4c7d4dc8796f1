// The metadata of a head checkpoint: what the head is, what it was trained on and how. This
// struct and its source file are the only place that knows the metadata's JSON keys.
// No LibTorch here.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mtl/core/labels.h"
#include "mtl/model/hyperparameters.h"

namespace mtl {

constexpr int kCheckpointFormatVersion = 1;

// The identity of one feature store a head was trained or validated on.
struct StoreIdentity {
  std::string path;
  size_t rows = 0;           // rows in the store
  size_t labelled_rows = 0;  // rows with the task's label
  std::string backbone_sha256;
  std::string resize;  // how its images were resized ("pil", "opencv"); empty in older checkpoints
};

// A checkpoint of another head that this head read while training (EX: the frozen AU head).
struct UpstreamCheckpoint {
  std::string path;
  std::string sha256;
};

struct CheckpointMeta {
  Task task = Task::AU;
  // The head's kind (HeadKind::name) when it is not the task's default; empty for the default kind,
  // which every checkpoint before head kinds holds, so that their bytes stay as they were.
  std::string head_kind;
  // The head's input: in_dim = feature_dim + logits_dim (logits_dim is 0 without logits).
  int in_dim = 0, feature_dim = 0, logits_dim = 0;
  bool with_logits = false;
  HeadOptions head;  // the task's part, with "0 means" values resolved
  TrainRecipe recipe;
  uint64_t seed = 1;
  int threads = 0;
  std::vector<StoreIdentity> train_data, val_data;
  std::string data_sha256;                       // of the training inputs and targets
  std::map<Task, UpstreamCheckpoint> upstream;   // heads this head read while training
  std::vector<float> loss_weights;               // empty when the task's loss has none
  int best_epoch = 0;
  std::optional<double> val_score;               // the task's score at the best epoch
  std::string toolkit_version;
  std::string weights_sha256;  // of the head's tensors (see weights_sha256()); empty in older checkpoints
  // Decision thresholds tuned on validation (mtl-tune --store); absent in untuned and older checkpoints.
  std::optional<std::array<float, kNumAU>> au_thresholds;  // AU head only: AU i present when p_i >= it
  std::optional<std::array<float, kNumEX>> ex_offsets;     // EX head only: added to log p before the argmax
  // SHA-256 of the file as its trainer wrote it, set when thresholds are first stored into it: a head
  // trained on this one (EX on AU) records that, and still finds its upstream after a store.
  std::string trained_sha256;
  // After joint fine-tuning (mtl-train-joint): its record, a JSON object as text ("" for none).
  std::string joint;

  // The metadata as one JSON object (keys sorted, so that the same head gives the same bytes).
  std::string to_json() const;
  // Parses and checks metadata read from `source`. Throws InputError naming `source` when the
  // JSON is invalid, is not a checkpoint of this toolkit, has an unknown version, lacks a key, or
  // holds a value out of range.
  static CheckpointMeta from_json(const std::string& text, const std::string& source);
};

}  // namespace mtl
