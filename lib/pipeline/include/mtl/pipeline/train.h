// Training one head on cached features: mtl-train-au, -ex and -va. The header is free of LibTorch.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "mtl/core/task.h"
#include "mtl/model/hyperparameters.h"

namespace mtl {

struct TrainOptions {
  Task task = Task::AU;
  std::vector<std::string> train, val;  // feature stores
  std::string output;                   // checkpoint to write
  std::string log;                      // per-epoch JSON lines ("": stderr unless quiet)
  std::map<Task, std::string> upstream; // checkpoints of the heads this head reads (EX: --au)
  TrainRecipe recipe;
  HeadOptions head;
  uint64_t seed = 1;
  int threads = 0;
  std::string device = "auto";
  size_t memory_budget = 0;  // bytes for the rows in memory (0: half the memory available); beyond, streamed
  bool resume = true;  // go on from OUTPUT.resume, the state a stopped run with the same settings left

  // Checks everything that can be checked without reading a file: the stores and the output are
  // named, every hyperparameter is in range, the upstream checkpoints the head needs are given.
  // Throws UsageError naming the option, or SettingError (a std::invalid_argument, not an
  // mtl::Error) naming a hyperparameter as the checkpoint metadata does ("node_dim"), which
  // cli::run spells as the option (--node-dim) with exit status 2.
  void check() const;
};

// Trains the head of o.task: reads the labelled rows, logs one JSON object per epoch, keeps the
// best epoch by the task's validation score (the last one without validation data), and writes the
// checkpoint atomically. After every epoch the training state goes to OUTPUT.resume, so that a
// rerun of a killed or stopped run goes on after its last epoch and ends with the same bytes; the
// file is removed when training completes. On SIGINT/SIGTERM it writes the best checkpoint so far
// and throws Interrupted. Throws UsageError or SettingError (bad options, before any file is
// read: see TrainOptions::check), InputError, OutputError.
void run_train(const TrainOptions& o);

}  // namespace mtl
