// Where the trainer's rows come from: all in memory, or streamed from the stores in chunks when
// they do not fit the memory budget. This header includes LibTorch.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "mtl/model/checkpoint.h"
#include "mtl/model/task_head.h"
#include "mtl/pipeline/training_data.h"

namespace mtl {

// Rows on the training device: head inputs, targets, and the outputs of upstream heads.
struct TrainingSplit {
  torch::Tensor x, y;
  UpstreamOutputs upstream;
  int64_t size() const { return x.defined() ? x.size(0) : 0; }
  // The rows at `idx` (an int64 index tensor on the same device).
  TrainingSplit select(const torch::Tensor& idx) const;
  // The rows of `parts`, one after the other.
  static TrainingSplit cat(const std::vector<TrainingSplit>& parts);
};

// What a head reads from a store's rows, and where (the same for every source).
struct RowFormat {
  bool with_logits = false;
  int in_dim = 0;
  std::string head_name;                   // names the head in messages
  const TaskHead* head = nullptr;          // makes the targets
  const std::vector<LoadedHead>* upstream = nullptr;  // frozen heads whose outputs the head reads
  torch::Device device{torch::kCPU};
  // The split of `rows` (all labelled), read from `source`.
  TrainingSplit split(const FeatureRows& rows, const std::string& source) const;
};

class TrainingData {
 public:
  virtual ~TrainingData() = default;
  virtual int64_t size() const = 0;
  // Calls `step` with each batch of an epoch, in the epoch's random order (drawn from LibTorch's
  // generator); batches of fewer than 2 rows are left out. Stops when `step` returns false.
  virtual void for_each_batch(int64_t batch, const std::function<bool(const TrainingSplit&)>& step) = 0;
  // The head's raw outputs (evaluation mode, no gradient) and the targets over all rows, in order.
  virtual std::pair<torch::Tensor, torch::Tensor> evaluate(TaskHead& head) = 0;
  // Every target, in order, and the SHA-256 of the inputs followed by the targets.
  virtual torch::Tensor targets() = 0;
  virtual std::string sha256() = 0;
};

// All rows in memory: a random permutation per epoch.
std::unique_ptr<TrainingData> in_memory(const TaskRows& rows, const RowFormat& format);

// Rows streamed from the stores: each epoch reads the stores' chunks in a random order into a
// window of `window_rows`, shuffles the window and draws batches from it; rows left over at the
// end of a window go into the next. Memory is bounded by the window, not by the stores.
std::unique_ptr<TrainingData> streamed(const std::vector<std::string>& paths, Task task, const RowFormat& format,
                                       size_t window_rows);

}  // namespace mtl
