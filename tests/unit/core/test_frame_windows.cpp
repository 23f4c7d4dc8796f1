// Unit tests of the windows of frames (frame_windows.cpp): a hand-worked case, and a property over
// shuffled stores: a window holds its own video's frames at their own offsets, and nothing else.
#include "helpers.h"

#include <algorithm>
#include <map>
#include <random>

#include "mtl/core/error.h"
#include "mtl/core/frame_windows.h"

using namespace mtl;
using namespace mtl_test;

// A video with frames 1, 2, 5, 6, 7 (and another video between them in the store), T = 2: each
// window is frames f-2 ... f+2, missing where the video has no such frame.
BOOST_AUTO_TEST_CASE(hand_worked_windows_with_gaps_and_edges) {
  const std::vector<std::string> images = {"v/00001.jpg", "v/00002.jpg", "w/00003.jpg", "v/00005.jpg",
                                           "v/00006.jpg", "v/00007.jpg"};
  const FrameIndex index(images, "s.h5");
  BOOST_TEST(index.videos() == 2u);
  BOOST_TEST(index.longest_video() == 5u);
  const auto w = index.windows({0, 1, 2, 3, 4, 5}, 2);
  const std::vector<int64_t> want = {
      // offsets -2 .. +2
      -1, -1, 0, 1, -1,  // v frame 1: frames -1, 0 (before the video), 1, 2, and 3 (a gap)
      -1, 0, 1, -1, -1,  // v frame 2: frames 0, 1, 2, 3 and 4 (the gap)
      -1, -1, 2, -1, -1,  // w frame 3: alone; v's frames 1, 2 and 5 are another video's
      -1, -1, 3, 4, 5,   // v frame 5: frames 3 and 4 (the gap), 5, 6, 7
      -1, 3, 4, 5, -1,   // v frame 6: frames 4 (the gap), 5, 6, 7, 8 (after the video)
      3, 4, 5, -1, -1,   // v frame 7
  };
  BOOST_TEST(w == want, boost::test_tools::per_element());
  BOOST_TEST(index.windows({3}, 0) == std::vector<int64_t>{3}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(windows_never_hold_another_videos_frames) {
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 20; ++trial) {
    // Videos whose names nest ("a", "a/b") and share frame numbers, with random gaps, shuffled.
    std::vector<std::string> images;
    const std::vector<std::string> videos = {"a", "a/b", "b", "c1", "c"};
    for (const auto& v : videos)
      for (int f = 0; f < 40; ++f)
        if (rng() % 3) images.push_back(v + "/" + std::to_string(f) + ".jpg");
    std::shuffle(images.begin(), images.end(), rng);
    const FrameIndex index(images, "s.h5");
    std::map<std::pair<std::string, long>, int64_t> row;
    for (size_t i = 0; i < images.size(); ++i) {
      const auto slash = images[i].rfind('/');
      row[{images[i].substr(0, slash), std::stol(images[i].substr(slash + 1))}] = static_cast<int64_t>(i);
    }
    const int T = 1 + static_cast<int>(rng() % 6);
    std::vector<int64_t> centres(images.size());
    for (size_t i = 0; i < centres.size(); ++i) centres[i] = static_cast<int64_t>(i);
    const auto w = index.windows(centres, T);
    for (size_t i = 0; i < images.size(); ++i) {
      const auto slash = images[i].rfind('/');
      const std::string video = images[i].substr(0, slash);
      const long f = std::stol(images[i].substr(slash + 1));
      for (int k = -T; k <= T; ++k) {
        const auto it = row.find({video, f + k});
        const int64_t want = it == row.end() ? -1 : it->second;
        BOOST_TEST(w[i * (2 * T + 1) + (k + T)] == want);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(paths_without_videos_or_frame_numbers_are_refused) {
  auto message = [](const std::vector<std::string>& images) {
    try {
      FrameIndex index(images, "s.h5");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  BOOST_TEST(message({"v/1.jpg", "00002.jpg"}).find("s.h5: image '00002.jpg' has no video folder") == 0u);
  BOOST_TEST(message({"v/a1.jpg"}).find("is not a frame number") != std::string::npos);
  BOOST_TEST(message({"v/1.jpg", "v/001.jpg"}).find("frame 1 of video 'v' appears twice") != std::string::npos);
  BOOST_TEST(message({"v//1.jpg"}).find("empty folder name") != std::string::npos);
  // One frame per video: no window ever holds more than its centre.
  const FrameIndex single({"a/1.jpg", "b/1.jpg"}, "s.h5");
  BOOST_CHECK_THROW(check_context(single, 2, "s.h5"), InputError);
  BOOST_CHECK_NO_THROW(check_context(single, 0, "s.h5"));
}

BOOST_AUTO_TEST_CASE(distinct_window_rows_are_read_once_and_pointed_at) {
  std::vector<int64_t> w = {-1, 5, 3, 5, -1, 9};
  BOOST_TEST(distinct_window_rows(w) == (std::vector<int64_t>{3, 5, 9}), boost::test_tools::per_element());
  BOOST_TEST(w == (std::vector<int64_t>{-1, 1, 0, 1, -1, 2}), boost::test_tools::per_element());
}
