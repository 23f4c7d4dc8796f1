// The checkpoint metadata's JSON keys, written and read here; a head's own keys are its kind's
// settings (HeadSetting, hyperparameters.cpp).
#include "mtl/model/checkpoint_meta.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "mtl/core/error.h"
#include "mtl/core/feature_store.h"
#include "mtl/core/labels.h"

namespace mtl {
namespace {

using nlohmann::json;

// The integer `v` (the value of `key`). nlohmann's get<int>() takes 2.5 as 2 and 1e30 as anything
// (undefined behaviour): throws std::invalid_argument for a number that is not an integer of T's
// range, json::type_error (through get) for a value that is not a number.
template <typename T>
T integer(const json& v, const std::string& key) {
  using L = std::numeric_limits<T>;
  if (!v.is_number()) return v.get<T>();
  if (v.is_number_unsigned()) {
    if (v.get<uint64_t>() <= static_cast<uint64_t>(L::max())) return static_cast<T>(v.get<uint64_t>());
  } else if (v.is_number_integer()) {
    const int64_t i = v.get<int64_t>();
    if (i >= 0 ? static_cast<uint64_t>(i) <= static_cast<uint64_t>(L::max()) : L::is_signed && i >= int64_t(L::min()))
      return static_cast<T>(i);
  }
  throw std::invalid_argument(key + " must be an integer from " + std::to_string(L::min()) + " to " +
                              std::to_string(L::max()));
}

// The integer at m[key], or `fallback` when m has no such key.
template <typename T>
T integer(const json& m, const std::string& key, T fallback) {
  return m.contains(key) ? integer<T>(m.at(key), key) : fallback;
}

json stores_json(const std::vector<StoreIdentity>& stores) {
  json a = json::array();
  for (const auto& s : stores)
    a.push_back({{"path", s.path}, {"rows", s.rows}, {"labelled_rows", s.labelled_rows},
                 {"backbone_sha256", s.backbone_sha256}, {"resize", s.resize}});
  return a;
}

std::vector<StoreIdentity> stores_from(const json& m, const char* key) {
  std::vector<StoreIdentity> v;
  if (!m.contains(key) || m.at(key).is_null()) return v;
  for (const auto& s : m.at(key)) {
    if (!s.is_object()) throw std::invalid_argument(std::string(key) + " must hold objects");
    v.push_back({s.value("path", ""), integer(s, "rows", size_t(0)), integer(s, "labelled_rows", size_t(0)),
                 s.value("backbone_sha256", ""), s.value("resize", "")});
  }
  return v;
}

// The head's hyperparameters under the keys its kind names (HeadSetting), and the AU threshold,
// which every checkpoint records.
void write_head_options(const CheckpointMeta& c, json& m) {
  if (const auto* settings = head_settings(c.task, c.head_kind))
    for (const HeadSetting& s : *settings) {
      if (s.metadata == HeadSetting::Metadata::None) continue;
      switch (s.type) {
        case HeadSetting::Type::Int: m[s.name] = static_cast<int>(s.number(c.head)); break;
        case HeadSetting::Type::Real: m[s.name] = s.number(c.head); break;
        case HeadSetting::Type::Choice: m[s.name] = s.text(c.head); break;
      }
    }
  m["au_threshold"] = c.head.au.threshold;
}

// Reads the hyperparameters of the head's kind; throws std::invalid_argument or json::exception.
// A kind this toolkit does not know keeps the defaults: loading the checkpoint refuses it, by name.
void read_head_options(const json& m, CheckpointMeta& c) {
  c.head.au.threshold = m.value("au_threshold", c.head.au.threshold);
  const auto* settings = head_settings(c.task, c.head_kind);
  if (!settings) return;
  for (const HeadSetting& s : *settings) {
    if (s.metadata == HeadSetting::Metadata::None) continue;
    if (s.metadata == HeadSetting::Metadata::Optional && !m.contains(s.name)) continue;
    const json& v = m.at(s.name);  // json::out_of_range when a required key is missing
    switch (s.type) {
      case HeadSetting::Type::Int: s.set_number(c.head, integer<int>(v, s.name)); break;
      case HeadSetting::Type::Real: s.set_number(c.head, v.get<double>()); break;
      case HeadSetting::Type::Choice: {
        const std::string text = v.get<std::string>();
        if (std::find(s.choices.begin(), s.choices.end(), text) == s.choices.end())
          throw std::invalid_argument(std::string(s.name) + " must be " + choices_text(s) + ", not '" + text + "'");
        s.set_text(c.head, text);
        break;
      }
    }
  }
  c.head = c.head.resolved(c.task, c.in_dim);
  c.head.check(c.task);
}

// The N finite floats at m[key] (each in [0, 1] when `probability`), or nothing when m has no such key.
template <size_t N>
std::optional<std::array<float, N>> floats(const json& m, const std::string& key, bool probability) {
  if (!m.contains(key) || m.at(key).is_null()) return std::nullopt;
  const json& v = m.at(key);
  if (!v.is_array() || v.size() != N)
    throw std::invalid_argument(key + " must be an array of " + std::to_string(N) + " numbers");
  std::array<float, N> out;
  for (size_t i = 0; i < N; ++i) {
    const double d = v[i].get<double>();
    if (!std::isfinite(static_cast<float>(d)) || (probability && (d < 0 || d > 1)))
      throw std::invalid_argument(key + "[" + std::to_string(i) + "] = " + v[i].dump() +
                                  (probability ? " is not in [0, 1]" : " is not a finite float"));
    out[i] = static_cast<float>(d);
  }
  return out;
}

// The tuned thresholds, each allowed only in the head that decides with it.
void read_tuned(const json& m, CheckpointMeta& c) {
  c.au_thresholds = floats<kNumAU>(m, "au_thresholds", true);
  c.ex_offsets = floats<kNumEX>(m, "ex_offsets", false);
  c.trained_sha256 = m.value("trained_sha256", "");
  if (c.au_thresholds && c.task != Task::AU)
    throw std::invalid_argument("au_thresholds in a checkpoint of the " + std::string(task_name(c.task)) + " head");
  if (c.ex_offsets && c.task != Task::EX)
    throw std::invalid_argument("ex_offsets in a checkpoint of the " + std::string(task_name(c.task)) + " head");
}

void read_training(const json& m, CheckpointMeta& c) {
  c.recipe.epochs = integer(m, "epochs", c.recipe.epochs);
  c.recipe.batch = integer(m, "batch", c.recipe.batch);
  c.recipe.sam.lr = m.value("lr", c.recipe.sam.lr);
  c.recipe.sam.momentum = m.value("momentum", c.recipe.sam.momentum);
  c.recipe.sam.weight_decay = m.value("weight_decay", c.recipe.sam.weight_decay);
  c.recipe.sam.rho = m.value("rho", c.recipe.sam.rho);
  const std::string augment = m.value("augment", std::string("none"));  // written since --augment
  if (augment != "none" && augment != "flip") throw std::invalid_argument("augment must be none or flip, not '" + augment + "'");
  c.recipe.augment_flip = augment == "flip";
  c.seed = integer(m, "seed", c.seed);
  c.threads = integer(m, "threads", c.threads);
  c.train_data = stores_from(m, "train_data");
  c.val_data = stores_from(m, "val_data");
  c.data_sha256 = m.value("data_sha256", "");
  for (Task t : kAllTasks) {
    const std::string key = std::string(task_name(t)) + "_checkpoint";
    if (m.contains(key)) c.upstream[t] = {m.at(key).get<std::string>(), m.value(key + "_sha256", "")};
  }
  c.loss_weights = m.value("loss_weights", std::vector<float>{});
  for (float w : c.loss_weights)  // a weight past float's range would be infinite, and written as null
    if (!std::isfinite(w)) throw std::invalid_argument("loss_weights must be finite floats");
  c.best_epoch = integer(m, "best_epoch", 0);
  if (m.contains("val_score") && m.at("val_score").is_number()) c.val_score = m.at("val_score").get<double>();
  c.toolkit_version = m.value("toolkit_version", "");
  c.weights_sha256 = m.value("weights_sha256", "");
}

// Checks the keys that say what the file is and what the head reads.
void read_identity(const json& m, CheckpointMeta& c, const std::string& source) {
  if (!m.is_object() || m.value("format", "") != "mtl-checkpoint")
    throw InputError(source + ": not an mtl-toolkit checkpoint");
  const int version = integer(m, "format_version", 0);
  if (version != kCheckpointFormatVersion)
    throw InputError(source + ": checkpoint format version " + std::to_string(version) +
                     " is not supported (this toolkit reads version " + std::to_string(kCheckpointFormatVersion) + ")");
  const std::string task = m.value("task", "");
  auto t = parse_task(task);
  if (!t) throw InputError(source + ": checkpoint of an unknown task '" + task + "'");
  c.task = *t;
  c.head_kind = m.value("head_kind", "");
  c.in_dim = integer<int>(m.at("in_dim"), "in_dim");
  c.feature_dim = integer(m, "feature_dim", c.in_dim);
  c.logits_dim = integer(m, "logits_dim", 0);
  const std::string input = m.at("input").get<std::string>();
  auto kind = parse_input_kind(input);
  if (!kind || *kind == HeadInputKind::Auto)
    throw std::invalid_argument("input must be features or features+logits, not '" + input + "'");
  c.with_logits = *kind == HeadInputKind::FeaturesLogits;
  // Sizes first (each at most kMaxStoreColumns), so that their sum cannot overflow.
  if (c.in_dim <= 0 || c.feature_dim <= 0 || c.logits_dim < 0 || c.feature_dim > kMaxStoreColumns ||
      c.logits_dim > kMaxStoreColumns || c.in_dim != c.feature_dim + c.logits_dim ||
      (c.logits_dim > 0) != c.with_logits)
    throw std::invalid_argument("in_dim " + std::to_string(c.in_dim) + " does not add up from feature_dim " +
                                std::to_string(c.feature_dim) + " and logits_dim " + std::to_string(c.logits_dim) +
                                " with input " + input);
}

}  // namespace

std::string CheckpointMeta::to_json() const {
  json m = {{"format", "mtl-checkpoint"},
            {"format_version", kCheckpointFormatVersion},
            {"toolkit_version", toolkit_version},
            {"task", task_name(task)},
            {"in_dim", in_dim},
            {"input", input_kind_name(with_logits ? HeadInputKind::FeaturesLogits : HeadInputKind::Features)},
            {"feature_dim", feature_dim},
            {"logits_dim", logits_dim},
            {"epochs", recipe.epochs},
            {"batch", recipe.batch},
            {"lr", recipe.sam.lr},
            {"momentum", recipe.sam.momentum},
            {"weight_decay", recipe.sam.weight_decay},
            {"rho", recipe.sam.rho},
            {"optimizer", "SAM(SGD)"},
            {"seed", seed},
            {"threads", threads},
            {"au_names", au_names()},
            {"ex_names", ex_names()},
            {"train_data", stores_json(train_data)},
            {"val_data", val_data.empty() ? json(nullptr) : stores_json(val_data)},
            {"data_sha256", data_sha256},
            {"best_epoch", best_epoch},
            {"val_score", val_score ? json(*val_score) : json(nullptr)},
            {"score_name", task_score_name(task)}};
  write_head_options(*this, m);
  for (const auto& [t, up] : upstream) {
    m[std::string(task_name(t)) + "_checkpoint"] = up.path;
    m[std::string(task_name(t)) + "_checkpoint_sha256"] = up.sha256;
  }
  if (recipe.augment_flip) m["augment"] = "flip";  // absent: none (the checkpoints of earlier releases)
  if (!loss_weights.empty()) m["loss_weights"] = loss_weights;
  if (!weights_sha256.empty()) m["weights_sha256"] = weights_sha256;
  if (au_thresholds) m["au_thresholds"] = *au_thresholds;
  if (ex_offsets) m["ex_offsets"] = *ex_offsets;
  if (!trained_sha256.empty()) m["trained_sha256"] = trained_sha256;
  if (!head_kind.empty()) m["head_kind"] = head_kind;
  if (!joint.empty()) m["joint"] = json::parse(joint);
  return m.dump();
}

CheckpointMeta CheckpointMeta::from_json(const std::string& text, const std::string& source) {
  json m;
  try {
    m = json::parse(text);
  } catch (const json::exception&) {
    throw InputError(source + ": checkpoint metadata is not valid JSON");
  }
  CheckpointMeta c;
  try {
    read_identity(m, c, source);
    read_head_options(m, c);
    read_training(m, c);
    read_tuned(m, c);
    if (m.contains("joint")) {
      if (!m.at("joint").is_object()) throw std::invalid_argument("joint must be an object");
      c.joint = m.at("joint").dump();
    }
  } catch (const json::exception& e) {
    throw InputError(source + ": incomplete or mistyped checkpoint metadata: " + e.what());
  } catch (const std::invalid_argument& e) {
    throw InputError(source + ": bad value in the checkpoint metadata: " + e.what());
  }
  return c;
}

}  // namespace mtl
