// Prediction: heads from checkpoints, rows from stores or from images, JSON lines out.
#include "mtl/predict.h"

#include "mtl/backbone.h"
#include "mtl/checkpoint.h"
#include "mtl/checksum.h"
#include "mtl/cli.h"
#include "mtl/error.h"
#include "mtl/extract.h"
#include "mtl/predictions.h"
#include "mtl/runtime.h"

namespace mtl {
namespace {

constexpr size_t kStoreChunk = 4096;

struct Heads {
  std::optional<HeadCheckpoint> au, ex, va;
  std::string au_path, ex_path, va_path;
  torch::Device device{torch::kCPU};

  // Predicts the rows of `source` and writes their JSON lines.
  void predict(const FeatureRows& rows, const std::string& source, std::ostream& out) {
    torch::NoGradGuard ng;
    const size_t n = rows.size();
    if (n == 0) return;
    torch::Tensor p_au, ex_out, va_out;
    if (au) p_au = au->au->forward(head_input(rows, au->with_logits(), au->in_dim(), source, au_path).to(device)).cpu();
    if (ex) {
      auto x = head_input(rows, ex->with_logits(), ex->in_dim(), source, ex_path).to(device);
      auto pa = p_au.defined() ? p_au.to(device) : torch::zeros({static_cast<int64_t>(n), kNumAU}, x.options());
      ex_out = torch::softmax(ex->ex->forward(x, pa), 1).cpu();
    }
    if (va) va_out = va->va->forward(head_input(rows, va->with_logits(), va->in_dim(), source, va_path).to(device)).cpu();
    std::string buf;
    torch::Tensor empty = torch::empty({0, 0});
    const torch::Tensor& pa_t = p_au.defined() ? p_au : empty;
    const torch::Tensor& ex_t = ex_out.defined() ? ex_out : empty;
    const torch::Tensor& va_t = va_out.defined() ? va_out : empty;
    auto pa = pa_t.accessor<float, 2>(), pe = ex_t.accessor<float, 2>(), pv = va_t.accessor<float, 2>();
    for (size_t i = 0; i < n; ++i) {
      Prediction p;
      p.image = rows.image[i];
      if (p_au.defined()) {
        std::array<int, kNumAU> bin;
        std::array<float, kNumAU> prob;
        for (int j = 0; j < kNumAU; ++j) {
          prob[j] = pa[i][j];
          bin[j] = prob[j] >= 0.5f;
        }
        p.au = bin;
        p.au_prob = prob;
      }
      if (ex_out.defined()) {
        std::array<float, kNumEX> prob;
        int best = 0;
        for (int c = 0; c < kNumEX; ++c) {
          prob[c] = pe[i][c];
          if (prob[c] > prob[best]) best = c;
        }
        p.ex = best;
        p.ex_prob = prob;
      }
      if (va_out.defined()) p.va = std::array<float, 2>{pv[i][0], pv[i][1]};
      buf += format_prediction(p);
      buf += '\n';
    }
    out << buf;
    if (!out) throw OutputError("error writing predictions to standard output");
  }
};

}  // namespace

void run_predict(const PredictOptions& o, std::ostream& out) {
  if (o.au.empty() && o.ex.empty() && o.va.empty())
    throw UsageError("give at least one checkpoint: --au, --ex or --va");
  if (o.inputs.empty()) throw UsageError(o.images.backbone.empty() ? "no feature store given" : "no image list given");
  set_threads(o.threads);
  const std::string device_name = resolve_device(o.device);
  Heads h;
  h.device = torch::Device(device_name == "cuda" ? torch::kCUDA : torch::kCPU);
  h.au_path = o.au;
  h.ex_path = o.ex;
  h.va_path = o.va;
  if (!o.au.empty()) h.au = load_checkpoint(o.au, "au");
  if (!o.ex.empty()) h.ex = load_checkpoint(o.ex, "ex");
  if (!o.va.empty()) h.va = load_checkpoint(o.va, "va");
  if (h.ex && h.ex->ex->options().attention != Attention::None) {
    if (!h.au)
      throw UsageError(o.ex + " uses " + attention_name(h.ex->ex->options().attention) +
                       " cross attention on the AU head's output: give the AU checkpoint it was trained with (--au)");
    const std::string want = h.ex->meta.value("au_checkpoint_sha256", "");
    if (!want.empty() && want != sha256_file(o.au))
      cli::warn(o.ex + " was trained with a different AU checkpoint (" + h.ex->meta.value("au_checkpoint", "?") +
                ") than " + o.au);
  }
  for (auto* c : {&h.au, &h.ex, &h.va})
    if (*c) (*c)->module().to(h.device);

  if (o.images.backbone.empty()) {
    for (const auto& path : o.inputs) {
      FeatureStoreReader store(path);
      for (size_t start = 0; start < store.rows(); start += kStoreChunk) {
        if (int sig = cli::stop_signal()) throw Interrupted(sig);
        h.predict(store.read(start, std::min(kStoreChunk, store.rows() - start)), path, out);
      }
    }
    return;
  }
  Backbone backbone(o.images.backbone, device_name, o.images.pre.size);
  ExtractOptions eo = o.images;
  eo.threads = o.threads;
  for (const auto& path : o.inputs) {
    InputList list = read_input_list(path);
    auto res = extract_rows(list, eo, backbone, [&](const FeatureRows& r) { h.predict(r, o.images.backbone, out); });
    if (!res.skipped.empty())
      cli::warn(std::to_string(res.skipped.size()) + " of " + std::to_string(list.images.size()) + " images skipped");
  }
}

}  // namespace mtl
