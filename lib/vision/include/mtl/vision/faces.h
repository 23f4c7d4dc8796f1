// Faces found in a frame, and what is done with them without a network: picking the largest,
// following faces across frames (tracks), and aligning a face's five landmarks onto a template.
// No LibTorch here (OpenCV in the implementation).
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <vector>

#include "mtl/core/face_lines.h"

namespace mtl {

// One face a detector found: pixels of the original frame.
struct Detection {
  std::array<float, 4> box{};  // x1, y1, x2, y2
  float score = 0;
  std::array<Point2, kFaceLandmarks> landmarks{};  // eyes, nose, mouth corners; image left first
  float width() const { return box[2] - box[0]; }
  float height() const { return box[3] - box[1]; }
  float area() const { return width() > 0 && height() > 0 ? width() * height() : 0.0f; }
};

// Intersection over union of two x1y1x2y2 boxes (0 when either is empty).
float box_iou(const std::array<float, 4>& a, const std::array<float, 4>& b);

// The index of the face with the largest box (the first of equal ones); -1 for none.
int largest_face(const std::vector<Detection>& faces);

// Follows faces across the frames of one video: each frame's faces are matched to the tracks seen
// in the last `max_gap` frames by box overlap (greedily, the largest IoU first, at least
// `min_iou`); a face left unmatched starts a new track. Track ids are 1, 2, ... in order of first
// appearance, never reused within the video.
class FaceTracker {
 public:
  explicit FaceTracker(long max_gap = 30, float min_iou = 0.3f) : max_gap_(max_gap), min_iou_(min_iou) {}
  // The track id of each of `faces`, seen in frame `frame` (increasing from call to call).
  std::vector<int> assign(const std::vector<Detection>& faces, long frame);

 private:
  struct Track {
    std::array<float, 4> box;
    long last_frame;
  };
  long max_gap_;
  float min_iou_;
  int next_id_ = 1;
  std::map<int, Track> tracks_;
};

// The 2 x 3 similarity (rotation, uniform scale, translation; no reflection) that maps `from`
// onto `to` with the least squared error over the five points (Umeyama's solution, in its closed
// 2-D form), row-major, computed in double from the float points.
std::array<double, 6> similarity_transform(const std::array<Point2, kFaceLandmarks>& from,
                                           const std::array<Point2, kFaceLandmarks>& to);

// The aligned crop (t.size x t.size, 8-bit BGR, row-major, 3 bytes a pixel) of the face whose
// landmarks are `landmarks` in the 8-bit BGR image `bgr` (h x w, `stride` bytes a row): the image
// warped by similarity_transform(landmarks, t.points), bilinear, black outside the image.
std::vector<uint8_t> align_face(const uint8_t* bgr, int h, int w, size_t stride,
                                const std::array<Point2, kFaceLandmarks>& landmarks, const FaceTemplate& t);

}  // namespace mtl
