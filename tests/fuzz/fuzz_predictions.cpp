// Fuzz target: the reader of prediction JSON lines (the quick parser and nlohmann/json behind it).
// An InputError is the reader's documented answer to a bad line; anything else is a finding. A line
// it accepts must also come back unchanged through format_prediction, which mtl-predict writes with.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>

#include "mtl/core/error.h"
#include "mtl/core/predictions.h"

namespace {

template <typename A>
bool finite(const A& a) {
  for (float v : a)
    if (!std::isfinite(v)) return false;
  return true;
}

bool valid_utf8(const std::string& s) {
  try {
    (void)nlohmann::json(s).dump();
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

// Whether format_prediction then parse_predictions gives `p` back. Predictions with non-finite
// numbers are left out: they come from lax number parsing (1e39 read as inf), a known issue.
void check_round_trip(const mtl::Prediction& p) {
  if ((p.au_prob && !finite(*p.au_prob)) || (p.ex_prob && !finite(*p.ex_prob)) || (p.va && !finite(*p.va))) return;
  std::istringstream in(mtl::format_prediction(p) + "\n");
  std::vector<mtl::Prediction> back;
  try {
    back = mtl::parse_predictions(in, "round-trip");
  } catch (const mtl::InputError&) {
    std::abort();  // a line the toolkit wrote that it cannot read
  }
  if (back.size() != 1) std::abort();
  const mtl::Prediction& q = back[0];
  if (q.au != p.au || q.au_prob != p.au_prob || q.ex != p.ex || q.ex_prob != p.ex_prob || q.va != p.va) std::abort();
  // An image path that is not valid UTF-8 is written with U+FFFD in place of the bad bytes.
  if (q.image != p.image && valid_utf8(p.image)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    for (const auto& p : mtl::parse_predictions(in, "fuzz.jsonl")) {
      if (p.line < 1) std::abort();
      if (p.ex && (*p.ex < 0 || *p.ex >= mtl::kNumEX)) std::abort();
      if (p.au)
        for (int a : *p.au)
          if (a != 0 && a != 1) std::abort();
      check_round_trip(p);
    }
  } catch (const mtl::Error&) {
  }
  return 0;
}
