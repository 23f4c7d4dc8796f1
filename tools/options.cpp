// The option groups, bound to the library's option structs; defaults come from those structs.
#include "options.h"

#include "mtl/core/error.h"
#include "mtl/core/memory.h"
#include "mtl/model/runtime.h"

namespace mtl {
namespace cli {
namespace {

std::string floats_text(const std::array<float, 3>& v) {
  return default_text(v[0]) + "," + default_text(v[1]) + "," + default_text(v[2]);
}

void add_au_options(Parser& p, AuHeadOptions& o) {
  p.add("AU head")
    ("node-dim", "per-AU node size C (0: the input size, as the authors)",
     cxxopts::value(o.node_dim)->default_value(default_text(o.node_dim)))
    ("k", "graph neighbours per node, itself included", cxxopts::value(o.k)->default_value(default_text(o.k)))
    ("dropout", "dropout on the input of the per-AU layers",
     cxxopts::value(o.dropout)->default_value(default_text(o.dropout)))
    ("node-init-std", "std of the per-AU weights (0: sqrt(1/C), as the authors)",
     cxxopts::value(o.node_init_std)->default_value(default_text(o.node_init_std)))
    ("threshold", "an AU is present when its probability reaches this (validation and mtl-predict)",
     cxxopts::value(o.threshold)->default_value(default_text(o.threshold)));
}

void add_ex_options(Parser& p, TrainOptions& t) {
  ExHeadOptions& o = t.head.ex;
  p.add("EX head")
    ("au", "trained AU checkpoint, frozen while the EX head trains (required with attention)",
     cxxopts::value(t.upstream[Task::AU]))
    ("attention", "cross attention on the AU output: additive (the authors' code), paper (the paper's "
                  "equations 6-7) or none", cxxopts::value<std::string>()->default_value(attention_name(o.attention)))
    ("attention-hidden", "hidden size of the additive attention",
     cxxopts::value(o.attention_hidden)->default_value(default_text(o.attention_hidden)))
    ("loss-mean", "class-weighted CE averaged as the authors (mean of P_y CE) or as PyTorch "
                  "(sum P_y CE / sum P_y): authors|pytorch",
     cxxopts::value<std::string>()->default_value(loss_mean_name(o.loss_mean)));
}

void finish_ex_options(const cxxopts::ParseResult& r, ExHeadOptions& o) {
  const auto a = r["attention"].as<std::string>();
  if (auto v = parse_attention(a)) o.attention = *v;
  else throw UsageError("--attention must be paper, additive or none, not '" + a + "'");
  const auto m = r["loss-mean"].as<std::string>();
  if (auto v = parse_loss_mean(m)) o.loss_mean = *v;
  else throw UsageError("--loss-mean must be authors or pytorch, not '" + m + "'");
}

// The head's own option group: the one place in the tools that says which options a head has.
void add_head_options(Parser& p, TrainOptions& o) {
  switch (o.task) {
    case Task::AU: add_au_options(p, o.head.au); break;
    case Task::EX: add_ex_options(p, o); break;
    case Task::VA: break;  // no options of its own
  }
}

void finish_head_options(const cxxopts::ParseResult& r, TrainOptions& o) {
  if (o.task == Task::EX) finish_ex_options(r, o.head.ex);
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
    const std::string name = task_name(t), upper = name == "au" ? "AU" : name == "ex" ? "EX" : "VA";
    std::string help = upper + " checkpoint (mtl-train-" + name + ")";
    for (Task up : upstream_tasks(t, HeadOptions{}))
      help += std::string("; with attention it needs --") + task_name(up);
    p.add()(name, help, cxxopts::value(checkpoints[t]), upper + ".pt");
  }
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
  p.add("Training")
    ("epochs", "epochs", cxxopts::value(t.epochs)->default_value(default_text(t.epochs)))
    ("batch", "rows per batch", cxxopts::value(t.batch)->default_value(default_text(t.batch)))
    ("lr", "SGD learning rate", cxxopts::value(t.sam.lr)->default_value(default_text(t.sam.lr)))
    ("momentum", "SGD momentum", cxxopts::value(t.sam.momentum)->default_value(default_text(t.sam.momentum)))
    ("weight-decay", "SGD weight decay",
     cxxopts::value(t.sam.weight_decay)->default_value(default_text(t.sam.weight_decay)))
    ("rho", "SAM neighbourhood size (0: plain SGD steps taken twice)",
     cxxopts::value(t.sam.rho)->default_value(default_text(t.sam.rho)));
  add_head_options(p, o);
}

void finish_train_options(const Parser& p, const cxxopts::ParseResult& r, TrainOptions& o) {
  o.seed = p.common().seed;
  o.threads = p.common().threads;
  o.device = p.common().device;
  if (p.common().deterministic) set_deterministic();
  o.resume = r.count("no-resume") == 0;
  if (r.count("memory-budget")) {
    const auto text = r["memory-budget"].as<std::string>();
    auto size = parse_size(text);
    if (!size || *size == 0)
      throw UsageError("--memory-budget must be a size such as 512M or 4G (at most 16777215T), not '" + text + "'");
    o.memory_budget = *size;
  }
  const auto input = r["input"].as<std::string>();
  if (auto k = parse_input_kind(input)) o.recipe.input = *k;
  else throw UsageError("--input must be features, features+logits or auto, not '" + input + "'");
  finish_head_options(r, o);
  o.check();
}

}  // namespace cli
}  // namespace mtl
