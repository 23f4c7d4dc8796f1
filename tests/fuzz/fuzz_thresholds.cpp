// Fuzz target: the reader of thresholds files (mtl-export --thresholds). An InputError is the
// reader's documented answer to a bad file; anything else is a finding. A file it accepts must hold
// thresholds in [0,1] and finite offsets, and come back unchanged through thresholds_json, the writer.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "mtl/core/error.h"
#include "mtl/core/thresholds.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  mtl::Thresholds t;
  try {
    t = mtl::parse_thresholds(text, "fuzz.json");
  } catch (const mtl::InputError&) {
    return 0;
  }
  for (float v : t.au)
    if (!(v >= 0.0f && v <= 1.0f)) std::abort();
  if (t.ex_offsets)
    for (float v : *t.ex_offsets)
      if (!std::isfinite(v)) std::abort();
  mtl::Thresholds back;
  try {
    back = mtl::parse_thresholds(mtl::thresholds_json(t), "round-trip");
  } catch (const mtl::InputError&) {
    std::abort();  // a file the toolkit wrote that it cannot read
  }
  if (back.au != t.au || back.ex_offsets != t.ex_offsets) std::abort();
  return 0;
}
