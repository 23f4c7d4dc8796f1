// Reading the trainers' per-epoch logs (JSON lines, see mtl-formats(5)) back, for mtl-plot.
// No LibTorch here.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "mtl/core/task.h"

namespace mtl {

// One line of a training log: one epoch.
struct EpochRecord {
  int epoch = 0;
  double train_loss = 0;
  std::optional<double> val_loss, val_score;  // present when the run had --val
  int best_epoch = 0;                          // the best epoch so far (0: none yet, without --val)
  double wall_s = 0;
};

// A whole log: one head's run, epochs in increasing order.
struct TrainingLog {
  std::string path;
  std::optional<Task> task = Task::AU;  // nullopt: the three heads fine-tuned together ("joint")
  bool has_val = false;  // every line holds val_loss and val_score
  std::vector<EpochRecord> epochs;
};

// Reads a training log strictly: every line must be a JSON object with "task" (au, ex, va or joint, the
// same on every line), "epoch" (a positive integer, increasing from line to line), "train_loss",
// "best_epoch" and "wall_s", and either every line or none "val_loss" and "val_score"; numbers must
// be finite. Other keys are ignored. A last line that is not JSON and has no newline yet (a
// trainer writing it) is left out with a warning. Throws InputError "PATH: line N: problem", or
// "PATH: ..." for an unreadable or empty file.
TrainingLog read_training_log(const std::string& path);

// The same, from text already read; `name` names it in messages.
TrainingLog parse_training_log(const std::string& text, const std::string& name);

}  // namespace mtl
