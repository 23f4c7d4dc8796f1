// Fuzz target: the reader of checkpoint metadata (the JSON a head checkpoint carries).
// An InputError is the reader's documented answer to bad metadata; anything else is a finding.
// Metadata it accepts must also survive being written and read again, as a resumed or reloaded
// head's metadata is.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "mtl/core/error.h"
#include "mtl/model/checkpoint_meta.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  mtl::CheckpointMeta meta;
  try {
    meta = mtl::CheckpointMeta::from_json(text, "fuzz.pt");
  } catch (const mtl::Error&) {
    return 0;
  }
  const std::string written = meta.to_json();
  try {
    if (mtl::CheckpointMeta::from_json(written, "rewritten.pt").to_json() != written) std::abort();
  } catch (const mtl::InputError&) {
    std::abort();  // metadata the toolkit wrote that it cannot read
  }
  return 0;
}
