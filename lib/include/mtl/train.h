// Training of one head on cached features. The header is free of LibTorch.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "mtl/cli.h"

namespace mtl {

struct TrainOptions {
  std::string task;  // "au", "ex" or "va"
  std::vector<std::string> train, val;
  std::string output, log;  // checkpoint; JSONL log ("" = stderr)
  std::string au_checkpoint;  // ex: the trained, frozen AU head
  std::string input = "auto";  // features | features+logits | auto (logits appended when the store has them)
  // The authors' recipe.
  int epochs = 100, batch = 256;
  double lr = 1e-3, momentum = 0.9, weight_decay = 1.0 / 256, rho = 0.05;
  // AU head.
  int node_dim = 0, k = 4;
  double dropout = 0.5, node_init_std = 0;
  // EX head.
  std::string attention = "additive";
  std::string ex_loss_mean = "authors";  // authors | pytorch
  // Common.
  uint64_t seed = 1;
  int threads = 0;
  std::string device = "auto";
};

// Adds the options of mtl-train-<task> to `p`, bound to `o` (defaults from TrainOptions).
void add_train_options(cli::Parser& p, TrainOptions& o);
// Completes `o` from a parse: common options, checks. Throws UsageError.
void finish_train_options(const cli::Parser& p, const cxxopts::ParseResult& r, TrainOptions& o);

// Trains the head of o.task, logs one JSON object per epoch, keeps the best epoch by the task's
// validation score (the last one without validation data), and writes the checkpoint atomically.
// On SIGINT/SIGTERM it writes the best checkpoint so far and throws Interrupted.
void run_train(const TrainOptions& o);

}  // namespace mtl

namespace mtl {
// The whole of mtl-train-<task> ("au", "ex", "va"): parses argv, trains, returns the exit code.
int train_program(const std::string& task, int argc, char** argv);
}  // namespace mtl
