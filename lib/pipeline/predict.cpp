// Prediction: heads from checkpoints, rows from stores or from images, JSON lines out.
#include "mtl/pipeline/predict.h"

#include <algorithm>
#include <cmath>

#include "mtl/core/checksum.h"
#include "mtl/core/error.h"
#include "mtl/core/log.h"
#include "mtl/core/predictions.h"
#include "mtl/core/signals.h"
#include "mtl/core/thresholds.h"
#include "mtl/model/checkpoint.h"
#include "mtl/model/runtime.h"
#include "mtl/pipeline/training_data.h"
#include "mtl/vision/backbone.h"
#include "tuned_thresholds.h"

namespace mtl {
namespace {

constexpr size_t kStoreChunk = 4096;

// The loaded heads, in an order where every head comes after the heads it reads.
class HeadSet {
 public:
  HeadSet(const std::map<Task, std::string>& checkpoints, const torch::Device& device) : device_(device) {
    for (const auto& [task, path] : checkpoints)
      if (!path.empty()) heads_.push_back(load_checkpoint(path, task));
    for (auto& h : heads_) check_upstream(h);
    // Upstream heads first: a head reads only heads of earlier tasks (EX reads AU).
    std::stable_sort(heads_.begin(), heads_.end(),
                     [](const LoadedHead& a, const LoadedHead& b) { return a.head->needs().size() < b.head->needs().size(); });
    for (auto& h : heads_) h.head->module().to(device_);
  }

  // Decides every row with `file` (a thresholds file, if any) over the heads' own thresholds (their
  // training threshold, or those stored in them unless `untuned`), and records them on each line.
  void set_thresholds(const std::optional<Thresholds>& file, bool untuned) {
    const LoadedHead *au = find(Task::AU), *ex = find(Task::EX);
    const Thresholds own = own_thresholds(au, ex, untuned);
    thresholds_ = file ? file->over(own) : own;
    // The heads' own decisions stand (on the logits) unless thresholds were given or stored.
    redecide_ = file || (!untuned && ((au && au->meta.au_thresholds) || (ex && ex->meta.ex_offsets)));
  }

  // Predicts the rows of `source` and writes their JSON lines.
  void predict(const FeatureRows& rows, const std::string& source, std::ostream& out) {
    if (rows.size() == 0) return;
    torch::NoGradGuard ng;
    UpstreamOutputs outputs;
    struct Rows {
      const TaskHead* head;
      torch::Tensor out, pred;  // raw output and prediction(), float32 on the CPU
    };
    std::vector<Rows> preds;
    for (auto& h : heads_) {
      auto x = head_input(rows, h.meta.with_logits, h.meta.in_dim, source, h.path).to(device_);
      auto o = h.head->forward(x, outputs);
      auto p = h.head->prediction(o);
      outputs[h.meta.task] = p;
      auto cpu = [](const torch::Tensor& t) { return t.to(torch::kCPU, torch::kFloat32).contiguous(); };
      preds.push_back({h.head.get(), cpu(o), cpu(p)});
      refuse_nonfinite(preds.back().pred, rows, source, h);
    }
    std::string buf;
    for (size_t i = 0; i < rows.size(); ++i) {
      Prediction line;
      line.image = rows.image[i];
      for (const auto& r : preds)
        r.head->fill(r.out.data_ptr<float>() + i * r.out.size(1), r.pred.data_ptr<float>() + i * r.pred.size(1), line);
      if (redecide_) apply_thresholds(line, thresholds_);
      else record_thresholds(line, thresholds_);
      buf += format_prediction(line);
      buf += '\n';
    }
    out << buf;
    if (!out) throw OutputError("error writing predictions to standard output");
  }

  // Features from another backbone than the one a head was trained on give predictions without
  // meaning, but a re-exported backbone can differ in bytes only: a warning names both.
  void warn_other_backbone(const std::string& sha256, const std::string& source) const {
    for (const auto& h : heads_)
      for (const auto& s : h.meta.train_data)
        if (!s.backbone_sha256.empty() && !sha256.empty() && s.backbone_sha256 != sha256) {
          logging::warn(source + " comes from another backbone (SHA-256 " + sha256.substr(0, 12) + "...) than the features " +
                        h.path + " was trained on (" + s.path + ": " + s.backbone_sha256.substr(0, 12) + "...)");
          break;
        }
  }

  // Images resized otherwise than for the features a head was trained on shift its input: a warning.
  void warn_other_resize(const std::string& method) const {
    for (const auto& h : heads_)
      for (const auto& s : h.meta.train_data)
        if (!s.resize.empty() && s.resize != method) {
          logging::warn("images are resized with --resize " + method + ", but " + h.path + " was trained on features of " +
                        s.path + ", resized with " + s.resize);
          return;
        }
  }

 private:
  // NaN is not JSON, and a NaN probability would print as a confident class: an error, exit 1.
  static void refuse_nonfinite(const torch::Tensor& p, const FeatureRows& rows, const std::string& source,
                               const LoadedHead& h) {
    const float* v = p.data_ptr<float>();
    for (int64_t i = 0; i < p.numel(); ++i)
      if (!std::isfinite(v[i])) {
        const size_t row = static_cast<size_t>(i / std::max<int64_t>(p.size(1), 1));
        throw NotFinite(source + ": " + rows.image[row] + ": the " + task_name(h.meta.task) + " head (" + h.path +
                        ") gave NaN or infinity");
      }
  }

  // A head that reads another head's output needs that head, and should get the one it was trained with.
  void check_upstream(const LoadedHead& h) const {
    for (Task up : h.head->needs()) {
      const LoadedHead* have = find(up);
      if (!have)
        throw UsageError(h.path + " reads the " + task_name(up) + " head's output: give the " + task_name(up) +
                         " checkpoint it was trained with (--" + task_name(up) + ")");
      auto it = h.meta.upstream.find(up);
      if (it != h.meta.upstream.end() && !is_recorded_upstream(it->second, *have))
        logging::warn(h.path + " was trained with a different " + task_name(up) + " checkpoint (" + it->second.path +
                      ") than " + have->path);
    }
  }
  const LoadedHead* find(Task t) const {
    for (const auto& h : heads_)
      if (h.meta.task == t) return &h;
    return nullptr;
  }

  torch::Device device_;
  std::vector<LoadedHead> heads_;
  Thresholds thresholds_ = Thresholds::uniform(0.5f);
  bool redecide_ = false;
};

}  // namespace

void PredictOptions::check() const {
  bool any = false;
  for (const auto& [task, path] : checkpoints) any = any || !path.empty();
  if (!any) throw UsageError("give at least one checkpoint: --au, --ex or --va");
  if (inputs.empty()) throw UsageError(images.backbone.empty() ? "no feature store given" : "no image list given");
  if (!images.backbone.empty()) images.check();
  if (untuned && !thresholds.empty()) throw UsageError("--thresholds and --untuned exclude each other");
}

void run_predict(const PredictOptions& o, std::ostream& out) {
  o.check();
  set_threads(o.threads);
  const std::string device_name = resolve_device(o.device);
  const BackboneOptions net = o.images.backbone_options(device_name);  // checked before any file is read
  std::optional<Thresholds> file_thresholds;
  if (!o.thresholds.empty()) file_thresholds = read_thresholds(o.thresholds);  // before the heads load
  HeadSet heads(o.checkpoints, torch::Device(device_name == "cuda" ? torch::kCUDA : torch::kCPU));
  heads.set_thresholds(file_thresholds, o.untuned);
  if (o.images.backbone.empty()) {
    // Stores given together (shards) must hold comparable features: checked before the first line.
    if (o.inputs.size() > 1) {
      const StoreInfo first = FeatureStoreReader(o.inputs[0]).info();
      for (size_t i = 1; i < o.inputs.size(); ++i)
        check_same_features(FeatureStoreReader(o.inputs[i]).info(), o.inputs[i], first, o.inputs[0]);
    }
    for (const auto& path : o.inputs) {
      FeatureStoreReader store(path);
      heads.warn_other_backbone(store.info().backbone_sha256, path);
      for (size_t start = 0; start < store.rows(); start += kStoreChunk) {
        if (int sig = stop_signal()) throw Interrupted(sig);
        heads.predict(store.read(start, std::min(kStoreChunk, store.rows() - start)), path, out);
      }
    }
    return;
  }
  Backbone backbone(o.images.backbone, net);
  const std::string backbone_sha256 = sha256_file(o.images.backbone);
  bool checked_backbone = false;  // after the first batch, so that a broken backbone's error comes first
  ExtractOptions eo = o.images.for_backbone(backbone);
  eo.threads = o.threads;
  heads.warn_other_resize(resize_name(eo.pre.resize));
  for (const auto& path : o.inputs) {
    InputList list = read_input_list(path);
    auto res = extract_rows(list, eo, backbone, [&](const FeatureRows& r, size_t, const std::vector<std::string>&) {
      heads.predict(r, o.images.backbone, out);
      if (!checked_backbone) heads.warn_other_backbone(backbone_sha256, o.images.backbone);
      checked_backbone = true;
    });
    if (!res.skipped.empty())
      logging::warn(std::to_string(res.skipped.size()) + " of " + std::to_string(list.images.size()) + " images skipped");
  }
}

}  // namespace mtl
