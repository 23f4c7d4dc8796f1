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
#include "mtl/model/head_set.h"
#include "mtl/model/runtime.h"
#include "mtl/pipeline/task_rows.h"
#include "mtl/vision/backbone.h"

namespace mtl {
namespace {

constexpr size_t kStoreChunk = 4096;

// The heads of a HeadSet on a device, deciding with the thresholds given or their own.
class Predictor {
 public:
  Predictor(const std::map<Task, std::string>& checkpoints, const torch::Device& device)
      : set_(checkpoints), device_(device) {
    for (auto& h : set_.heads()) h.head->module().to(device_);
  }
  const HeadSet& heads() const { return set_; }

  // Decides every row with `file` (a thresholds file, if any) over the heads' own thresholds (their
  // training threshold, or those stored in them unless `untuned`), and records them on each line.
  void set_thresholds(const std::optional<Thresholds>& file, bool untuned) {
    const LoadedHead *au = set_.find(Task::AU), *ex = set_.find(Task::EX);
    const Thresholds own = set_.own_thresholds(untuned);
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
    for (auto& h : set_.heads()) {
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

  HeadSet set_;
  torch::Device device_;
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
  Predictor predictor(o.checkpoints, torch::Device(device_name == "cuda" ? torch::kCUDA : torch::kCPU));
  predictor.set_thresholds(file_thresholds, o.untuned);
  if (o.images.backbone.empty()) {
    // Stores given together (shards) must hold comparable features: checked before the first line.
    if (o.inputs.size() > 1) {
      const StoreInfo first = FeatureStoreReader(o.inputs[0]).info();
      for (size_t i = 1; i < o.inputs.size(); ++i)
        check_same_features(FeatureStoreReader(o.inputs[i]).info(), o.inputs[i], first, o.inputs[0]);
    }
    for (const auto& path : o.inputs) {
      FeatureStoreReader store(path);
      predictor.heads().warn_other_backbone(store.info().backbone_sha256, path);
      for (size_t start = 0; start < store.rows(); start += kStoreChunk) {
        if (int sig = stop_signal()) throw Interrupted(sig);
        predictor.predict(store.read(start, std::min(kStoreChunk, store.rows() - start)), path, out);
      }
    }
    return;
  }
  Backbone backbone(o.images.backbone, net);
  const std::string backbone_sha256 = sha256_file(o.images.backbone);
  bool checked_backbone = false;  // after the first batch, so that a broken backbone's error comes first
  ExtractOptions eo = o.images.for_backbone(backbone);
  eo.threads = o.threads;
  predictor.heads().warn_other_resize(resize_name(eo.pre.resize));
  for (const auto& path : o.inputs) {
    InputList list = read_input_list(path);
    auto res = extract_rows(list, eo, backbone, [&](const FeatureRows& r, size_t, const std::vector<std::string>&) {
      predictor.predict(r, o.images.backbone, out);
      if (!checked_backbone) predictor.heads().warn_other_backbone(backbone_sha256, o.images.backbone);
      checked_backbone = true;
    });
    if (!res.skipped.empty())
      logging::warn(std::to_string(res.skipped.size()) + " of " + std::to_string(list.images.size()) + " images skipped");
  }
}

}  // namespace mtl
