// Fuzz target: the reader of the trainers' per-epoch logs (mtl-plot). An InputError is the reader's
// documented answer to a bad log; anything else is a finding. A log it accepts must keep the
// documented promises: epochs positive and increasing, finite numbers, validation on every line or none.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "mtl/core/error.h"
#include "mtl/core/training_log.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  mtl::TrainingLog log;
  try {
    log = mtl::parse_training_log(text, "fuzz.log");
  } catch (const mtl::InputError&) {
    return 0;
  }
  int last = 0;
  for (const auto& e : log.epochs) {
    if (e.epoch <= last) std::abort();
    last = e.epoch;
    if (!std::isfinite(e.train_loss) || !std::isfinite(e.wall_s)) std::abort();
    if (e.val_loss.has_value() != log.has_val || e.val_score.has_value() != log.has_val) std::abort();
    if (log.has_val && (!std::isfinite(*e.val_loss) || !std::isfinite(*e.val_score))) std::abort();
  }
  return 0;
}
