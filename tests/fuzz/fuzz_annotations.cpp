// Fuzz target: the input-list parser (an ABAW annotation file or a plain list of image paths).
// An InputError is the parser's documented answer to a bad file; anything else is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "mtl/core/annotations.h"
#include "mtl/core/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    const mtl::InputList list = mtl::parse_input_list(in, "fuzz.txt");
    // What the parser promises about the rows it accepts.
    for (const auto& img : list.images) {
      if (img.path.empty() || img.line < 1) std::abort();
      if (!list.labelled) continue;
      for (float v : img.labels.va)
        if (v != mtl::kMissingVA && !(v >= -1.0f && v <= 1.0f)) std::abort();
      if (img.labels.ex < -1 || img.labels.ex >= mtl::kNumEX) std::abort();
      for (int a : img.labels.au)
        if (a < -1 || a > 1) std::abort();
    }
  } catch (const mtl::Error&) {
  }
  return 0;
}
