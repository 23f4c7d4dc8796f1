// Feature extraction: images named by an input list -> preprocessing -> backbone -> rows.
// The header is free of LibTorch.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "mtl/core/annotations.h"
#include "mtl/core/feature_store.h"
#include "mtl/core/shard.h"
#include "mtl/vision/backbone.h"
#include "mtl/vision/image.h"

namespace mtl {

struct ExtractOptions {
  std::string backbone;    // TorchScript file
  std::string image_root;  // prefix of the paths in the input list
  std::string input = "-"; // annotation file, image list, or "-" for stdin
  std::string output;      // feature store to write
  bool skip_bad = false;   // skip unreadable images instead of stopping
  bool allow_outside_root = false;  // read listed paths that are absolute or climb out of image_root
  int batch = 64;
  int threads = 0;         // decoding threads (0: the CPUs this process may use)
  std::string device = "auto";
  bool half = false;       // store features as float16
  bool fp16 = false;       // run the backbone in half precision (CUDA only)
  bool channels_last = false;  // NHWC activations in the backbone
  Shard shard;             // the part of the input list this run extracts
  bool resume = true;      // go on from the .part of an interrupted run with the same settings
  bool mirror = false;     // also run the backbone on each image flipped left to right (FeatureRows::features_mirror)
  Preprocess pre;
  bool size_from_backbone = false;  // S from the backbone's record when it has one (else pre.size)
  // Checks the values that need no file: batch, size, mean/std. Throws UsageError.
  void check() const;
  // The backbone's settings for the resolved `device` ("cpu" or "cuda"). Throws UsageError for
  // fp16 without CUDA.
  BackboneOptions backbone_options(const std::string& device) const;
  // These options with the input size the loaded backbone runs at (its recorded one, see
  // size_from_backbone); warns when mean/std differ from the ones recorded in the backbone.
  ExtractOptions for_backbone(const Backbone& b) const;
};

struct ExtractResult {
  size_t rows = 0;
  std::vector<std::string> skipped;  // input paths left out by skip_bad
};

// What a batch sink receives: the batch's rows, the number of inputs of the list handled so far
// (skipped ones included), and the inputs of this batch that were skipped.
using RowSink = std::function<void(const FeatureRows& rows, size_t inputs_done, const std::vector<std::string>& skipped)>;

// Decodes, preprocesses and runs the backbone over list.images[first..] in batches of opt.batch,
// calling `sink` with each batch (labels carried over). Before any image is read, a listed path that
// is absolute or climbs out of the image root ("../x.jpg") is an InputError naming its line, unless
// opt.allow_outside_root. Throws InputError naming an unreadable image
// unless opt.skip_bad, in which case it is recorded in the result and reported on stderr. Between
// batches it checks stop_signal() and throws Interrupted when set.
ExtractResult extract_rows(const InputList& list, const ExtractOptions& opt, Backbone& backbone, const RowSink& sink,
                           size_t first = 0);

// The identity of an input list for a feature store: SHA-256 of its paths and labels, in order,
// and the image root they are read from.
std::string input_list_sha256(const InputList& list, const std::string& image_root);

// The whole of mtl-extract: reads the input list, takes the shard's part of it, loads the backbone,
// and writes the feature store atomically (see FeatureStoreWriter), resuming the .part of an
// interrupted run. On an input error the partial file is removed; on a stop signal, or an output
// error, it is kept with its committed rows, for a rerun to go on from.
ExtractResult run_extract(const ExtractOptions& opt);

}  // namespace mtl
