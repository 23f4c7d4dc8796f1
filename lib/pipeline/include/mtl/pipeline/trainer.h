// The epoch loop shared by every head: SAM steps over shuffled batches, validation, the best epoch
// kept, one JSON log line per epoch. This header includes LibTorch.
#pragma once
#include <ostream>
#include <optional>
#include <vector>

#include "mtl/model/sam.h"
#include "mtl/model/task_head.h"

namespace mtl {

// One split on the training device: head inputs, targets, and the outputs of upstream heads.
struct TrainingSplit {
  torch::Tensor x, y;
  UpstreamOutputs upstream;
  int64_t size() const { return x.defined() ? x.size(0) : 0; }
  // The rows at `idx` (an int64 index tensor on the same device).
  TrainingSplit select(const torch::Tensor& idx) const;
};

class Trainer {
 public:
  // Trains `head` (already on its device) with the recipe; epoch lines go to `log`.
  Trainer(TaskHead& head, const TrainRecipe& recipe, std::ostream& log);

  // Runs the epochs and leaves the head holding the best epoch's parameters. Without validation
  // data the last epoch counts as best. Stops between batches when a stop signal arrives.
  void fit(const TrainingSplit& train, const TrainingSplit* val);

  int best_epoch() const { return best_epoch_; }         // 0 when no epoch finished
  std::optional<double> best_score() const { return best_score_; }  // validation score, if any
  int stopped_by() const { return stopped_; }             // the stop signal, 0 if none

 private:
  double train_epoch(const TrainingSplit& train);  // mean training loss
  void keep_if_best(int epoch, std::optional<double> score);

  TaskHead& head_;
  TrainRecipe recipe_;
  std::ostream& log_;
  Sam sam_;
  std::vector<torch::Tensor> best_;
  int best_epoch_ = 0;
  std::optional<double> best_score_;
  int stopped_ = 0;
};

}  // namespace mtl
