// Windows of frames around each row of a set of image paths, for the heads that see temporal
// context (--context T). A video is the folder of an image path (video_of: "vid/00012.jpg" is
// frame 12 of "vid"); a window of row r holds the frames f(r)-T ... f(r)+T of r's video by frame
// number, so that gaps in the numbering (Aff-Wild2 leaves out frames without a face) count, and a
// frame that is not there (a gap, or past either end of the video) is marked missing (-1), never
// taken from another video. No LibTorch here.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace mtl {

// The most frames a head may see on each side of a frame.
constexpr int kMaxContext = 256;

class FrameIndex {
 public:
  // Indexes rows 0..n-1 of `images` (the image paths of one or more stores, in row order).
  // Throws InputError naming `source` and the image for a path without a video folder, a file
  // name that is not a frame number (VIDEO/NNNNN.jpg), or a frame of a video given twice.
  FrameIndex(const std::vector<std::string>& images, const std::string& source);

  size_t rows() const { return frame_.size(); }
  size_t videos() const { return videos_; }
  size_t longest_video() const { return longest_; }  // in rows

  // The windows of `centres` (row numbers) with `context` frames each side: centres.size() * (2T+1)
  // row numbers, window after window, frame f-T first; -1 where the frame is not in the index.
  std::vector<int64_t> windows(const std::vector<int64_t>& centres, int context) const;

 private:
  std::vector<long> frame_;            // row -> frame number
  std::vector<uint32_t> video_;        // row -> video number
  std::vector<int64_t> sorted_;        // rows by (video, frame)
  std::vector<int64_t> position_;      // row -> its place in sorted_
  size_t videos_ = 0, longest_ = 0;
};

// The distinct rows that `windows` names (-1: none), ascending; rewrites `windows` to their places
// in that list, so that the frames can be read once each, in order, and the windows point at them.
std::vector<int64_t> distinct_window_rows(std::vector<int64_t>& windows);

// Checks that `context` can give a head of `index` any context: InputError naming `source` when
// every video holds one frame (a window would only ever hold its centre); a warning when the
// context reaches past the longest video.
void check_context(const FrameIndex& index, int context, const std::string& source);

}  // namespace mtl
