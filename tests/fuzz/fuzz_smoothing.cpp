// Fuzz target: the reader of smoothing parameters files (mtl-smooth --params). An InputError is the
// reader's documented answer to a bad file; anything else is a finding. A file it accepts must hold
// odd windows from 1 to kMaxSmoothingWindow, and come back unchanged through smoothing_json, the
// writer. The accepted settings are also run on a short series with a gap (no crash, finite values).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "mtl/core/error.h"
#include "mtl/core/smoothing.h"

namespace {
bool same(const mtl::TaskSmoothing& a, const mtl::TaskSmoothing& b) {
  return a.filter == b.filter && a.window == b.window;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  mtl::Smoothing s;
  try {
    s = mtl::parse_smoothing(text, "fuzz.json");
  } catch (const mtl::InputError&) {
    return 0;
  }
  for (const mtl::TaskSmoothing* t : {&s.au, &s.ex, &s.va}) {
    if (t->window < 1 || t->window % 2 == 0 || t->window > mtl::kMaxSmoothingWindow) std::abort();
    for (double v : mtl::smooth_series({0, 1, 5, 6}, {0.5, -1, 1, 0.25}, *t))
      if (!std::isfinite(v) || v < -1 || v > 1) std::abort();
  }
  mtl::Smoothing back;
  try {
    back = mtl::parse_smoothing(mtl::smoothing_json(s), "round-trip");
  } catch (const mtl::InputError&) {
    std::abort();  // a file the toolkit wrote that it cannot read
  }
  if (!same(back.au, s.au) || !same(back.ex, s.ex) || !same(back.va, s.va)) std::abort();
  return 0;
}
