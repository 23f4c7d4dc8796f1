// Feature extraction: images named by an input list -> preprocessing -> backbone -> rows.
// The header is free of LibTorch.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "mtl/core/annotations.h"
#include "mtl/core/feature_store.h"
#include "mtl/vision/image.h"

namespace mtl {

class Backbone;

struct ExtractOptions {
  std::string backbone;    // TorchScript file
  std::string image_root;  // prefix of the paths in the input list
  std::string input = "-"; // annotation file, image list, or "-" for stdin
  std::string output;      // feature store to write
  bool skip_bad = false;   // skip unreadable images instead of stopping
  int batch = 64;
  int threads = 0;         // decoding threads (0: the CPUs this process may use)
  std::string device = "auto";
  bool half = false;       // store features as float16
  Preprocess pre;
  // Checks the values that need no file: batch, size, mean/std. Throws UsageError.
  void check() const;
};

struct ExtractResult {
  size_t rows = 0;
  std::vector<std::string> skipped;  // input paths left out by skip_bad
};

// Decodes, preprocesses and runs the backbone over `list` in batches of opt.batch, calling `sink`
// with each batch of rows (labels carried over). Throws InputError naming an unreadable image unless
// opt.skip_bad, in which case it is recorded in the result and reported on stderr. Between batches
// it checks cli::stop_signal() and throws Interrupted when set.
ExtractResult extract_rows(const InputList& list, const ExtractOptions& opt, Backbone& backbone,
                           const std::function<void(const FeatureRows&)>& sink);

// The whole of mtl-extract: reads the input list, loads the backbone, writes the feature store
// atomically (see FeatureStoreWriter). On an error the partial file is removed; on a stop signal
// it is kept, with its committed rows.
ExtractResult run_extract(const ExtractOptions& opt);

}  // namespace mtl
