// Prediction: heads from checkpoints, rows from stores or from images, JSON lines out.
#include "mtl/pipeline/predict.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "mtl/core/checksum.h"
#include "mtl/core/error.h"
#include "mtl/core/frame_windows.h"
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
  Predictor(const std::map<Task, std::string>& checkpoints, const torch::Device& device, bool tta_flip)
      : set_(checkpoints), device_(device), tta_flip_(tta_flip) {
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

  // Frames each side the heads see (the largest of their contexts; 0: every head is per-frame).
  int context() const {
    int t = 0;
    for (const auto& h : set_.heads()) t = std::max(t, h.head->context());
    return t;
  }

  // Predicts the rows of `source` and writes their JSON lines (with --tta flip, `rows` carry their
  // mirrored features).
  void predict(const FeatureRows& rows, const std::string& source, std::ostream& out) {
    const FeatureRows mirrored = tta_flip_ ? rows.mirrored() : FeatureRows{};
    write(rows.image, source, out, [&](LoadedHead& h, const UpstreamOutputs& up, bool mirror) {
      const FeatureRows& r = mirror ? mirrored : rows;
      return h.head->forward(head_input(r, h.meta.with_logits, h.meta.in_dim, source, h.path).to(device_), up);
    });
  }

  // Predicts the rows whose windows `window` [n,W] (rows of `frames`, -1 none) gives, named
  // `images`, and writes their JSON lines. With --tta flip the mirror of a window is the window of
  // the mirrored frames.
  void predict_windows(const FeatureRows& frames, const torch::Tensor& window, const std::vector<std::string>& images,
                       const std::string& source, std::ostream& out) {
    const auto w = window.to(device_);
    const FeatureRows mirrored = tta_flip_ ? frames.mirrored() : FeatureRows{};
    write(images, source, out, [&](LoadedHead& h, const UpstreamOutputs& up, bool mirror) {
      const FeatureRows& f = mirror ? mirrored : frames;
      auto [x, mask] = gather_windows(head_input(f, h.meta.with_logits, h.meta.in_dim, source, h.path).to(device_), w);
      return h.head->forward_window(x, mask, up);
    });
  }

 private:
  // Runs each head (`forward` gives its raw output, on the mirrored rows when asked) and writes a
  // line per image.
  void write(const std::vector<std::string>& images, const std::string& source, std::ostream& out,
             const std::function<torch::Tensor(LoadedHead&, const UpstreamOutputs&, bool)>& forward) {
    if (images.empty()) return;
    torch::NoGradGuard ng;
    UpstreamOutputs outputs, mirrored;  // each head's prediction(), on the images and on their mirrors
    struct Rows {
      const TaskHead* head;
      torch::Tensor out, pred;  // raw output and prediction(), float32 on the CPU
    };
    std::vector<Rows> preds;
    for (auto& h : set_.heads()) {
      auto o = forward(h, outputs, false);
      auto p = h.head->prediction(o);
      outputs[h.meta.task] = p;
      if (tta_flip_) {
        // The mean of the two predictions; the raw output that decides is made from it: the AU and
        // VA heads' outputs are their predictions, and the EX head decides by the largest
        // log-probability, the class of the largest mean probability.
        auto pm = h.head->prediction(forward(h, mirrored, true));
        mirrored[h.meta.task] = pm;
        p = (p + pm) / 2;
        o = h.meta.task == Task::EX ? torch::log(p) : p;
      }
      auto cpu = [](const torch::Tensor& t) { return t.to(torch::kCPU, torch::kFloat32).contiguous(); };
      preds.push_back({h.head.get(), cpu(o), cpu(p)});
      refuse_nonfinite(preds.back().pred, images, source, h);
    }
    std::string buf;
    for (size_t i = 0; i < images.size(); ++i) {
      Prediction line;
      line.image = images[i];
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

  // NaN is not JSON, and a NaN probability would print as a confident class: an error, exit 1.
  static void refuse_nonfinite(const torch::Tensor& p, const std::vector<std::string>& images,
                               const std::string& source, const LoadedHead& h) {
    const float* v = p.data_ptr<float>();
    for (int64_t i = 0; i < p.numel(); ++i)
      if (!std::isfinite(v[i])) {
        const size_t row = static_cast<size_t>(i / std::max<int64_t>(p.size(1), 1));
        throw NotFinite(source + ": " + images[row] + ": the " + task_name(h.meta.task) + " head (" + h.path +
                        ") gave NaN or infinity");
      }
  }

  HeadSet set_;
  torch::Device device_;
  Thresholds thresholds_ = Thresholds::uniform(0.5f);
  bool redecide_ = false;
  bool tta_flip_ = false;
};

// Prediction with heads that see windows of frames: the stores' image paths are indexed first (a
// video split over several stores is joined); then each store's rows, a chunk at a time in store
// order, are predicted from their windows, read for the chunk alone. Memory holds the paths and
// one chunk's windows, whatever the length of a video; the lines come in store order, as without
// context, and do not depend on the chunk size.
void predict_windows(const PredictOptions& o, Predictor& predictor, std::ostream& out) {
  const int context = predictor.context();
  const StoreSet set(o.inputs, std::nullopt, o.tta_flip ? "--tta flip" : "");
  for (size_t s = 0; s < set.stores(); ++s) predictor.heads().warn_other_backbone(set.store(s).info().backbone_sha256, o.inputs[s]);
  const FrameIndex index(set.images(), set.source());
  const int64_t width = 2 * context + 1;
  for (size_t s = 0; s < set.stores(); ++s) {
    const size_t rows = set.store(s).rows(), first = set.first_row(s);
    for (size_t start = 0; start < rows; start += o.chunk_rows) {
      if (int sig = stop_signal()) throw Interrupted(sig);
      std::vector<int64_t> centres;
      std::vector<std::string> names;
      for (size_t r = start; r < std::min(rows, start + o.chunk_rows); ++r) {
        centres.push_back(static_cast<int64_t>(first + r));
        names.push_back(set.images()[first + r]);
      }
      std::vector<int64_t> w = index.windows(centres, context);
      const FeatureRows frames = set.window_frames(w);
      const auto window = torch::from_blob(w.data(), {static_cast<int64_t>(centres.size()), width}, torch::kInt64);
      predictor.predict_windows(frames, window, names, o.inputs[s], out);
    }
  }
}

// Prediction with heads that see windows of frames, from a list of images: the list's paths are
// indexed (a video is a path's folder), then a chunk of images at a time is run through the backbone
// with the frames of its windows (those past the chunk's ends run again with the next chunk). An
// image skipped (--skip-bad) is a missing frame in its neighbours' windows and has no line.
void predict_image_windows(const InputList& list, const PredictOptions& o, const ExtractOptions& eo, Backbone& backbone,
                           Predictor& predictor, std::ostream& out) {
  const int context = predictor.context();
  std::vector<std::string> paths;
  for (const auto& im : list.images) paths.push_back(im.path);
  const FrameIndex index(paths, list.name);
  const int64_t width = 2 * context + 1;
  size_t skipped = 0;
  for (size_t start = 0; start < paths.size(); start += o.chunk_rows) {
    std::vector<int64_t> centres;
    for (size_t r = start; r < std::min(paths.size(), start + o.chunk_rows); ++r) centres.push_back(static_cast<int64_t>(r));
    std::vector<int64_t> w = index.windows(centres, context);
    const std::vector<int64_t> need = distinct_window_rows(w);  // w now names places in `need`
    InputList sub;
    sub.labelled = list.labelled;
    sub.name = list.name;
    for (int64_t r : need) sub.images.push_back(list.images[static_cast<size_t>(r)]);
    FeatureRows frames;
    extract_rows(sub, eo, backbone, [&](const FeatureRows& r, size_t, const std::vector<std::string>&) { frames.append(r); });
    // Rows of the list -> rows of `frames` (-1: skipped); the images come back in list order.
    std::vector<int64_t> at(need.size(), -1);
    for (size_t k = 0, f = 0; k < need.size() && f < frames.size(); ++k)
      if (frames.image[f] == paths[static_cast<size_t>(need[k])]) at[k] = static_cast<int64_t>(f++);
    std::vector<int64_t> kept;  // the windows of the centres that were not skipped, as rows of `frames`
    std::vector<std::string> names;
    for (size_t c = 0; c < centres.size(); ++c) {
      if (at[static_cast<size_t>(w[c * width + context])] < 0) {
        ++skipped;
        continue;
      }
      names.push_back(paths[static_cast<size_t>(centres[c])]);
      for (int64_t k = 0; k < width; ++k) {
        const int64_t r = w[c * width + k];
        kept.push_back(r < 0 ? -1 : at[static_cast<size_t>(r)]);
      }
    }
    if (names.empty()) continue;
    const auto window = torch::from_blob(kept.data(), {static_cast<int64_t>(names.size()), width}, torch::kInt64);
    predictor.predict_windows(frames, window, names, o.images.backbone, out);
  }
  if (skipped > 0) logging::warn(std::to_string(skipped) + " of " + std::to_string(paths.size()) + " images skipped");
}

}  // namespace

void PredictOptions::check() const {
  bool any = false;
  for (const auto& [task, path] : checkpoints) any = any || !path.empty();
  if (!any) throw UsageError("give at least one checkpoint: --au, --ex or --va");
  if (inputs.empty()) throw UsageError(images.backbone.empty() ? "no feature store given" : "no image list given");
  if (!images.backbone.empty()) images.check();
  if (untuned && !thresholds.empty()) throw UsageError("--thresholds and --untuned exclude each other");
  if (chunk_rows < 1) throw UsageError("--chunk-rows must be at least 1");
}

void run_predict(const PredictOptions& o, std::ostream& out) {
  o.check();
  set_threads(o.threads);
  const std::string device_name = resolve_device(o.device);
  const BackboneOptions net = o.images.backbone_options(device_name);  // checked before any file is read
  std::optional<Thresholds> file_thresholds;
  if (!o.thresholds.empty()) file_thresholds = read_thresholds(o.thresholds);  // before the heads load
  Predictor predictor(o.checkpoints, torch::Device(device_name == "cuda" ? torch::kCUDA : torch::kCPU), o.tta_flip);
  predictor.set_thresholds(file_thresholds, o.untuned);
  if (o.images.backbone.empty()) {
    // Stores given together (shards) must hold comparable features: checked before the first line.
    if (o.tta_flip)  // every store before the first line
      for (const auto& path : o.inputs) FeatureStoreReader(path).read_mirror("--tta flip");
    if (o.inputs.size() > 1) {
      const StoreInfo first = FeatureStoreReader(o.inputs[0]).info();
      for (size_t i = 1; i < o.inputs.size(); ++i)
        check_same_features(FeatureStoreReader(o.inputs[i]).info(), o.inputs[i], first, o.inputs[0]);
    }
    if (predictor.context() > 0) {
      predict_windows(o, predictor, out);
      return;
    }
    for (const auto& path : o.inputs) {
      FeatureStoreReader store(path);
      if (o.tta_flip) store.read_mirror("--tta flip");
      predictor.heads().warn_other_backbone(store.info().backbone_sha256, path);
      for (size_t start = 0; start < store.rows(); start += o.chunk_rows) {
        if (int sig = stop_signal()) throw Interrupted(sig);
        predictor.predict(store.read(start, std::min(o.chunk_rows, store.rows() - start)), path, out);
      }
    }
    return;
  }

  Backbone backbone(o.images.backbone, net);
  const std::string backbone_sha256 = sha256_file(o.images.backbone);
  bool checked_backbone = false;  // after the first batch, so that a broken backbone's error comes first
  ExtractOptions eo = o.images.for_backbone(backbone);
  eo.threads = o.threads;
  eo.mirror = o.tta_flip;  // each image and its mirror through the backbone
  predictor.heads().warn_other_resize(resize_name(eo.pre.resize));
  for (const auto& path : o.inputs) {
    InputList list = read_input_list(path);
    if (predictor.context() > 0) {
      predict_image_windows(list, o, eo, backbone, predictor, out);
      if (!checked_backbone) predictor.heads().warn_other_backbone(backbone_sha256, o.images.backbone);
      checked_backbone = true;
      continue;
    }
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
