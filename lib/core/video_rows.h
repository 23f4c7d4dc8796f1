// A video's prediction rows as the smoothing reads them (mtl-smooth's stream and its --tune):
// the image path checked, the rows sorted by frame number. Internal to the core.
#pragma once
#include <string>
#include <vector>

#include "mtl/core/predictions.h"

namespace mtl {
namespace detail {

// Throws InputError "name:line: what".
[[noreturn]] void fail_at(const std::string& name, int line, const std::string& what);

// Throws InputError naming the line for an image path with an empty folder name ("v//1.jpg": a
// video "v/" beside "v"?), refused rather than guessed.
void check_video_path(const Prediction& p, const std::string& name, int line);

// Sorts one video's rows by frame number in place and returns the frames. Throws InputError for an
// image whose file name is not a frame number (or one past LONG_MAX), or a frame given twice.
std::vector<long> sort_by_frame(std::vector<Prediction>& rows, const std::string& name);

}  // namespace detail
}  // namespace mtl
