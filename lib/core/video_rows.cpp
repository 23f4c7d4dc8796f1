// A video's prediction rows as the smoothing reads them (video_rows.h).
#include "video_rows.h"

#include <algorithm>
#include <climits>
#include <numeric>

#include "mtl/core/error.h"

namespace mtl {
namespace detail {

void fail_at(const std::string& name, int line, const std::string& what) {
  throw InputError(name + ":" + std::to_string(line) + ": " + what);
}

void check_video_path(const Prediction& p, const std::string& name, int line) {
  if (p.image.find("//") != std::string::npos)
    fail_at(name, line, "image '" + p.image + "': an empty folder name ('//') in its path, so its video is unclear");
}

std::vector<long> sort_by_frame(std::vector<Prediction>& rows, const std::string& name) {
  std::vector<long> frame(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto f = frame_of(rows[i].image);
    if (!f) {
      const std::string_view file = std::string_view(rows[i].image).substr(video_of(rows[i].image).size());
      const bool digits = file.find_first_of("0123456789") != std::string_view::npos &&
                          file.substr(0, file.rfind('.')).find_first_not_of("/0123456789") == std::string_view::npos;
      fail_at(name, rows[i].line,
           "image '" + rows[i].image + "': " +
               (digits ? "its frame number is too large (at most " + std::to_string(LONG_MAX) + ")"
                       : std::string("its file name is not a frame number (VIDEO/NNNNN.jpg)")) +
               ", so it cannot be smoothed");
    }
    frame[i] = *f;
  }
  std::vector<size_t> order(rows.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return frame[a] < frame[b]; });
  std::vector<Prediction> sorted;
  std::vector<long> frames;
  sorted.reserve(rows.size());
  frames.reserve(rows.size());
  for (size_t k : order) {
    if (!frames.empty() && frames.back() == frame[k])
      fail_at(name, rows[k].line,
           "image '" + rows[k].image + "': frame " + std::to_string(frame[k]) + " of video '" +
               std::string(video_of(rows[k].image)) + "' appears twice (also on line " +
               std::to_string(sorted.back().line) + ")");
    frames.push_back(frame[k]);
    sorted.push_back(std::move(rows[k]));
  }
  rows = std::move(sorted);
  return frames;
}

}  // namespace detail
}  // namespace mtl
