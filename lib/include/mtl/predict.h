// Prediction with any subset of the three heads, from feature stores or from images through a
// backbone. The header is free of LibTorch.
#pragma once
#include <ostream>
#include <string>
#include <vector>

#include "mtl/extract.h"

namespace mtl {

struct PredictOptions {
  std::string au, ex, va;           // checkpoints ("" = task not predicted)
  std::vector<std::string> inputs;  // feature stores, or image lists when images.backbone is set
  ExtractOptions images;            // how images are read when predicting from them (backbone set)
  int threads = 0;
  std::string device = "auto";
};

// Writes one JSON line per input image to `out` (see predictions.h). Throws UsageError when no
// checkpoint is given or when the EX head needs the AU head and --au is missing; InputError when a
// checkpoint's task or input size does not match, naming both files.
void run_predict(const PredictOptions& o, std::ostream& out);

}  // namespace mtl
