// Feature extraction driver: decoding (a thread pool), the backbone (LibTorch, this thread) and
// writing (one thread) overlap; see batch_stages.h.
#include "mtl/pipeline/extract.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "batch_stages.h"

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
  pre.check();
  if (static_cast<long long>(batch) * pre.floats() > (1ll << 31))
    throw UsageError("--batch " + std::to_string(batch) + " of " + std::to_string(pre.size) + "x" + std::to_string(pre.size) +
                     " images needs more than 8 GiB per batch; give a smaller --batch");
}

BackboneOptions ExtractOptions::backbone_options(const std::string& device) const {
  BackboneOptions o;
  o.device = device;
  o.input_size = pre.size;
  o.size_from_file = size_from_backbone;
  o.fp16 = fp16;
  o.channels_last = channels_last;
  o.check();
  return o;
}

ExtractOptions ExtractOptions::for_backbone(const Backbone& b) const {
  ExtractOptions o = *this;
  o.pre.size = b.options().input_size;
  o.size_from_backbone = false;
  const BackboneRecord& r = b.record();
  if (r.has_norm && (r.mean != pre.mean || r.std != pre.std))
    logging::warn("--mean/--std differ from the normalisation recorded in " + b.path());
  return o;
}

namespace {

// Moves the decoded images to the front of the batch and returns their rows (without features).
// A bad image throws InputError naming it and its input line, unless opt.skip_bad.
FeatureRows keep_good(const InputList& list, const ExtractOptions& opt, DecodedBatch& d, ExtractResult& res,
                      std::vector<int>& lines) {
  const size_t per = opt.pre.floats();
  float* pixels = d.pixels.data();
  float* mirrored = opt.mirror ? d.mirrored.data() : nullptr;
  FeatureRows rows;
  int good = 0;
  for (int i = 0; i < d.count; ++i) {
    const auto& img = list.images[d.start + i];
    if (!d.errors[i].empty()) {
      if (!opt.skip_bad) throw InputError(d.errors[i] + " (input line " + std::to_string(img.line) + ")");
      logging::warn("skipping " + d.errors[i]);
      res.skipped.push_back(img.path);
      continue;
    }
    if (good != i) std::copy_n(pixels + i * per, per, pixels + good * per);
    if (good != i && mirrored) std::copy_n(mirrored + i * per, per, mirrored + good * per);
    rows.image.push_back(img.path);
    rows.labels.push_back(img.labels);
    lines.push_back(img.line);
    ++good;
  }
  return rows;
}

bool all_finite(const float* v, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (!std::isfinite(v[i])) return false;
  return true;
}

// A row whose features or logits (or mirrored ones) hold a NaN or an infinity is an InputError
// naming the image, or under opt.skip_bad is dropped with a warning, as an undecodable image is.
void drop_nonfinite(FeatureRows& rows, const std::vector<int>& lines, const ExtractOptions& opt, ExtractResult& res) {
  const size_t d = rows.dim, l = rows.logits_dim;
  auto finite = [&](size_t i) {
    return all_finite(&rows.features[i * d], d) && all_finite(rows.logits.data() + i * l, l) &&
           (!rows.has_mirror() ||
            (all_finite(&rows.features_mirror[i * d], d) && all_finite(rows.logits_mirror.data() + i * l, l)));
  };
  bool all = true;
  for (size_t i = 0; i < rows.size() && all; ++i) all = finite(i);
  if (all) return;
  FeatureRows kept;
  kept.dim = rows.dim;
  kept.logits_dim = rows.logits_dim;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (finite(i)) {
      kept.append_row(rows, i);
      continue;
    }
    const std::string what = opt.backbone + ": the backbone gave non-finite features (NaN or infinity) for " +
                             join_image_path(opt.image_root, rows.image[i]) + (opt.mirror ? " or its mirror image" : "");
    if (!opt.skip_bad) throw InputError(what + " (input line " + std::to_string(lines[i]) + ")");
    logging::warn("skipping: " + what);
    res.skipped.push_back(rows.image[i]);
  }
  rows = std::move(kept);
}

}  // namespace

ExtractResult extract_rows(const InputList& list, const ExtractOptions& opt, Backbone& backbone, const RowSink& sink,
                           size_t first) {
  opt.check();
  if (!opt.allow_outside_root)
    for (size_t i = first; i < list.images.size(); ++i)
      if (!path_stays_inside(list.images[i].path))
        throw InputError(list.name + ":" + std::to_string(list.images[i].line) + ": image path '" + list.images[i].path +
                         "' leaves the image root (" + (opt.image_root.empty() ? "." : opt.image_root) +
                         "); give --allow-outside-root to read it");
  ExtractResult res;
  const size_t n = list.images.size();
  const int threads = opt.threads > 0 ? opt.threads : available_cpus().count;
  logging::Progress progress("extract", n, "images", first);
  // Declared in this order so that on an exception the decoders stop first and the writer then
  // writes the rows already computed.
  WriteStage write(sink);
  DecodeStage decode(list, first, opt, backbone, threads);
  for (size_t k = 0; k < decode.batches(); ++k) {
    if (int sig = stop_signal()) throw Interrupted(sig);
    DecodedBatch& batch = decode.take(k);
    const size_t skipped_before = res.skipped.size();
    std::vector<int> lines;
    FeatureRows rows = keep_good(list, opt, batch, res, lines);
    rows.dim = backbone.feature_dim();
    rows.logits_dim = backbone.logits_dim();
    if (rows.size() > 0) {
      backbone.forward(batch.pixels.data(), static_cast<int>(rows.size()), rows.features, rows.logits);
      if (opt.mirror)
        backbone.forward(batch.mirrored.data(), static_cast<int>(rows.size()), rows.features_mirror, rows.logits_mirror);
      drop_nonfinite(rows, lines, opt, res);
    }
    const size_t done = batch.start + batch.count;
    decode.release(k);
    res.rows += rows.size();
    write.push(std::move(rows), done,
               std::vector<std::string>(res.skipped.begin() + skipped_before, res.skipped.end()));
    progress.update(done);
  }
  write.finish();
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
  const BackboneOptions& net = backbone.options();
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
  info.resize = resize_name(opt.pre.resize);
  info.mirror = opt.mirror;
  info.compute = net.device + (net.fp16 ? " fp16" : " fp32") + (net.channels_last ? " channels-last" : "");
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

namespace {

// The part of run_extract after the backbone is loaded: `opt` holds the input size it runs at.
ExtractResult write_store(const ExtractOptions& opt, const InputList& list, Backbone& backbone,
                          const std::string& input_name);

}  // namespace

ExtractResult run_extract(const ExtractOptions& opt) {
  if (opt.output.empty()) throw UsageError("an output file is required (-o FEATS.h5)");
  if (opt.backbone.empty()) throw UsageError("a backbone is required (--backbone TS.pt)");
  opt.check();
  std::vector<std::string> inputs = {opt.backbone};
  if (opt.input != "-") inputs.push_back(opt.input);
  check_output_path("-o", opt.output, inputs);
  const BackboneOptions net = opt.backbone_options(resolve_device(opt.device));
  const std::string input_name = opt.input == "-" ? "<stdin>" : opt.input;
  const InputList list = take_shard(read_input_list(opt.input), opt);
  if (list.images.empty() && opt.shard.whole()) throw InputError(input_name + ": no images listed");
  Backbone backbone(opt.backbone, net);
  return write_store(opt.for_backbone(backbone), list, backbone, input_name);
}

namespace {

ExtractResult write_store(const ExtractOptions& opt, const InputList& list, Backbone& backbone,
                          const std::string& input_name) {
  const StoreInfo info = store_info(opt, list, backbone);
  const BackboneOptions& net = backbone.options();
  logging::debug("backbone " + opt.backbone + " on " + net.device + (net.fp16 ? " (fp16)" : "") + ", input " +
                 std::to_string(opt.pre.size) + ": " + std::to_string(info.feature_dim) + " features, " +
                 std::to_string(info.logits_dim) + " logits");
  std::vector<std::string> paths;
  for (const auto& img : list.images) paths.push_back(img.path);
  FeatureStoreWriter writer(opt.output, info, opt.resume, paths);
  if (writer.inputs_done() > 0)
    logging::info("resuming " + writer.part_path() + " after " + std::to_string(writer.inputs_done()) + " of " +
                  std::to_string(list.images.size()) + " inputs (" + std::to_string(writer.rows()) + " rows)");
  const size_t writer_started = writer.inputs_done();
  const auto t0 = std::chrono::steady_clock::now();
  try {
    extract_rows(list, opt, backbone,
                 [&](const FeatureRows& r, size_t done, const std::vector<std::string>& skipped) {
                   writer.append(r, done, skipped);
                 },
                 writer.inputs_done());
    if (writer.rows() == 0 && writer.skipped() > 0) throw InputError(input_name + ": every image was skipped; no feature store written");
    writer.finish();
  } catch (const InputError& e) {
    // A bad image part-way: the committed rows stay in the .part, so that a rerun with --skip-bad
    // (or with the image mended) goes on from them instead of starting a long run again.
    if (writer.rows() == 0) {
      writer.discard();  // nothing worth resuming
      throw;
    }
    throw InputError(std::string(e.what()) + "; the rows of the first " + std::to_string(writer.inputs_done()) +
                     " inputs are kept in " + writer.part_path() +
                     ": rerun with --skip-bad (or with the image mended) to go on from them");
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
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const size_t done = list.images.size() - writer_started;
  char rate[64];
  std::snprintf(rate, sizeof rate, " in %.1f s (%.1f images/s)", secs, secs > 0 ? done / secs : 0.0);
  logging::info("wrote " + std::to_string(writer.rows()) + " rows of " + std::to_string(info.feature_dim) +
                " features to " + opt.output + rate);
  return res;
}

}  // namespace

}  // namespace mtl
