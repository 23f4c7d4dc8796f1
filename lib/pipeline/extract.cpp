// Feature extraction driver. Decoding runs on plain threads; the backbone runs in LibTorch.
#include "mtl/pipeline/extract.h"

#include <algorithm>
#include <cstdio>
#include <thread>

#include "mtl/vision/backbone.h"
#include "mtl/core/atomic_file.h"
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

ExtractResult extract_rows(const InputList& list, const ExtractOptions& opt, Backbone& backbone, const RowSink& sink,
                           size_t first) {
  opt.check();
  ExtractResult res;
  const size_t n = list.images.size();
  const int threads = opt.threads > 0 ? opt.threads : available_cpus().count;
  DecodedBatch batch{std::vector<float>(opt.pre.floats() * opt.batch), std::vector<std::string>(opt.batch)};
  logging::Progress progress("extract", n);
  for (size_t start = first; start < n; start += opt.batch) {
    if (int sig = stop_signal()) throw Interrupted(sig);
    const int b = static_cast<int>(std::min<size_t>(opt.batch, n - start));
    decode_batch(list, start, b, opt, threads, batch);
    const size_t skipped_before = res.skipped.size();
    FeatureRows rows = keep_good(list, start, b, opt, batch, res);
    rows.dim = backbone.feature_dim();
    rows.logits_dim = backbone.logits_dim();
    if (rows.size() > 0) backbone.forward(batch.input.data(), static_cast<int>(rows.size()), rows.features, rows.logits);
    sink(rows, start + b, std::vector<std::string>(res.skipped.begin() + skipped_before, res.skipped.end()));
    res.rows += rows.size();
    progress.update(start + b);
  }
  progress.finish();
  return res;
}

std::string input_list_sha256(const InputList& list, const std::string& image_root) {
  Sha256 h;
  h.update(image_root.data(), image_root.size() + 1);  // with its terminating zero as a separator
  for (const auto& img : list.images) {
    h.update(img.path.data(), img.path.size() + 1);
    h.update(img.labels.au.data(), img.labels.au.size());
    h.update(&img.labels.ex, 1);
    h.update(img.labels.va.data(), sizeof img.labels.va);
  }
  return h.hex();
}

namespace {

// The store's settings for this run.
StoreInfo store_info(const ExtractOptions& opt, const InputList& list, const Backbone& backbone) {
  StoreInfo info;
  info.backbone = opt.backbone;
  info.backbone_sha256 = sha256_file(opt.backbone);
  info.input_size = opt.pre.size;
  info.mean = opt.pre.mean;
  info.std = opt.pre.std;
  info.feature_dim = backbone.feature_dim();
  info.logits_dim = backbone.logits_dim();
  info.labelled = list.labelled;
  info.half = opt.half;
  info.toolkit_version = toolkit_version();
  info.input_sha256 = input_list_sha256(list, opt.image_root);
  info.shard = opt.shard.text();
  return info;
}

// The shard's part of the list.
InputList take_shard(InputList list, const ExtractOptions& opt) {
  if (opt.shard.whole()) return list;
  const auto [begin, end] = shard_range(list.images.size(), opt.batch, opt.shard);
  logging::info("shard " + opt.shard.text() + ": inputs " + std::to_string(begin + 1) + "-" + std::to_string(end) +
                " of " + std::to_string(list.images.size()));
  list.images = std::vector<InputImage>(list.images.begin() + begin, list.images.begin() + end);
  return list;
}

}  // namespace

ExtractResult run_extract(const ExtractOptions& opt) {
  if (opt.output.empty()) throw UsageError("an output file is required (-o FEATS.h5)");
  if (opt.backbone.empty()) throw UsageError("a backbone is required (--backbone TS.pt)");
  opt.check();
  std::vector<std::string> inputs = {opt.backbone};
  if (opt.input != "-") inputs.push_back(opt.input);
  check_output_path("-o", opt.output, inputs);
  const std::string device = resolve_device(opt.device);
  const std::string input_name = opt.input == "-" ? "<stdin>" : opt.input;
  const InputList list = take_shard(read_input_list(opt.input), opt);
  if (list.images.empty() && opt.shard.whole()) throw InputError(input_name + ": no images listed");
  Backbone backbone(opt.backbone, device, opt.pre.size);
  const StoreInfo info = store_info(opt, list, backbone);
  logging::debug("backbone " + opt.backbone + " on " + device + ": " + std::to_string(info.feature_dim) +
                 " features, " + std::to_string(info.logits_dim) + " logits");
  std::vector<std::string> paths;
  for (const auto& img : list.images) paths.push_back(img.path);
  FeatureStoreWriter writer(opt.output, info, opt.resume, paths);
  if (writer.inputs_done() > 0)
    logging::info("resuming " + writer.part_path() + " after " + std::to_string(writer.inputs_done()) + " of " +
                  std::to_string(list.images.size()) + " inputs (" + std::to_string(writer.rows()) + " rows)");
  try {
    extract_rows(list, opt, backbone,
                 [&](const FeatureRows& r, size_t done, const std::vector<std::string>& skipped) {
                   writer.append(r, done, skipped);
                 },
                 writer.inputs_done());
    if (writer.rows() == 0 && writer.skipped() > 0) throw InputError(input_name + ": every image was skipped; no feature store written");
    writer.finish();
  } catch (const InputError&) {
    writer.discard();  // the input must change before a rerun: nothing worth resuming
    throw;
  } catch (const Error&) {
    // Stopped, or the disk is full: the committed rows stay in the .part for a rerun to go on from.
    logging::warn("stopped after " + std::to_string(writer.rows()) + " rows; rerun the same command to resume " +
                  writer.part_path());
    throw;
  }
  ExtractResult res{writer.rows(), {}};
  if (writer.skipped() > 0)
    logging::warn(std::to_string(writer.skipped()) + " of " + std::to_string(list.images.size()) +
                  " images skipped (listed in the store's 'skipped' dataset)");
  logging::info("wrote " + std::to_string(writer.rows()) + " rows of " + std::to_string(info.feature_dim) +
                " features to " + opt.output);
  return res;
}

}  // namespace mtl
