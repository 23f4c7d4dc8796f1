// Names and checks of the hyperparameters. A value out of range is a SettingError naming the
// setting as the checkpoint metadata does (node_dim); the programs spell it as their option.
#include "mtl/model/hyperparameters.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <limits>
#include <stdexcept>

#include "mtl/core/frame_windows.h"
#include "mtl/core/labels.h"
#include "mtl/core/setting_error.h"

namespace mtl {
namespace {

std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

// Throws SettingError "SETTING PROBLEM, not VALUE" unless `ok`.
void require(bool ok, const char* setting, const std::string& problem, double value) {
  if (!ok) throw SettingError(setting, problem + ", not " + num(value));
}

}  // namespace

const char* input_kind_name(HeadInputKind k) {
  switch (k) {
    case HeadInputKind::Features: return "features";
    case HeadInputKind::FeaturesLogits: return "features+logits";
    case HeadInputKind::Auto: return "auto";
  }
  return "?";
}

std::optional<HeadInputKind> parse_input_kind(const std::string& s) {
  for (auto k : {HeadInputKind::Features, HeadInputKind::FeaturesLogits, HeadInputKind::Auto})
    if (s == input_kind_name(k)) return k;
  return std::nullopt;
}

const char* attention_name(Attention a) {
  switch (a) {
    case Attention::Paper: return "paper";
    case Attention::Additive: return "additive";
    case Attention::None: return "none";
  }
  return "?";
}

std::optional<Attention> parse_attention(const std::string& s) {
  for (auto a : {Attention::Paper, Attention::Additive, Attention::None})
    if (s == attention_name(a)) return a;
  return std::nullopt;
}

const char* loss_mean_name(LossMean m) { return m == LossMean::Authors ? "authors" : "pytorch"; }

std::optional<LossMean> parse_loss_mean(const std::string& s) {
  for (auto m : {LossMean::Authors, LossMean::PyTorch})
    if (s == loss_mean_name(m)) return m;
  return std::nullopt;
}

void AuHeadOptions::check() const {
  require(node_dim >= 0, "node_dim", "must be 0 (the input size) or positive", node_dim);
  require(k >= 1 && k <= kNumAU, "k", "must be between 1 and 12", k);
  require(dropout >= 0 && dropout < 1, "dropout", "must be in [0, 1)", dropout);
  require(node_init_std >= 0 && std::isfinite(node_init_std), "node_init_std", "must be 0 (sqrt(1/C)) or positive",
          node_init_std);
  require(threshold >= 0 && threshold <= 1, "threshold", "must be in [0, 1]", threshold);
}

AuHeadOptions AuHeadOptions::resolved(int in_dim) const {
  AuHeadOptions r = *this;
  if (r.node_dim == 0) r.node_dim = in_dim;
  if (r.node_init_std == 0 && r.node_dim > 0) r.node_init_std = std::sqrt(1.0 / r.node_dim);
  return r;
}

const char* temporal_encoder_name(TemporalEncoder e) {
  switch (e) {
    case TemporalEncoder::Conv: return "conv";
    case TemporalEncoder::Gru: return "gru";
    case TemporalEncoder::Transformer: return "transformer";
  }
  return "?";
}

void TemporalOptions::check() const {
  require(context >= 0 && context <= kMaxContext, "context",
          "must be between 0 (each frame alone) and " + std::to_string(kMaxContext), context);
  require(depth >= 0 && depth <= 64, "temporal_depth", "must be between 0 (automatic) and 64", depth);
  require(width >= 2 && width <= 65536, "temporal_width", "must be between 2 and 65536", width);
  require(heads >= 1 && heads <= width, "temporal_heads", "must be between 1 and the width", heads);
  if (encoder == TemporalEncoder::Gru)
    require(width % 2 == 0, "temporal_width", "must be even for the gru encoder (half a direction)", width);
  if (encoder == TemporalEncoder::Transformer)
    require(width % heads == 0, "temporal_width", "must be a multiple of --temporal-heads " + std::to_string(heads),
            width);
}

TemporalOptions TemporalOptions::resolved() const {
  TemporalOptions r = *this;
  if (r.depth == 0) {
    r.depth = 1;
    if (encoder == TemporalEncoder::Conv)  // dilations 1, 2, 4, ...: layer l sees 2^l frames further
      while ((1 << r.depth) - 1 < context) ++r.depth;
  }
  return r;
}

double head_training_bytes(Task task, int in_dim, const HeadOptions& o, int batch) {
  const double d = in_dim, au = kNumAU, ex = kNumEX;
  double params = 0, per_row = 0;  // floats
  switch (task) {
    case Task::AU: {
      const double c = o.au.resolved(in_dim).node_dim;
      params = d * au * c + au * c * 5 + 2 * (c * c + c) + au * 4 + au * c;
      per_row = d + au * c * 6 + au * au * 2 + au * c * 4;  // input, node layers, graph, GCN
      break;
    }
    case Task::EX: {
      const double h = o.ex.attention == Attention::Additive ? o.ex.attention_hidden : 0;
      params = d * ex + ex + au * std::max(h, ex) + std::max(h, ex) * 2;
      per_row = d + ex * 4 + ex * h * 4;  // input, logits, the additive attention's [8, H] terms
      break;
    }
    case Task::VA:
      params = d * 2 + 2 + 2 * 4;
      per_row = d + 8;
      break;
  }
  if (o.temporal.context > 0) {  // the encoder: its layers, and a window of activations per row
    const TemporalOptions t = o.temporal.resolved();
    const double h = t.width, w = 2.0 * t.context + 1;
    params += d * h * 2 + t.depth * h * h * 8;
    per_row += w * (d + h * (4 + 2.0 * t.depth)) + (t.encoder == TemporalEncoder::Transformer ? t.depth * w * w * t.heads * 3 : 0);
  }
  return 4.0 * (5 * params + 2 * per_row * std::max(batch, 1));
}

void ExHeadOptions::check() const {
  require(attention_hidden >= 1, "attention_hidden", "must be positive", attention_hidden);
}

void HeadOptions::check(Task task) const {
  temporal.check();
  switch (task) {
    case Task::AU: au.check(); break;
    case Task::EX: ex.check(); break;
    case Task::VA: va.check(); break;
  }
}

HeadOptions HeadOptions::resolved(Task task, int in_dim) const {
  HeadOptions r = *this;
  if (task == Task::AU) r.au = au.resolved(in_dim);
  if (temporal.context > 0) r.temporal = temporal.resolved();
  return r;
}

// ----------------------------------------------------------------------- the head kinds' settings
// Here, beside the option structs they bind and without LibTorch, so that the checkpoint metadata
// (and its fuzz target) can read them; each HeadKind (in its head file) points at its own.

// The ANFL head's hyperparameters (AuHeadOptions). The threshold is recorded for every task, as
// "au_threshold", by the checkpoint metadata itself.
const std::vector<HeadSetting>& anfl_settings() {
  using M = HeadSetting::Metadata;
  static const std::vector<HeadSetting> s = {
      number_setting("node_dim", "per-AU node size C (0: the input size, as the authors)", &HeadOptions::au,
                     &AuHeadOptions::node_dim),
      number_setting("k", "graph neighbours per node, itself included", &HeadOptions::au, &AuHeadOptions::k),
      number_setting("dropout", "dropout on the input of the per-AU layers", &HeadOptions::au,
                     &AuHeadOptions::dropout),
      number_setting("node_init_std", "std of the per-AU weights (0: sqrt(1/C), as the authors)", &HeadOptions::au,
                     &AuHeadOptions::node_init_std, M::Optional),
      number_setting("threshold", "an AU is present when its probability reaches this (validation and mtl-predict)",
                     &HeadOptions::au, &AuHeadOptions::threshold, M::None),
  };
  return s;
}

// The EX head's hyperparameters (ExHeadOptions).
const std::vector<HeadSetting>& ex_attention_settings() {
  using M = HeadSetting::Metadata;
  static const std::vector<HeadSetting> s = {
      choice_setting("attention",
                     "cross attention on the AU output: additive (the authors' code), paper (the paper's "
                     "equations 6-7) or none",
                     &HeadOptions::ex, &ExHeadOptions::attention, {Attention::Paper, Attention::Additive, Attention::None},
                     attention_name),
      number_setting("attention_hidden", "hidden size of the additive attention", &HeadOptions::ex,
                     &ExHeadOptions::attention_hidden, M::Optional),
      choice_setting("loss_mean",
                     "class-weighted CE averaged as the authors (mean of P_y CE) or as PyTorch "
                     "(sum P_y CE / sum P_y): authors|pytorch",
                     &HeadOptions::ex, &ExHeadOptions::loss_mean, {LossMean::Authors, LossMean::PyTorch},
                     loss_mean_name, M::Optional),
  };
  return s;
}

const std::vector<HeadSetting>& va_linear_settings() {  // none of its own
  static const std::vector<HeadSetting> s;
  return s;
}

// The temporal kinds' own settings (TemporalOptions), after their task's.
const std::vector<HeadSetting>& temporal_settings() {
  static const std::vector<HeadSetting> s = {
      number_setting("context", "frames seen on each side of a frame (0: each frame alone, the paper's head)",
                     &HeadOptions::temporal, &TemporalOptions::context),
      choice_setting("temporal", "the encoder over a window of frames: conv, gru or transformer", &HeadOptions::temporal,
                     &TemporalOptions::encoder,
                     {TemporalEncoder::Conv, TemporalEncoder::Gru, TemporalEncoder::Transformer}, temporal_encoder_name),
      number_setting("temporal_depth", "the encoder's layers (0: conv as many as see the whole window, else 1)",
                     &HeadOptions::temporal, &TemporalOptions::depth),
      number_setting("temporal_width", "the encoder's width", &HeadOptions::temporal, &TemporalOptions::width),
      number_setting("temporal_heads", "attention heads of the transformer encoder", &HeadOptions::temporal,
                     &TemporalOptions::heads),
  };
  return s;
}

namespace {

std::vector<HeadSetting> joined(const std::vector<HeadSetting>& a, const std::vector<HeadSetting>& b) {
  std::vector<HeadSetting> s = a;
  s.insert(s.end(), b.begin(), b.end());
  return s;
}

}  // namespace

const std::vector<HeadSetting>& au_temporal_settings() {
  static const std::vector<HeadSetting> s = joined(anfl_settings(), temporal_settings());
  return s;
}
const std::vector<HeadSetting>& ex_temporal_settings() {
  static const std::vector<HeadSetting> s = joined(ex_attention_settings(), temporal_settings());
  return s;
}
const std::vector<HeadSetting>& va_temporal_settings() {
  static const std::vector<HeadSetting> s = joined(va_linear_settings(), temporal_settings());
  return s;
}

std::string head_kind_name(Task task, const HeadOptions& o) {
  if (o.temporal.context == 0) return "";
  return std::string(task_name(task)) + "-temporal";
}

namespace {

// The settings of each head kind by its name, each task's default kind first, as head_kinds()
// lists the kinds (test_heads holds the two lists equal).
struct KindSettings {
  const char* kind;
  Task task;
  const std::vector<HeadSetting>& (*settings)();
};
constexpr KindSettings kKindSettings[] = {
    {"anfl", Task::AU, anfl_settings},
    {"ex-attention", Task::EX, ex_attention_settings},
    {"va-linear", Task::VA, va_linear_settings},
    {"au-temporal", Task::AU, au_temporal_settings},
    {"ex-temporal", Task::EX, ex_temporal_settings},
    {"va-temporal", Task::VA, va_temporal_settings},
};

}  // namespace

const std::vector<HeadSetting>* head_settings(Task task, const std::string& kind) {
  for (const KindSettings& k : kKindSettings)
    if (k.task == task && (kind.empty() || kind == k.kind)) return &k.settings();
  return nullptr;
}

std::string choices_text(const HeadSetting& s) {
  std::string t;
  for (size_t i = 0; i < s.choices.size(); ++i)
    t += (i == 0 ? "" : i + 1 == s.choices.size() ? " or " : ", ") + s.choices[i];
  return t;
}

std::vector<Task> upstream_tasks(Task task, const HeadOptions& o) {
  if (task == Task::EX && o.ex.attention != Attention::None) return {Task::AU};
  return {};
}

void SamOptions::check() const {
  // LibTorch multiplies float tensors by these: a value past the float range fails inside it.
  const double most = std::numeric_limits<float>::max();
  require(lr > 0 && lr <= most, "lr", "must be positive and at most 3.4e38", lr);
  require(momentum >= 0 && momentum < 1, "momentum", "must be in [0, 1)", momentum);
  require(weight_decay >= 0 && weight_decay <= most, "weight_decay", "must not be negative", weight_decay);
  require(rho >= 0 && rho <= most, "rho", "must not be negative", rho);
}

void TrainRecipe::check() const {
  require(epochs >= 1, "epochs", "must be at least 1", epochs);
  require(batch >= 2, "batch", "must be at least 2 (batch norm needs two rows)", batch);
  sam.check();
}

}  // namespace mtl
