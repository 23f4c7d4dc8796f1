// Fuzz target: the readers of mtl-faces' output (a frame line, as mtl-plot --timeline reads them)
// and of face template files (mtl-faces --template). The input's first byte chooses the reader.
// An InputError is the readers' documented answer to bad input; anything else is a finding. What
// a reader accepts must come back unchanged through its writer (format_face_frame,
// format_face_template) and keep the documented ranges.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "mtl/core/error.h"
#include "mtl/core/face_lines.h"

namespace {
bool same(const mtl::Point2& a, const mtl::Point2& b) { return a.x == b.x && a.y == b.y; }
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    mtl::FaceTemplate t;
    try {
      t = mtl::parse_face_template(text, "fuzz.json");
    } catch (const mtl::InputError&) {
      return 0;
    }
    if (t.size < 16 || t.size > 1024) std::abort();
    for (const auto& p : t.points)
      if (!(p.x >= 0 && p.y >= 0 && p.x <= t.size && p.y <= t.size)) std::abort();
    mtl::FaceTemplate back;
    try {
      back = mtl::parse_face_template(mtl::format_face_template(t, 1, "fuzz"), "round-trip");
    } catch (const mtl::InputError&) {
      std::abort();  // a file the toolkit wrote that it cannot read
    }
    if (back.size != t.size) std::abort();
    for (int i = 0; i < mtl::kFaceLandmarks; ++i)
      if (!same(back.points[i], t.points[i])) std::abort();
    return 0;
  }
  mtl::FaceFrame f;
  try {
    f = mtl::parse_face_line(text, "fuzz.jsonl", 1);
  } catch (const mtl::InputError&) {
    return 0;
  }
  if (f.frame < 1 || (f.time && !(*f.time >= 0 && std::isfinite(*f.time)))) std::abort();
  mtl::FaceFrame back;
  try {
    back = mtl::parse_face_line(mtl::format_face_frame(f), "round-trip", 1);
  } catch (const mtl::InputError&) {
    std::abort();
  }
  if (back.video != f.video || back.frame != f.frame || back.time != f.time || back.faces.size() != f.faces.size())
    std::abort();
  for (size_t i = 0; i < f.faces.size(); ++i) {
    const auto &a = f.faces[i], &b = back.faces[i];
    if (a.track != b.track || a.box != b.box || a.score != b.score || a.crop != b.crop) std::abort();
    for (int k = 0; k < mtl::kFaceLandmarks; ++k)
      if (!same(a.landmarks[k], b.landmarks[k])) std::abort();
  }
  return 0;
}
