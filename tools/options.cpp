// The option groups, bound to the library's option structs (a head's, made from its kind's
// settings); defaults come from those structs.
#include "options.h"

#include <algorithm>
#include <cctype>

#include "mtl/core/error.h"
#include "mtl/core/memory.h"
#include "mtl/model/runtime.h"

namespace mtl {
namespace cli {
namespace {

std::string floats_text(const std::array<float, 3>& v) {
  return default_text(v[0]) + "," + default_text(v[1]) + "," + default_text(v[2]);
}

// "AU": a task's name as --help writes it.
std::string upper(Task task) {
  std::string g = task_name(task);
  for (char& c : g) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return g;
}

// One option per setting in `group`, bound to nothing (finish_settings sets the values).
void add_settings(Parser& p, const std::string& group, const std::vector<HeadSetting>& settings, const HeadOptions& head) {
  for (const HeadSetting& s : settings) {
    const std::string name = setting_option(s.name);  // "node-dim", "k"
    switch (s.type) {
      case HeadSetting::Type::Int:
        p.add(group)(name, s.help, cxxopts::value<int>()->default_value(default_text(static_cast<int>(s.number(head)))));
        break;
      case HeadSetting::Type::Real:
        p.add(group)(name, s.help, cxxopts::value<double>()->default_value(default_text(s.number(head))));
        break;
      case HeadSetting::Type::Choice:
        p.add(group)(name, s.help, cxxopts::value<std::string>()->default_value(s.text(head)));
        break;
    }
  }
}

void finish_settings(const cxxopts::ParseResult& r, const std::vector<HeadSetting>& settings, HeadOptions& head) {
  for (const HeadSetting& s : settings) {
    const std::string name = setting_option(s.name), option = option_spelling(s.name);
    switch (s.type) {
      case HeadSetting::Type::Int: s.set_number(head, r[name].as<int>()); break;
      case HeadSetting::Type::Real: s.set_number(head, r[name].as<double>()); break;
      case HeadSetting::Type::Choice: {
        const auto text = r[name].as<std::string>();
        if (std::find(s.choices.begin(), s.choices.end(), text) == s.choices.end())
          throw UsageError(option + " must be " + choices_text(s) + ", not '" + text + "'");
        s.set_text(head, text);
        break;
      }
    }
  }
}

// The head's own option group, made from the settings of its task's default kind (HeadSetting:
// each head file lists its own), after the checkpoints of the heads it reads (EX: --au); then the
// temporal context's group (--context > 0 makes the task's temporal kind).
void add_head_options(Parser& p, TrainOptions& o) {
  const std::string group = upper(o.task) + " head";
  for (Task up : upstream_tasks(o.task, HeadOptions{}))
    p.add(group)(task_name(up),
                 "trained " + upper(up) + " checkpoint, frozen while the " + group + " trains (required with attention)",
                 cxxopts::value(o.upstream[up]));
  add_settings(p, group, *head_settings(o.task, ""), o.head);
  add_settings(p, "Temporal context", temporal_settings(), o.head);
}

void finish_head_options(const cxxopts::ParseResult& r, TrainOptions& o) {
  finish_settings(r, *head_settings(o.task, ""), o.head);
  finish_settings(r, temporal_settings(), o.head);
}

}  // namespace

void add_input_options(Parser& p, const std::string& group, Preprocess& pre) {
  p.add(group)
    ("size", "input size S of the S x S backbone input, 224 for B0, 260 for B2 (default: the backbone's "
             "recorded size, else " + default_text(pre.size) + ")", cxxopts::value(pre.size))
    ("mean", "normalisation mean, R,G,B", cxxopts::value<std::vector<float>>()->default_value(floats_text(pre.mean)))
    ("std", "normalisation standard deviation, R,G,B",
     cxxopts::value<std::vector<float>>()->default_value(floats_text(pre.std)));
}

bool finish_input_options(const cxxopts::ParseResult& r, Preprocess& pre) {
  for (auto [name, dst] : {std::pair{"mean", &pre.mean}, std::pair{"std", &pre.std}}) {
    auto v = r[name].as<std::vector<float>>();
    if (v.size() != 3) throw UsageError(std::string("--") + name + " takes three values, R,G,B");
    std::copy(v.begin(), v.end(), dst->begin());
  }
  return r.count("size") == 0;
}

void add_image_options(Parser& p, const std::string& group, ExtractOptions& o) {
  p.add(group)
    ("image-root", "folder that the listed paths are relative to (cropped_aligned)", cxxopts::value(o.image_root))
    ("skip-bad", "skip unreadable, undecodable or truncated images and images whose features are not finite, name them on stderr, and go on")
    ("allow-outside-root", "read listed paths that are absolute or climb out of --image-root with ..")
    ("batch", "images per backbone forward", cxxopts::value(o.batch)->default_value(default_text(o.batch)));
  add_input_options(p, group, o.pre);
  p.add(group)
    ("resize", "how images are resized to S x S: pil (antialiased when shrinking, as HSEmotion's Python "
               "code) or opencv (as EmotiEffLib's C++ library; stores without a resize record)",
     cxxopts::value<std::string>()->default_value(resize_name(o.pre.resize)))
    ("fp16", "run the backbone in half precision (CUDA only; mtl-extract still stores float32 unless --half)")
    ("channels-last", "run the backbone on NHWC activations (faster on GPUs with tensor cores)");
}

void finish_image_options(const cxxopts::ParseResult& r, ExtractOptions& o) {
  o.size_from_backbone = finish_input_options(r, o.pre);
  const auto resize = r["resize"].as<std::string>();
  if (auto m = parse_resize(resize)) o.pre.resize = *m;
  else throw UsageError("--resize must be pil or opencv, not '" + resize + "'");
  o.skip_bad = r.count("skip-bad") > 0;
  o.allow_outside_root = r.count("allow-outside-root") > 0;
  o.fp16 = r.count("fp16") > 0;
  o.channels_last = r.count("channels-last") > 0;
  o.check();
}

void add_checkpoint_options(Parser& p, std::map<Task, std::string>& checkpoints) {
  for (Task t : kAllTasks) {
    const std::string name = task_name(t), big = upper(t);
    std::string help = big + " checkpoint (mtl-train-" + name + ")";
    for (Task up : upstream_tasks(t, HeadOptions{}))
      help += std::string("; with attention it needs --") + task_name(up);
    p.add()(name, help, cxxopts::value(checkpoints[t]), big + ".pt");
  }
}

bool parse_flip(const std::string& option, const std::string& value) {
  if (value != "none" && value != "flip") throw UsageError(option + " must be none or flip, not '" + value + "'");
  return value == "flip";
}

void add_train_options(Parser& p, TrainOptions& o) {
  TrainRecipe& t = o.recipe;
  p.add("Data")
    ("train", "feature store to train on (repeat for shards)", cxxopts::value(o.train))
    ("val", "feature store for validation (repeat for shards); picks the best epoch", cxxopts::value(o.val))
    ("o,output", "checkpoint to write (required)", cxxopts::value(o.output))
    ("log", "write the per-epoch JSON lines here instead of stderr", cxxopts::value(o.log))
    ("no-resume", "start afresh even when a stopped run left OUTPUT.resume with the same settings")
    ("memory-budget", "memory for the training rows, e.g. 512M or 4G (default: half the memory available); "
                      "rows that do not fit are streamed from the stores, in the same batches", cxxopts::value<std::string>())
    ("input", "head input: features, features+logits (the authors' 1288 values), or auto (logits appended "
              "when the store has them)", cxxopts::value<std::string>()->default_value(input_kind_name(t.input)));
  add_recipe_options(p, t);
  add_head_options(p, o);
}

void add_recipe_options(Parser& p, TrainRecipe& t) {
  p.add("Training")
    ("epochs", "epochs", cxxopts::value(t.epochs)->default_value(default_text(t.epochs)))
    ("batch", "rows per batch", cxxopts::value(t.batch)->default_value(default_text(t.batch)))
    ("lr", "SGD learning rate", cxxopts::value(t.sam.lr)->default_value(default_text(t.sam.lr)))
    ("momentum", "SGD momentum", cxxopts::value(t.sam.momentum)->default_value(default_text(t.sam.momentum)))
    ("weight-decay", "SGD weight decay",
     cxxopts::value(t.sam.weight_decay)->default_value(default_text(t.sam.weight_decay)))
    ("rho", "SAM neighbourhood size (0: plain SGD steps taken twice)",
     cxxopts::value(t.sam.rho)->default_value(default_text(t.sam.rho)))
    ("augment", "none, or flip: each row, each epoch, trains on the features of its mirrored image with "
                "probability 0.5 (needs stores written by mtl-extract --mirror; the labels do not change)",
     cxxopts::value<std::string>()->default_value("none"));
}

void finish_recipe_options(const cxxopts::ParseResult& r, TrainRecipe& t) {
  t.augment_flip = parse_flip("--augment", r["augment"].as<std::string>());
}

size_t memory_budget_option(const cxxopts::ParseResult& r) {
  if (!r.count("memory-budget")) return 0;
  const auto text = r["memory-budget"].as<std::string>();
  auto size = parse_size(text);
  if (!size || *size == 0)
    throw UsageError("--memory-budget must be a size such as 512M or 4G (at most 16777215T), not '" + text + "'");
  return *size;
}

void finish_train_options(const Parser& p, const cxxopts::ParseResult& r, TrainOptions& o) {
  o.seed = p.common().seed;
  o.threads = p.common().threads;
  o.device = p.common().device;
  if (p.common().deterministic) set_deterministic();
  o.resume = r.count("no-resume") == 0;
  o.memory_budget = memory_budget_option(r);
  const auto input = r["input"].as<std::string>();
  if (auto k = parse_input_kind(input)) o.recipe.input = *k;
  else throw UsageError("--input must be features, features+logits or auto, not '" + input + "'");
  finish_recipe_options(r, o.recipe);
  finish_head_options(r, o);
  o.check();
}

}  // namespace cli
}  // namespace mtl
