// Feature extraction driver. Decoding runs on plain threads; the backbone runs in LibTorch.
#include "mtl/pipeline/extract.h"

#include <algorithm>
#include <cstdio>
#include <thread>

#include "mtl/vision/backbone.h"
#include "mtl/core/checksum.h"
#include "mtl/core/cpus.h"
#include "mtl/core/log.h"
#include "mtl/core/signals.h"
#include "mtl/core/version.h"
#include "mtl/core/error.h"
#include "mtl/model/runtime.h"

namespace mtl {

void ExtractOptions::check() const {
  if (batch <= 0) throw UsageError("--batch must be positive");
  if (pre.size <= 0) throw UsageError("--size must be positive");
  for (float sd : pre.std)
    if (!(sd > 0)) throw UsageError("--std values must be positive");
}

namespace {

// One batch of images being decoded: the preprocessed pixels and, per image, an error or "".
struct DecodedBatch {
  std::vector<float> input;
  std::vector<std::string> errors;
};

// Decodes and preprocesses images [start, start+b) of `list` into `d`, on up to `threads` threads,
// each taking every t-th image. Errors are recorded per image, not thrown.
void decode_batch(const InputList& list, size_t start, int b, const ExtractOptions& opt, int threads, DecodedBatch& d) {
  const size_t per = opt.pre.floats();
  auto work = [&](int t, int stride) {
    for (int i = t; i < b; i += stride) {
      d.errors[i].clear();
      const auto& img = list.images[start + i];
      try {
        load_preprocessed(join_image_path(opt.image_root, img.path), opt.pre, &d.input[i * per]);
      } catch (const std::exception& e) {
        d.errors[i] = e.what();
      }
    }
  };
  const int nt = std::max(1, std::min(threads, b));
  std::vector<std::thread> pool;
  for (int t = 1; t < nt; ++t) pool.emplace_back(work, t, nt);
  work(0, nt);
  for (auto& th : pool) th.join();
}

// Moves the decoded images to the front of the batch and returns their rows (without features).
// A bad image throws InputError naming it and its input line, unless opt.skip_bad.
FeatureRows keep_good(const InputList& list, size_t start, int b, const ExtractOptions& opt, DecodedBatch& d,
                      ExtractResult& res) {
  const size_t per = opt.pre.floats();
  FeatureRows rows;
  int good = 0;
  for (int i = 0; i < b; ++i) {
    const auto& img = list.images[start + i];
    if (!d.errors[i].empty()) {
      if (!opt.skip_bad) throw InputError(d.errors[i] + " (input line " + std::to_string(img.line) + ")");
      logging::warn("skipping " + d.errors[i]);
      res.skipped.push_back(img.path);
      continue;
    }
    if (good != i) std::copy_n(&d.input[i * per], per, &d.input[good * per]);
    rows.image.push_back(img.path);
    rows.labels.push_back(img.labels);
    ++good;
  }
  return rows;
}

}  // namespace

ExtractResult extract_rows(const InputList& list, const ExtractOptions& opt, Backbone& backbone,
                           const std::function<void(const FeatureRows&)>& sink) {
  opt.check();
  ExtractResult res;
  const size_t n = list.images.size();
  const int threads = opt.threads > 0 ? opt.threads : available_cpus().count;
  DecodedBatch batch{std::vector<float>(opt.pre.floats() * opt.batch), std::vector<std::string>(opt.batch)};
  logging::Progress progress("extract", n);
  for (size_t start = 0; start < n; start += opt.batch) {
    if (int sig = stop_signal()) throw Interrupted(sig);
    const int b = static_cast<int>(std::min<size_t>(opt.batch, n - start));
    decode_batch(list, start, b, opt, threads, batch);
    FeatureRows rows = keep_good(list, start, b, opt, batch, res);
    if (rows.size() > 0) {
      const int good = static_cast<int>(rows.size());
      backbone.forward(batch.input.data(), good, rows.features, rows.logits);
      rows.dim = backbone.feature_dim();
      rows.logits_dim = backbone.logits_dim();
      sink(rows);
      res.rows += good;
    }
    progress.update(start + b);
  }
  progress.finish();
  return res;
}

ExtractResult run_extract(const ExtractOptions& opt) {
  if (opt.output.empty()) throw UsageError("an output file is required (-o FEATS.h5)");
  if (opt.backbone.empty()) throw UsageError("a backbone is required (--backbone TS.pt)");
  opt.check();
  const std::string device = resolve_device(opt.device);
  InputList list = read_input_list(opt.input);
  if (list.images.empty()) throw InputError((opt.input == "-" ? "<stdin>" : opt.input) + ": no images listed");
  StoreInfo info;
  info.backbone = opt.backbone;
  info.backbone_sha256 = sha256_file(opt.backbone);
  Backbone backbone(opt.backbone, device, opt.pre.size);
  info.input_size = opt.pre.size;
  info.mean = opt.pre.mean;
  info.std = opt.pre.std;
  info.feature_dim = backbone.feature_dim();
  info.logits_dim = backbone.logits_dim();
  info.labelled = list.labelled;
  info.half = opt.half;
  info.toolkit_version = toolkit_version();
  logging::debug("backbone " + opt.backbone + " on " + device + ": " + std::to_string(info.feature_dim) +
             " features, " + std::to_string(info.logits_dim) + " logits");
  FeatureStoreWriter writer(opt.output, info);
  ExtractResult res;
  try {
    res = extract_rows(list, opt, backbone, [&](const FeatureRows& r) { writer.append(r); });
    writer.finish(res.skipped);
  } catch (const Interrupted&) {
    logging::warn("stopped after " + std::to_string(writer.rows()) + " rows; the partial store is " + writer.part_path());
    throw;
  } catch (...) {
    std::remove(writer.part_path().c_str());
    throw;
  }
  if (!res.skipped.empty())
    logging::warn(std::to_string(res.skipped.size()) + " of " + std::to_string(list.images.size()) +
              " images skipped (listed in the store's 'skipped' dataset)");
  logging::info("wrote " + std::to_string(res.rows) + " rows of " + std::to_string(info.feature_dim) + " features to " +
            opt.output);
  return res;
}

}  // namespace mtl
