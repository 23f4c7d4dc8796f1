// The hyperparameters of the heads and of the optimiser. Each default is written once, here, and
// each value is checked here, so that a program can check its options before it reads any data and
// a checkpoint's metadata is checked by the same rules. No LibTorch here.
//
// check() functions throw SettingError (a std::invalid_argument) naming the setting as the
// checkpoint metadata does ("node_dim must be 0 (the input size) or positive, not -1"); a program
// spells it as its option (--node-dim), a checkpoint's is a bad input.
//
// Each head kind's hyperparameters are one list of HeadSettings (here, beside its option struct;
// its HeadKind points at it): the programs' option groups and the checkpoint metadata's keys are
// made from that one list.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
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

// Temporal context (the temporal head kinds, temporal_head.h): an encoder over the window of
// frames t-T ... t+T of a frame's video, whose output for frame t feeds the task's own head.
enum class TemporalEncoder { Conv, Gru, Transformer };
const char* temporal_encoder_name(TemporalEncoder e);  // "conv", "gru", "transformer"

struct TemporalOptions {
  int context = 0;  // T, frames on each side; 0: the per-frame head (the task's default kind)
  TemporalEncoder encoder = TemporalEncoder::Conv;
  int depth = 0;    // layers; 0: conv as many as see the whole window (ceil(log2(T+1))), else 1
  int width = 128;  // the encoder's width H
  int heads = 4;    // transformer: attention heads (H a multiple of them)
  void check() const;
  TemporalOptions resolved() const;  // depth 0 replaced by what it means
};

// The hyperparameters of all heads; a head reads its own part.
struct HeadOptions {
  AuHeadOptions au;
  ExHeadOptions ex;
  VaHeadOptions va;
  TemporalOptions temporal;  // read by the temporal kinds only
  // Checks the part of `task` (and the temporal part).
  void check(Task task) const;
  // A copy with the part of `task` resolved for an input of in_dim values (AuHeadOptions::resolved).
  HeadOptions resolved(Task task, int in_dim) const;
};

// One hyperparameter of a head kind, for the command line and the checkpoint metadata alike: the
// metadata key is `name` ("node_dim"), the option its spelling (--node-dim). Made with
// number_setting and choice_setting below.
struct HeadSetting {
  enum class Type { Int, Real, Choice };
  // In a checkpoint's metadata: Required (a checkpoint without it is refused), Optional (a
  // checkpoint of an older toolkit lacks it: the default holds), or None (recorded otherwise:
  // the AU threshold, "au_threshold", goes into every checkpoint).
  enum class Metadata { Required, Optional, None };
  const char* name = "";
  const char* help = "";  // for --help
  Type type = Type::Int;
  Metadata metadata = Metadata::Required;
  std::vector<std::string> choices;  // Choice: the values it takes, in the order messages list them
  std::function<double(const HeadOptions&)> number;                // Int (whole), Real
  std::function<void(HeadOptions&, double)> set_number;
  std::function<std::string(const HeadOptions&)> text;             // Choice
  std::function<void(HeadOptions&, const std::string&)> set_text;  // one of `choices`
};

// "paper, additive or none": a setting's choices for messages.
std::string choices_text(const HeadSetting& s);

// A whole-number (T = int) or real (T = double) setting held in `field` of the part `part` of
// HeadOptions (&HeadOptions::au, &AuHeadOptions::k).
template <typename Part, typename T>
HeadSetting number_setting(const char* name, const char* help, Part HeadOptions::*part, T Part::*field,
                           HeadSetting::Metadata metadata = HeadSetting::Metadata::Required) {
  static_assert(std::is_same_v<T, int> || std::is_same_v<T, double>, "a setting is an int or a double");
  HeadSetting s;
  s.name = name, s.help = help, s.metadata = metadata;
  s.type = std::is_same_v<T, int> ? HeadSetting::Type::Int : HeadSetting::Type::Real;
  s.number = [part, field](const HeadOptions& o) { return static_cast<double>(o.*part.*field); };
  s.set_number = [part, field](HeadOptions& o, double v) { o.*part.*field = static_cast<T>(v); };
  return s;
}

// A setting that takes one of the names of the enumeration E (`all` of them, named by `name_of`).
template <typename Part, typename E>
HeadSetting choice_setting(const char* name, const char* help, Part HeadOptions::*part, E Part::*field,
                           const std::vector<E>& all, const char* (*name_of)(E),
                           HeadSetting::Metadata metadata = HeadSetting::Metadata::Required) {
  HeadSetting s;
  s.name = name, s.help = help, s.type = HeadSetting::Type::Choice, s.metadata = metadata;
  for (E e : all) s.choices.push_back(name_of(e));
  s.text = [part, field, name_of](const HeadOptions& o) { return std::string(name_of(o.*part.*field)); };
  s.set_text = [part, field, all, name_of](HeadOptions& o, const std::string& v) {
    for (E e : all)
      if (v == name_of(e)) o.*part.*field = e;
  };
  return s;
}

// The hyperparameters of the head kind called `kind` of `task` ("": the task's default kind), in
// the order --help shows them; null for a kind this toolkit does not know, or one of another task.
const std::vector<HeadSetting>* head_settings(Task task, const std::string& kind);

// Each head kind's settings (HeadKind::settings): the ANFL AU head, the EX head, the VA head, and
// their temporal kinds (the task's settings, then temporal_settings()).
const std::vector<HeadSetting>& anfl_settings();
const std::vector<HeadSetting>& ex_attention_settings();
const std::vector<HeadSetting>& va_linear_settings();
const std::vector<HeadSetting>& temporal_settings();  // context, temporal, temporal_depth, ...
const std::vector<HeadSetting>& au_temporal_settings();
const std::vector<HeadSetting>& ex_temporal_settings();
const std::vector<HeadSetting>& va_temporal_settings();

// The name of the head kind a trainer makes for `task` with options `o`: "" (the task's default
// kind) for a per-frame head, "au-temporal", "ex-temporal" or "va-temporal" with --context > 0.
std::string head_kind_name(Task task, const HeadOptions& o);

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
  // --augment flip: each training row, each epoch, reads the features of its mirrored image
  // (the store's features_mirror) with probability 0.5. Off by default (see README: the defaults).
  bool augment_flip = false;
  SamOptions sam;
  void check() const;
};

}  // namespace mtl
