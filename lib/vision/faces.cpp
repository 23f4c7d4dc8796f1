// Picking, tracking and aligning detected faces.
#include "mtl/vision/faces.h"

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <tuple>

namespace mtl {

float box_iou(const std::array<float, 4>& a, const std::array<float, 4>& b) {
  const float iw = std::min(a[2], b[2]) - std::max(a[0], b[0]);
  const float ih = std::min(a[3], b[3]) - std::max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const float inter = iw * ih;
  const float ua = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return ua > 0 ? inter / ua : 0;
}

int largest_face(const std::vector<Detection>& faces) {
  int best = -1;
  for (size_t i = 0; i < faces.size(); ++i)
    if (best < 0 || faces[i].area() > faces[best].area()) best = static_cast<int>(i);
  return best;
}

std::vector<int> FaceTracker::assign(const std::vector<Detection>& faces, long frame) {
  for (auto it = tracks_.begin(); it != tracks_.end();)
    it = frame - it->second.last_frame > max_gap_ ? tracks_.erase(it) : std::next(it);
  std::vector<std::tuple<float, int, size_t>> pairs;  // IoU, track, face
  for (const auto& [id, t] : tracks_)
    for (size_t i = 0; i < faces.size(); ++i) {
      const float iou = box_iou(t.box, faces[i].box);
      if (iou >= min_iou_) pairs.emplace_back(iou, id, i);
    }
  // The largest overlap first; equal ones: the older track, then the earlier face.
  std::sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) {
    if (std::get<0>(a) != std::get<0>(b)) return std::get<0>(a) > std::get<0>(b);
    if (std::get<1>(a) != std::get<1>(b)) return std::get<1>(a) < std::get<1>(b);
    return std::get<2>(a) < std::get<2>(b);
  });
  std::vector<int> ids(faces.size(), 0);
  std::vector<int> taken;
  for (const auto& [iou, id, i] : pairs) {
    if (ids[i] != 0 || std::find(taken.begin(), taken.end(), id) != taken.end()) continue;
    ids[i] = id;
    taken.push_back(id);
  }
  for (size_t i = 0; i < faces.size(); ++i) {
    if (ids[i] == 0) ids[i] = next_id_++;
    tracks_[ids[i]] = Track{faces[i].box, frame};
  }
  return ids;
}

std::array<double, 6> similarity_transform(const std::array<Point2, kFaceLandmarks>& from,
                                           const std::array<Point2, kFaceLandmarks>& to) {
  // In the plane, a similarity without reflection is [[a, -b], [b, a]] plus a shift; with both
  // point sets centred, the least-squares a and b are the projections below (Umeyama's solution,
  // which needs no SVD in 2-D and can never come out as a reflection).
  const int n = kFaceLandmarks;
  double msx = 0, msy = 0, mdx = 0, mdy = 0;
  for (int i = 0; i < n; ++i) msx += from[i].x, msy += from[i].y, mdx += to[i].x, mdy += to[i].y;
  msx /= n, msy /= n, mdx /= n, mdy /= n;
  double na = 0, nb = 0, den = 0;
  for (int i = 0; i < n; ++i) {
    const double sx = from[i].x - msx, sy = from[i].y - msy, dx = to[i].x - mdx, dy = to[i].y - mdy;
    na += sx * dx + sy * dy;
    nb += sx * dy - sy * dx;
    den += sx * sx + sy * sy;
  }
  const double a = den > 0 ? na / den : 1.0, b = den > 0 ? nb / den : 0.0;
  return {a, -b, mdx - (a * msx - b * msy), b, a, mdy - (b * msx + a * msy)};
}

std::vector<uint8_t> align_face(const uint8_t* bgr, int h, int w, size_t stride,
                                const std::array<Point2, kFaceLandmarks>& landmarks, const FaceTemplate& t) {
  const std::array<double, 6> m = similarity_transform(landmarks, t.points);
  const cv::Mat src(h, w, CV_8UC3, const_cast<uint8_t*>(bgr), stride);
  std::vector<uint8_t> out(static_cast<size_t>(t.size) * t.size * 3);
  cv::Mat dst(t.size, t.size, CV_8UC3, out.data());
  cv::warpAffine(src, dst, cv::Mat(2, 3, CV_64F, const_cast<double*>(m.data())), dst.size(), cv::INTER_LINEAR,
                 cv::BORDER_CONSTANT, cv::Scalar(0, 0, 0));
  return out;
}

}  // namespace mtl
