// Prediction with any subset of the heads, from feature stores or from images through a
// backbone. The header is free of LibTorch.
#pragma once
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "mtl/core/task.h"
#include "mtl/pipeline/extract.h"

namespace mtl {

struct PredictOptions {
  std::map<Task, std::string> checkpoints;  // a head per task ("" or absent: task not predicted)
  std::vector<std::string> inputs;          // feature stores, or image lists when images.backbone is set
  ExtractOptions images;                    // how images are read when predicting from them (backbone set)
  int threads = 0;
  std::string device = "auto";
  std::string thresholds;  // thresholds file to decide with ("": those stored in the checkpoints)
  bool untuned = false;    // ignore thresholds stored in the checkpoints (AU at the head's own, EX argmax)
  size_t chunk_rows = 4096;  // store rows predicted at a time (with temporal heads: their windows' frames read for them)
  // --tta flip: each head's probabilities (VA values) are the mean of its outputs on the image and
  // on its mirror (each head reading the upstream heads' outputs on the same image); decisions are
  // taken on the means. From stores it needs mirrored features (mtl-extract --mirror).
  bool tta_flip = false;
  // Checks what needs no file: a checkpoint and an input are given, the image options. Throws UsageError.
  void check() const;
};

// Writes one JSON line per input image to `out` (see predictions.h), decided with the thresholds
// file if given, else with the thresholds stored in the checkpoints unless `untuned`. Throws UsageError when no
// checkpoint is given or a head needs another head that is not given (EX with attention needs
// --au); InputError when a checkpoint is damaged or its task or input size does not match, naming
// both files, or when the thresholds file is bad.
void run_predict(const PredictOptions& o, std::ostream& out);

}  // namespace mtl
