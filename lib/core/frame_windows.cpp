// Windows of frames by video and frame number (frame_windows.h).
#include "mtl/core/frame_windows.h"

#include <algorithm>
#include <climits>
#include <numeric>
#include <unordered_map>

#include "mtl/core/error.h"
#include "mtl/core/log.h"
#include "mtl/core/predictions.h"

namespace mtl {

FrameIndex::FrameIndex(const std::vector<std::string>& images, const std::string& source) {
  const size_t n = images.size();
  frame_.resize(n);
  video_.resize(n);
  std::unordered_map<std::string_view, uint32_t> video_number;
  for (size_t i = 0; i < n; ++i) {
    const std::string& image = images[i];
    const std::string_view video = video_of(image);
    if (video.empty())
      throw InputError(source + ": image '" + image + "' has no video folder (VIDEO/NNNNN.jpg): a head with " +
                       "temporal context needs to know which frames belong to one video");
    if (image.find("//") != std::string::npos)
      throw InputError(source + ": image '" + image + "': an empty folder name ('//') in its path, so its video is unclear");
    const auto f = frame_of(image);
    if (!f)
      throw InputError(source + ": image '" + image + "': its file name is not a frame number (VIDEO/NNNNN.jpg, " +
                       "at most " + std::to_string(LONG_MAX) + "), so its place in the video is unknown");
    frame_[i] = *f;
    video_[i] = video_number.emplace(video, static_cast<uint32_t>(video_number.size())).first->second;
  }
  videos_ = video_number.size();
  sorted_.resize(n);
  std::iota(sorted_.begin(), sorted_.end(), int64_t{0});
  std::sort(sorted_.begin(), sorted_.end(), [&](int64_t a, int64_t b) {
    return video_[a] != video_[b] ? video_[a] < video_[b] : frame_[a] != frame_[b] ? frame_[a] < frame_[b] : a < b;
  });
  position_.resize(n);
  size_t run = 0;
  for (size_t k = 0; k < n; ++k) {
    const int64_t r = sorted_[k];
    position_[static_cast<size_t>(r)] = static_cast<int64_t>(k);
    const bool same_video = k > 0 && video_[sorted_[k - 1]] == video_[r];
    if (same_video && frame_[sorted_[k - 1]] == frame_[r])
      throw InputError(source + ": image '" + images[r] + "': frame " + std::to_string(frame_[r]) + " of video '" +
                       std::string(video_of(images[r])) + "' appears twice (also as '" + images[sorted_[k - 1]] +
                       "', row " + std::to_string(sorted_[k - 1] + 1) + ")");
    run = same_video ? run + 1 : 1;
    longest_ = std::max(longest_, run);
  }
}

std::vector<int64_t> FrameIndex::windows(const std::vector<int64_t>& centres, int context) const {
  const size_t width = 2 * static_cast<size_t>(context) + 1;
  std::vector<int64_t> w(centres.size() * width, -1);
  for (size_t c = 0; c < centres.size(); ++c) {
    const int64_t row = centres[c];
    const long f = frame_[row];
    const uint32_t v = video_[row];
    int64_t* out = w.data() + c * width + context;  // the centre's slot
    *out = row;
    // Walk the video's frames outwards from the centre while they stay within the window.
    for (int64_t k = position_[row] - 1; k >= 0; --k) {
      const int64_t r = sorted_[k];
      if (video_[r] != v || f - frame_[r] > context) break;
      out[frame_[r] - f] = r;
    }
    for (int64_t k = position_[row] + 1; k < static_cast<int64_t>(sorted_.size()); ++k) {
      const int64_t r = sorted_[k];
      if (video_[r] != v || frame_[r] - f > context) break;
      out[frame_[r] - f] = r;
    }
  }
  return w;
}

std::vector<int64_t> distinct_window_rows(std::vector<int64_t>& windows) {
  std::vector<int64_t> rows;
  for (int64_t r : windows)
    if (r >= 0) rows.push_back(r);
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  for (int64_t& r : windows)
    if (r >= 0) r = std::lower_bound(rows.begin(), rows.end(), r) - rows.begin();
  return rows;
}

void check_context(const FrameIndex& index, int context, const std::string& source) {
  if (context > 0 && index.rows() > 0 && index.longest_video() < 2)
    throw InputError(source + ": each of its " + std::to_string(index.videos()) + " videos holds one frame, so a " +
                     "window of --context " + std::to_string(context) + " never holds more than its centre: " +
                     "train a per-frame head (--context 0), or give stores of whole videos");
  if (context > 0 && index.rows() > 0 && static_cast<size_t>(context) >= index.longest_video())
    logging::warn(source + ": --context " + std::to_string(context) + " reaches past every video (the longest holds " +
                  std::to_string(index.longest_video()) + " frames): most of each window is missing frames");
}

}  // namespace mtl
