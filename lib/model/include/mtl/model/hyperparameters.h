// The hyperparameters of the heads and of the optimiser. Each default is written once, here, and
// each value is checked here, so that a program can check its options before it reads any data and
// a checkpoint's metadata is checked by the same rules. No LibTorch here.
//
// check() functions throw std::invalid_argument with a message that starts with the option's name
// as on the command line ("k must be between 1 and 12, not 20"); the caller turns it into a usage
// error (a bad option) or an input error (a bad checkpoint).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mtl/core/task.h"

namespace mtl {

// What a head reads from a store's rows.
enum class HeadInputKind {
  Features,        // the backbone's features
  FeaturesLogits,  // the features with the backbone's logits appended (the authors' 1288 values)
  Auto,            // features+logits when the store has logits, else features
};
const char* input_kind_name(HeadInputKind k);  // "features", "features+logits", "auto"
std::optional<HeadInputKind> parse_input_kind(const std::string& s);

// AU head (ANFL).
struct AuHeadOptions {
  int node_dim = 0;           // per-AU node size C; 0: C = D, as the authors
  int k = 4;                  // graph neighbours kept per node, itself included (ties kept)
  double dropout = 0.5;       // on the input of the per-AU layers
  double node_init_std = 0;   // std of the per-AU weights; 0: sqrt(1/C), as the authors
  double threshold = 0.5;     // an AU is predicted present when p_i >= threshold
  void check() const;
  // A copy with the "0 means" values replaced by what they mean for an input of in_dim values.
  AuHeadOptions resolved(int in_dim) const;
};

// EX head: logits and cross attention on the AU head's output.
enum class Attention { Paper, Additive, None };
const char* attention_name(Attention a);  // "paper", "additive", "none"
std::optional<Attention> parse_attention(const std::string& s);

// How the class-weighted cross entropy is averaged over a batch.
enum class LossMean { Authors, PyTorch };
const char* loss_mean_name(LossMean m);  // "authors", "pytorch"
std::optional<LossMean> parse_loss_mean(const std::string& s);

struct ExHeadOptions {
  Attention attention = Attention::Additive;  // the authors' published code
  int attention_hidden = 64;                  // hidden size of the additive attention
  LossMean loss_mean = LossMean::Authors;     // mean of P_y CE over the batch
  void check() const;
};

// VA head: no hyperparameters of its own.
struct VaHeadOptions {
  void check() const {}
};

// The hyperparameters of all heads; a head reads its own part.
struct HeadOptions {
  AuHeadOptions au;
  ExHeadOptions ex;
  VaHeadOptions va;
  // Checks the part of `task`.
  void check(Task task) const;
};

// The tasks whose trained heads a head of `task` reads (EX with attention: the AU head).
std::vector<Task> upstream_tasks(Task task, const HeadOptions& o);

// About how many bytes training a head of `task` on rows of `in_dim` values in batches of `batch`
// takes: its parameters five times (weights, gradients, momentum, SAM's saved weights, the best
// epoch's copy) and a batch's activations forward and backward, as float32. A double: the sizes
// an option allows can pass 2^64. For refusing, before anything is allocated, a size that cannot
// fit (--node-dim 100000000).
double head_training_bytes(Task task, int in_dim, const HeadOptions& o, int batch);

// SAM around SGD with momentum and weight decay (the authors' recipe).
struct SamOptions {
  double lr = 1e-3;
  double momentum = 0.9;
  double weight_decay = 1.0 / 256;
  double rho = 0.05;  // 0: plain SGD steps, each gradient taken twice
  void check() const;
};

// The training loop.
struct TrainRecipe {
  int epochs = 100;
  int batch = 256;
  HeadInputKind input = HeadInputKind::Auto;
  SamOptions sam;
  void check() const;
};

}  // namespace mtl
