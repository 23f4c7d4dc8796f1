// mtl-export: one TorchScript file holding the backbone (optional), the trained heads and the
// decision thresholds, whose forward Python (torch.jit.load) and C++ (torch::jit::load) can run
// without the toolkit. The header is free of LibTorch.
#pragma once
#include <map>
#include <string>

#include "mtl/core/task.h"
#include "mtl/vision/image.h"

namespace mtl {

constexpr int kModelFormatVersion = 1;

struct ExportOptions {
  std::string backbone;                     // TorchScript backbone ("": the model takes features)
  std::map<Task, std::string> checkpoints;  // a head per task ("" or absent: not exported)
  std::string thresholds;                   // thresholds file ("": the AU head's own threshold)
  std::string output;                       // the model file to write
  Preprocess pre;                           // input size S and normalisation (with a backbone)
  bool size_from_backbone = false;          // S from the backbone's record when it has one (else pre.size)
  // --tta flip: the model returns the mean over its input and the mirror (images: flipped left to
  // right inside; features: forward takes x_mirror last), deciding on the means as mtl-predict.
  bool tta_flip = false;
  // Checks what needs no file: a head and an output are given, the preprocessing values.
  // Throws UsageError.
  void check() const;
};

// What was exported, for the program's summary line.
struct ExportResult {
  std::string input;  // "images [B,3,S,S]" or "features [B,D]"
  std::string tasks;  // "au ex va"
  double self_check_max_diff = 0;  // largest difference of the written model from the toolkit's heads
};

// Loads the checkpoints (and the backbone), checks that they fit together, builds the TorchScript
// module, writes it atomically to o.output, then loads the written file with torch::jit::load and
// checks its outputs on a test batch against the toolkit's own heads (and backbone) before
// renaming it into place.
// Throws UsageError when a head needs another that is not given (EX with attention needs --au);
// InputError naming the files when a checkpoint or the backbone cannot be read, an EX head was
// trained with another AU head, the heads' or the backbone's feature sizes differ, or the
// thresholds file is bad; OutputError when the file cannot be written; Error (exit 1) when the
// written model fails its self-check.
ExportResult run_export(const ExportOptions& o);

}  // namespace mtl
