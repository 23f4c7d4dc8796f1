// The epoch loop shared by every head: SAM steps over shuffled batches, validation, the best epoch
// kept, one JSON log line per epoch. This header includes LibTorch.
#pragma once
#include <ostream>
#include <optional>
#include <vector>

#include "mtl/core/log.h"
#include "mtl/model/sam.h"
#include "mtl/model/task_head.h"
#include "mtl/pipeline/training_data.h"

namespace mtl {

class Trainer {
 public:
  // Trains `head` (already on its device) with the recipe; epoch lines go to `log`.
  Trainer(TaskHead& head, const TrainRecipe& recipe, std::ostream& log);
  // Sends the epoch lines to `log` from now on.
  void set_log(std::ostream& log) { log_ = &log; }
  // The log lines' "task" (default: the head's task name; joint fine-tuning: "joint").
  void set_task_label(std::string label) { task_label_ = std::move(label); }

  // After every epoch, writes the whole training state (parameters, momentum, random generator,
  // best epoch) to `path` atomically, tagged with `identity` (what was trained on, and how).
  void keep_state(std::string path, std::string identity);
  // Restores the state file of a stopped run with the same identity, so that fit() goes on after
  // its last epoch and ends with the bytes of an uninterrupted run. Returns that epoch, or 0 with
  // the reason in `why` when the file cannot be used.
  int restore_state(const std::string& path, const std::string& identity, std::string& why);

  // Runs the epochs (after a restored one) and leaves the head holding the best epoch's
  // parameters. Without validation data the last epoch counts as best. Stops between batches when
  // a stop signal arrives. A training loss, validation loss, validation score or weight that is
  // NaN or infinite after an epoch throws Error (exit 1, "training diverged").
  void fit(TrainingData& train, TrainingData* val);

  int best_epoch() const { return best_epoch_; }         // 0 when no epoch finished
  std::optional<double> best_score() const { return best_score_; }  // validation score, if any
  int stopped_by() const { return stopped_; }             // the stop signal, 0 if none

 private:
  // The mean training loss of one epoch; counts its batches in `batches`.
  double train_epoch(TrainingData& train, int epoch, logging::EpochProgress& progress, size_t& batches);
  void keep_if_best(int epoch, std::optional<double> score);
  void save_state(int epoch) const;

  TaskHead& head_;
  TrainRecipe recipe_;
  std::ostream* log_;
  Sam sam_;
  std::vector<torch::Tensor> best_;
  int best_epoch_ = 0;
  std::optional<double> best_score_;
  int stopped_ = 0;
  int done_epochs_ = 0;                    // epochs restored from a state file
  std::string state_path_, state_identity_;
  std::string task_label_;
};

}  // namespace mtl
