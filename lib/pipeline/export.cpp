// mtl-export: the trained heads (and the backbone) as one TorchScript module. The heads' C++
// modules hold no TorchScript methods, so their parameters are copied into torch::jit::Modules
// with the forward each head kind writes in TorchScript (TaskHead::script_forward, in au_head.cpp,
// ex_head.cpp and va_head.cpp; evaluation mode), and the model's own forward joins them here.
#include "mtl/pipeline/export.h"

#include <torch/csrc/jit/serialization/export.h>
#include <torch/script.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <sstream>
#include <nlohmann/json.hpp>

#include "mtl/core/atomic_file.h"
#include "mtl/core/checksum.h"
#include "mtl/core/error.h"
#include "mtl/core/labels.h"
#include "mtl/core/log.h"
#include "mtl/core/signals.h"
#include "mtl/core/thresholds.h"
#include "mtl/core/version.h"
#include "mtl/model/checkpoint.h"
#include "mtl/model/head_set.h"
#include "mtl/model/script_head.h"
#include "mtl/pipeline/extract.h"
#include "mtl/vision/backbone.h"

namespace mtl {
namespace {

// Largest difference from the toolkit's own heads that the written model's self-check accepts.
constexpr double kSelfCheckTolerance = 1e-4;

std::string first_line(const std::exception& e) {
  const auto* c10 = dynamic_cast<const c10::Error*>(&e);
  const std::string msg = c10 ? c10->what_without_backtrace() : e.what();
  return msg.substr(0, msg.find('\n'));
}

// What goes into the model: the heads in the order AU, EX, VA (a head after those it reads).
struct Parts {
  std::optional<HeadSet> set;  // loaded by load_heads
  Thresholds thresholds;
  std::string thresholds_source;  // the file, the checkpoints that store them, or the AU checkpoint
  torch::jit::Module backbone;
  bool has_backbone = false, backbone_tuple = false;
  int feature_dim = 0, logits_dim = 0;  // logits_dim: what the heads that read logits need (0: none do)
  int context = 0;  // the largest context of the heads: > 0, the model reads windows of 2 context + 1 frames
  bool tta_flip = false;  // --tta flip: the mean over the input and its mirror
  std::vector<LoadedHead>& heads() { return set->heads(); }
  const std::vector<LoadedHead>& heads() const { return set->heads(); }
  const LoadedHead* find(Task t) const { return set->find(t); }
};

// All heads must read the same features; those that read logits too, the same number of them.
void check_feature_sizes(Parts& p) {
  const LoadedHead* first = nullptr;
  const LoadedHead* first_logits = nullptr;
  for (const auto& h : p.heads()) {
    if (first && h.meta.feature_dim != first->meta.feature_dim)
      throw InputError(h.path + " was trained on " + std::to_string(h.meta.feature_dim) + " features per image, but " +
                       first->path + " on " + std::to_string(first->meta.feature_dim));
    if (!first) first = &h;
    if (!h.meta.with_logits) continue;
    if (first_logits && h.meta.logits_dim != first_logits->meta.logits_dim)
      throw InputError(h.path + " reads " + std::to_string(h.meta.logits_dim) + " logits per image, but " +
                       first_logits->path + " reads " + std::to_string(first_logits->meta.logits_dim));
    if (!first_logits) first_logits = &h;
  }
  p.feature_dim = first->meta.feature_dim;
  p.logits_dim = first_logits ? first_logits->meta.logits_dim : 0;
}

void load_heads(const ExportOptions& o, Parts& p) {
  p.set.emplace(o.checkpoints);  // an EX head with attention needs the AU head it was trained with
  for (const auto& h : p.heads()) p.context = std::max(p.context, h.head->context());
  check_feature_sizes(p);
  // What a thresholds file leaves untuned (null AUs, no offsets) keeps the heads' own.
  const LoadedHead *au = p.find(Task::AU), *ex = p.find(Task::EX);
  p.thresholds = p.set->own_thresholds(false);
  p.thresholds_source = p.set->own_thresholds_source();
  if (!o.thresholds.empty()) {
    const Thresholds file = read_thresholds(o.thresholds);
    p.thresholds = file.over(p.thresholds);
    // The file alone decides when it sets all that the exported heads decide with.
    const bool all = (!au || !std::count(file.au_set.begin(), file.au_set.end(), false)) && (!ex || file.ex_offsets);
    p.thresholds_source = all || p.thresholds_source.empty() ? o.thresholds : o.thresholds + " over " + p.thresholds_source;
    if (!au && !ex) logging::warn(o.thresholds + " is not used: no AU or EX head is exported");
  }
}

// Loads the backbone, learns from a blank batch whether it returns a (features, logits) tuple and
// how many of each, and checks them against the heads.
// The backbone as the toolkit runs it on the CPU: frozen and optimised (`optimize`) for the
// reference outputs, or as loaded, to learn the shape of its outputs.
Backbone toolkit_backbone(const ExportOptions& o, bool optimize) {
  BackboneOptions b;
  b.input_size = o.pre.size;
  b.size_from_file = o.size_from_backbone;
  b.optimize = optimize;
  return Backbone(o.backbone, b);
}

void load_backbone(ExportOptions& o, Parts& p) {
  if (p.context > 0)
    throw UsageError("a model of heads with temporal context (--context " + std::to_string(p.context) + ") reads " +
                     "windows of a video's features, not images: export it without --backbone");
  // First as the toolkit loads it: its checks and messages (not TorchScript, logits only, a --size
  // against the recorded one), and the recorded input size.
  Backbone probe = toolkit_backbone(o, false);
  o.pre.size = probe.options().input_size;
  o.size_from_backbone = false;
  try {
    p.backbone = torch::jit::load(o.backbone, torch::kCPU);
  } catch (const std::exception& e) {
    throw InputError(o.backbone + ": cannot load TorchScript backbone: " + first_line(e));
  }
  p.backbone.eval();
  p.has_backbone = true;
  c10::IValue out;
  {
    c10::InferenceMode guard;
    out = p.backbone.forward({torch::zeros({1, 3, o.pre.size, o.pre.size})});
  }
  p.backbone_tuple = out.isTuple();
  if (probe.feature_dim() != p.feature_dim)
    throw InputError(o.backbone + " gives " + std::to_string(probe.feature_dim()) + " features per image, but " +
                     p.heads().front().path + " was trained on " + std::to_string(p.feature_dim));
  for (const auto& h : p.heads())
    if (h.meta.with_logits && probe.logits_dim() != h.meta.logits_dim)
      throw InputError(o.backbone + " gives " + std::to_string(probe.logits_dim()) + " logits per image, but " + h.path +
                       " was trained on features with " + std::to_string(h.meta.logits_dim) + " logits appended");
  p.set->warn_other_backbone(sha256_file(o.backbone), o.backbone);
}

// What forward takes: "images", "features" or "features+logits".
std::string input_name(const Parts& p) {
  return p.has_backbone ? "images" : p.logits_dim > 0 ? "features+logits" : "features";
}
int input_dim(const Parts& p) { return p.feature_dim + p.logits_dim; }

// The signature of the model's forward ("x: Tensor, mask: Tensor" ...): images, features, or windows
// of features and their mask; with --tta flip from features, the mirrored images' features too.
std::string forward_arguments(const Parts& p) {
  std::string a = "self, x: Tensor";
  if (p.context > 0) a += ", mask: Tensor";
  if (p.tta_flip && !p.has_backbone) a += ", x_mirror: Tensor";
  return a;
}

// Lines that check the model input `x` and turn it into h [B, feature_dim + logits_dim] (windows:
// [B, W, ...], masked), as the body of a method taking x (and mask).
std::string input_lines(const Parts& p, const Preprocess& pre) {
  const std::string S = std::to_string(pre.size), D = std::to_string(input_dim(p));
  if (p.context > 0) {
    const std::string W = std::to_string(2 * p.context + 1);
    return "    assert x.dim() == 3 and x.size(1) == " + W + " and x.size(2) == " + D +
           ", \"mtl model: the input must be windows of features [B," + W + "," + D + "] (" + input_name(p) + ")\"\n"
           "    assert mask.dim() == 2 and mask.size(0) == x.size(0) and mask.size(1) == " + W +
           ", \"mtl model: the mask must be [B," + W + "], 1 for a frame and 0 for none\"\n"
           "    assert x.is_floating_point(), \"mtl model: the input must be a float batch\"\n"
           "    h = x.float() * mask.float().unsqueeze(-1)\n";
  }
  if (!p.has_backbone)
    return "    assert x.dim() == 2 and x.size(1) == " + D + ", \"mtl model: the input must be a float batch [B," + D +
           "] (" + input_name(p) + ")\"\n"
           "    assert x.is_floating_point(), \"mtl model: the input must be a float batch\"\n"
           "    h = x.float()\n";
  std::string s = "    assert x.dim() == 4 and x.size(1) == 3 and x.size(2) == " + S + " and x.size(3) == " + S +
                  ", \"mtl model: the input must be RGB images [B,3," + S + "," + S + "] scaled to [0,1]\"\n"
                  "    assert x.is_floating_point(), \"mtl model: the images must be floats scaled to [0,1]\"\n"
                  "    out = self.backbone.forward((x.float() - self.pixel_mean) / self.pixel_std)\n";
  if (!p.backbone_tuple) return s + "    h = out.float()\n";
  if (p.logits_dim == 0) return s + "    h = out[0].float()\n";
  return s + "    h = torch.cat([out[0].float(), out[1].float()], 1)\n";
}

// Lines that run the heads on h (and mask) and put their outputs under the JSONL's keys in `res`.
// A row whose features (or a head's outputs) are NaN or infinite is an error, as in mtl-predict: a
// NaN probability would otherwise decide "no AU" and a class.
std::string head_lines(const Parts& p) {
  std::string s = "    assert bool(torch.isfinite(h).all()), \"mtl model: a row's features are NaN or infinite\"\n"
                  "    res: Dict[str, Tensor] = {}\n";
  if (p.context > 0) s += "    mask = mask.float()\n    hc = h.select(1, " + std::to_string(p.context) + ")\n";
  for (const auto& h : p.heads()) {
    // Its input: the centre frames [B,D] (per-frame heads), or the windows and the mask.
    const bool windows = h.head->context() > 0;
    const std::string all = p.context == 0 ? "h" : windows ? "h" : "hc", dim = p.context > 0 && windows ? "2" : "1";
    const std::string x = (h.meta.with_logits || p.logits_dim == 0 ? all : all + ".narrow(" + dim + ", 0, " +
                                                                                std::to_string(p.feature_dim) + ")") +
                          (windows ? ", mask" : "");
    switch (h.meta.task) {
      case Task::AU:
        s += "    p_au = self.au.forward(" + x + ")\n    res[\"au_prob\"] = p_au\n    res[\"au\"] = (p_au >= self.au_thresholds).long()\n";
        break;
      case Task::EX:
        s += h.head->needs().empty() ? "    ex_logits = self.ex.forward(" + x + ")\n"
                                     : "    ex_logits = self.ex.forward(" + x + ", p_au)\n";
        s += "    ex_prob = torch.softmax(ex_logits, 1)\n    res[\"ex_prob\"] = ex_prob\n";
        // Without offsets the class is the argmax of the logits, as in mtl-predict: float32
        // probabilities can tie where the logits do not. Offsets act on the log-probabilities of a
        // prediction line (mtl-formats(5)), which is what a filter over JSONL can reproduce.
        s += p.thresholds.ex_offsets ? "    res[\"ex\"] = torch.argmax(torch.log(ex_prob) + self.ex_offsets, 1)\n"
                                     : "    res[\"ex\"] = torch.argmax(ex_logits, 1)\n";
        break;
      case Task::VA: s += "    res[\"va\"] = self.va.forward(" + x + ")\n"; break;
    }
  }
  return s;
}

const char* kFiniteOutputs =
    "    for key, value in res.items():\n"
    "        assert bool(torch.isfinite(value.float()).all()), \"mtl model: a head gave NaN or infinity\"\n"
    "    return res\n";

// The model's methods. Without --tta flip, one forward: the input, the heads in order, the outputs.
// With it, prepare() (the input as h) and heads() (the heads on h) run on the input and on its
// mirror (the images flipped left to right here, or the x_mirror given), and forward() returns the
// mean of the two passes' probabilities and VA values, deciding on the means as mtl-predict --tta
// flip does (an AU at its threshold, the class of the largest log mean probability plus its offset).
std::vector<std::string> model_sources(const Parts& p, const Preprocess& pre) {
  if (!p.tta_flip) return {"def forward(" + forward_arguments(p) + ") -> Dict[str, Tensor]:\n" + input_lines(p, pre) +
                           head_lines(p) + kFiniteOutputs};
  const std::string mask_arg = p.context > 0 ? ", mask: Tensor" : "", mask = p.context > 0 ? ", mask" : "";
  std::string f = "def forward(" + forward_arguments(p) + ") -> Dict[str, Tensor]:\n";
  f += "    a = self.heads(self.prepare(x" + mask + ")" + mask + ")\n";
  f += p.has_backbone ? "    b = self.heads(self.prepare(torch.flip(x, [3])" + mask + ")" + mask + ")\n"
                      : "    b = self.heads(self.prepare(x_mirror" + mask + ")" + mask + ")\n";
  f += "    res: Dict[str, Tensor] = {}\n";
  for (const auto& h : p.heads()) switch (h.meta.task) {
      case Task::AU:
        f += "    res[\"au_prob\"] = (a[\"au_prob\"] + b[\"au_prob\"]) / 2\n"
             "    res[\"au\"] = (res[\"au_prob\"] >= self.au_thresholds).long()\n";
        break;
      case Task::EX:
        f += "    res[\"ex_prob\"] = (a[\"ex_prob\"] + b[\"ex_prob\"]) / 2\n"
             "    res[\"ex\"] = torch.argmax(torch.log(res[\"ex_prob\"]) + self.ex_offsets, 1)\n";
        break;
      case Task::VA: f += "    res[\"va\"] = (a[\"va\"] + b[\"va\"]) / 2\n"; break;
    }
  return {"def prepare(self, x: Tensor" + mask_arg + ") -> Tensor:\n" + input_lines(p, pre) + "    return h\n",
          "def heads(self, h: Tensor" + mask_arg + ") -> Dict[str, Tensor]:\n" + head_lines(p) + "    return res\n",
          f + kFiniteOutputs};
}

// The metadata JSON: each head's checkpoint metadata and file identity, the backbone and thresholds.
std::string metadata_json(const ExportOptions& o, const Parts& p) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& h : p.heads())
    j["heads"][task_name(h.meta.task)] = {{"path", h.path}, {"sha256", sha256_file(h.path)},
                                          {"metadata", nlohmann::json::parse(h.meta.to_json())}};
  if (p.has_backbone) j["backbone"] = {{"path", o.backbone}, {"sha256", sha256_file(o.backbone)}};
  j["thresholds"] = nlohmann::json::parse(thresholds_json(p.thresholds));
  j["thresholds_source"] = p.thresholds_source;
  return j.dump();
}

template <typename T>
c10::List<T> list_of(const std::vector<T>& v) {
  c10::List<T> l;
  for (const auto& x : v) l.push_back(x);
  return l;
}

void register_attributes(torch::jit::Module& m, const ExportOptions& o, const Parts& p) {
  auto str = [&](const char* n, const std::string& v) { m.register_attribute(n, c10::StringType::get(), v); };
  auto num = [&](const char* n, int64_t v) { m.register_attribute(n, c10::IntType::get(), v); };
  auto strs = [&](const char* n, const std::vector<std::string>& v) {
    m.register_attribute(n, c10::ListType::ofStrings(), list_of(v));
  };
  str("format", "mtl-model");
  num("format_version", kModelFormatVersion);
  str("toolkit_version", toolkit_version());
  str("input", input_name(p));
  num("input_size", p.has_backbone ? o.pre.size : 0);
  num("input_dim", p.has_backbone ? 0 : input_dim(p));
  num("feature_dim", p.feature_dim);
  num("logits_dim", p.logits_dim);
  num("context", p.context);  // > 0: forward(x [B,2 context+1,input_dim], mask [B,2 context+1])
  str("tta", p.tta_flip ? "flip" : "none");  // flip from features: forward(..., x_mirror) after the others
  const std::vector<double> mean(o.pre.mean.begin(), o.pre.mean.end()), sd(o.pre.std.begin(), o.pre.std.end());
  m.register_attribute("mean", c10::ListType::ofFloats(), list_of(mean));
  m.register_attribute("std", c10::ListType::ofFloats(), list_of(sd));
  std::vector<std::string> tasks, au(au_names().begin(), au_names().end()), ex(ex_names().begin(), ex_names().end());
  for (const auto& h : p.heads()) tasks.push_back(task_name(h.meta.task));
  strs("tasks", tasks);
  strs("au_names", au);
  strs("ex_names", ex);
  str("metadata", metadata_json(o, p));
}

torch::Tensor from_floats(const float* v, int64_t n) {
  return torch::from_blob(const_cast<float*>(v), {n}, torch::kFloat32).clone();
}

torch::jit::Module build_model(const ExportOptions& o, Parts& p) {
  auto cu = std::make_shared<torch::jit::CompilationUnit>();
  torch::jit::Module m(c10::QualifiedName("__torch__.mtl_export.Model"), cu, /*shouldMangle=*/true);
  m.register_attribute("training", c10::BoolType::get(), false);
  register_attributes(m, o, p);
  m.register_buffer("pixel_mean", from_floats(o.pre.mean.data(), 3).view({1, 3, 1, 1}));
  m.register_buffer("pixel_std", from_floats(o.pre.std.data(), 3).view({1, 3, 1, 1}));
  m.register_buffer("au_thresholds", from_floats(p.thresholds.au.data(), kNumAU));
  std::array<float, kNumEX> zeros{};
  m.register_buffer("ex_offsets", from_floats(p.thresholds.ex_offsets ? p.thresholds.ex_offsets->data() : zeros.data(), kNumEX));
  if (p.has_backbone) m.register_module("backbone", p.backbone);
  try {
    for (auto& h : p.heads()) {
      const std::string name = task_name(h.meta.task);
      m.register_module(name, script_head(*h.head, name + "_head", cu));
    }
    for (const auto& source : model_sources(p, o.pre)) m.define(source);
  } catch (const std::exception& e) {  // a bug here, not a bad input
    throw Error(std::string("cannot build the TorchScript model: ") + e.what(), kExitFailure);
  }
  m.eval();
  return m;
}

// The toolkit's own outputs for the model input x (images or features): the backbone as mtl-predict
// runs it (frozen and optimised), then the heads, under the JSONL's keys.
std::map<std::string, torch::Tensor> reference(const ExportOptions& o, Parts& p, const torch::Tensor& x,
                                               const torch::Tensor& mask) {
  torch::NoGradGuard ng;
  torch::Tensor h = x;
  if (p.has_backbone) {
    Backbone bb = toolkit_backbone(o, true);
    auto mean = from_floats(o.pre.mean.data(), 3).view({1, 3, 1, 1}), sd = from_floats(o.pre.std.data(), 3).view({1, 3, 1, 1});
    auto normalised = ((x - mean) / sd).contiguous();
    std::vector<float> f, l;
    const int n = static_cast<int>(x.size(0));
    bb.forward(normalised.data_ptr<float>(), n, f, l);
    h = from_floats(f.data(), static_cast<int64_t>(f.size())).view({n, -1});
    if (p.logits_dim > 0) h = torch::cat({h, from_floats(l.data(), static_cast<int64_t>(l.size())).view({n, -1})}, 1);
  }
  UpstreamOutputs up;
  std::map<std::string, torch::Tensor> out;
  for (auto& head : p.heads()) {
    auto xi = head.meta.with_logits || p.logits_dim == 0 ? h : h.narrow(-1, 0, p.feature_dim);
    auto y = head.head->prediction(p.context > 0 ? head.head->forward_window(xi, mask, up) : head.head->forward(xi, up));
    up[head.meta.task] = y;
    out[head.meta.task == Task::AU ? "au_prob" : head.meta.task == Task::EX ? "ex_prob" : "va"] = y;
  }
  return out;
}

// Loads the model's bytes with torch::jit::load, runs it on a test batch and compares it with the
// toolkit's heads. Returns the largest difference; throws Error (exit 1) naming `file` when it is
// too large or an output is missing or malformed.
double self_check(const std::string& bytes, const std::string& file, const ExportOptions& o, Parts& p) {
  torch::jit::Module m;
  c10::IValue out;
  torch::manual_seed(1);
  // Windows: each row has the first or the last frames missing, and a gap beside the centre.
  const int64_t W = 2 * p.context + 1;
  torch::Tensor x = p.has_backbone ? torch::rand({2, 3, o.pre.size, o.pre.size})
                    : p.context > 0 ? torch::randn({4, W, input_dim(p)})
                                    : torch::randn({4, input_dim(p)});
  torch::Tensor mask;
  if (p.context > 0) {
    mask = torch::ones({4, W});
    for (int64_t r = 0; r < 4; ++r) {
      const int64_t k = std::min<int64_t>(r, p.context);
      mask.index_put_({r, torch::indexing::Slice(r % 2 ? W - k : 0, r % 2 ? W : k)}, 0);
      mask.index_put_({r, p.context + 1}, 0);
    }
    x = x * mask.unsqueeze(-1);
  }
  // With --tta flip: the mirror, the images flipped here or other features.
  torch::Tensor x_mirror;
  if (p.tta_flip) x_mirror = p.has_backbone ? torch::flip(x, {3}) : p.context > 0 ? torch::randn_like(x) * mask.unsqueeze(-1)
                                                                                 : torch::randn_like(x);
  try {
    std::istringstream in(bytes);
    m = torch::jit::load(in, torch::kCPU);
    c10::InferenceMode guard;
    std::vector<c10::IValue> args{x};
    if (p.context > 0) args.push_back(mask);
    if (p.tta_flip && !p.has_backbone) args.push_back(x_mirror);
    out = m.forward(args);
    if (!out.isGenericDict()) throw std::runtime_error("forward does not return a dict");
  } catch (const std::exception& e) {
    throw Error(file + ": self-check: the written model does not run: " + first_line(e), kExitFailure);
  }
  auto fail = [&](const std::string& what) { throw Error(file + ": self-check: " + what, kExitFailure); };
  const auto got = out.toGenericDict();
  auto want = reference(o, p, x, mask);
  if (p.tta_flip)
    for (auto& [key, value] : reference(o, p, x_mirror, mask)) want[key] = (want[key] + value) / 2;
  double worst = 0;
  for (const auto& [key, ref] : want) {
    if (!got.contains(key)) fail("the model gives no \"" + key + "\"");
    const auto t = got.at(key).toTensor();
    if (t.sizes() != ref.sizes()) fail("\"" + key + "\" has another shape than the toolkit's");
    worst = std::max(worst, (t - ref).abs().max().item<double>());
  }
  const size_t keys = want.size() + want.count("au_prob") + want.count("ex_prob");  // au, ex beside their probabilities
  if (got.size() != keys) fail("the model gives " + std::to_string(got.size()) + " outputs, not " + std::to_string(keys));
  if (!(worst <= kSelfCheckTolerance))
    fail("the model's outputs differ from the toolkit's heads by " + std::to_string(worst));
  return worst;
}

// The model's file bytes, through a writer function (see write_archive in checkpoint.cpp: a short
// count would end the process).
std::string model_bytes(const torch::jit::Module& m, const std::string& file) {
  std::string bytes;
  try {
    torch::jit::ExportModule(m, [&](const void* data, size_t n) -> size_t {
      bytes.append(static_cast<const char*>(data), n);
      return n;
    });
  } catch (const std::exception& e) {
    throw OutputError(file + ": cannot write: " + first_line(e));
  }
  return bytes;
}

// Writes `bytes` to `path` (a temporary file, or a stream such as /dev/stdout, appended to); a
// full disk is an OutputError naming it. A stop signal received meanwhile ends the export here
// (Interrupted), so that the temporary file is removed.
void write_bytes(const std::string& path, const std::string& bytes) {
  write_through(path, [&](const ByteSink& sink) { sink(bytes.data(), bytes.size()); });
  if (int sig = stop_signal()) throw Interrupted(sig);
}

// Builds the model of the loaded parts, self-checks it in memory and writes it atomically.
ExportResult export_model(const ExportOptions& o, Parts& p) {
  auto model = build_model(o, p);
  ExportResult r;
  const std::string bytes = model_bytes(model, o.output);
  r.self_check_max_diff = self_check(bytes, o.output, o, p);
  if (int sig = stop_signal()) throw Interrupted(sig);
  write_atomically(o.output, [&](const std::string& tmp) { write_bytes(tmp, bytes); });
  r.input = p.has_backbone  ? "images [B,3," + std::to_string(o.pre.size) + "," + std::to_string(o.pre.size) + "]"
            : p.context > 0 ? "windows of " + input_name(p) + " [B," + std::to_string(2 * p.context + 1) + "," +
                                  std::to_string(input_dim(p)) + "] and their mask [B," +
                                  std::to_string(2 * p.context + 1) + "]"
                            : input_name(p) + " [B," + std::to_string(input_dim(p)) + "]";
  if (p.tta_flip)
    r.input += p.has_backbone ? " (and their mirror, flipped inside: --tta flip)" : ", then those of the mirrored images (--tta flip)";
  for (const auto& h : p.heads()) r.tasks += (r.tasks.empty() ? "" : " ") + std::string(task_name(h.meta.task));
  return r;
}

}  // namespace

void ExportOptions::check() const {
  bool any = false;
  for (const auto& [task, path] : checkpoints) any = any || !path.empty();
  if (!any) throw UsageError("give at least one checkpoint: --au, --ex or --va");
  if (output.empty()) throw UsageError("give the model file to write: -o MODEL.pt");
  pre.check();
}

ExportResult run_export(const ExportOptions& o) {
  o.check();
  std::vector<std::string> inputs;
  for (const auto& f : {o.backbone, o.thresholds})
    if (!f.empty()) inputs.push_back(f);
  for (const auto& [task, path] : o.checkpoints)
    if (!path.empty()) inputs.push_back(path);
  check_output_path("-o", o.output, inputs, OutputKind::FileOrStream);
  Parts p;
  p.tta_flip = o.tta_flip;
  load_heads(o, p);
  ExportOptions resolved = o;  // with the backbone's input size
  if (!o.backbone.empty()) load_backbone(resolved, p);
  return export_model(resolved, p);
}

}  // namespace mtl
