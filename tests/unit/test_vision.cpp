// Unit tests of the vision layer: the preprocessing worked by hand, and decoding errors.
#define BOOST_TEST_MODULE mtl_vision
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdio>
#include <unistd.h>
#include <vector>

#include "mtl/core/error.h"
#include "mtl/vision/faces.h"
#include "mtl/vision/image.h"

using namespace mtl;

namespace {
std::string temp_path(const std::string& name) {
  return "/tmp/mtl-test-" + std::to_string(getpid()) + "-" + name;
}
}  // namespace

// ----------------------------------------------------------------------------- preprocessing
BOOST_AUTO_TEST_CASE(preprocessing_hand_computed_pixel) {
  // A 2x2 BGR image at S = 2 (no resizing): pixel (0,0) is B=10, G=20, R=30.
  uint8_t img[12] = {10, 20, 30, 0, 0, 0, 0, 0, 0, 255, 255, 255};
  Preprocess p;
  p.size = 2;
  float out[12];
  preprocess_bgr(img, 2, 2, p, out);
  BOOST_TEST(std::abs(out[0] - (30 / 255.0 - 0.485) / 0.229) < 1e-6);      // R plane, (0,0)
  BOOST_TEST(std::abs(out[4] - (20 / 255.0 - 0.456) / 0.224) < 1e-6);      // G plane, (0,0)
  BOOST_TEST(std::abs(out[8] - (10 / 255.0 - 0.406) / 0.225) < 1e-6);      // B plane, (0,0)
  BOOST_TEST(std::abs(out[3] - (1.0 - 0.485) / 0.229) < 1e-6);             // R plane, (1,1)
  // A uniform image stays uniform through the resize.
  std::vector<uint8_t> grey(112 * 112 * 3, 128);
  p.size = 224;
  std::vector<float> big(p.floats());
  preprocess_bgr(grey.data(), 112, 112, p, big.data());
  BOOST_TEST(std::abs(big[224 * 100 + 7] - (128 / 255.0 - 0.485) / 0.229) < 1e-6);
}

BOOST_AUTO_TEST_CASE(pil_resize_hand_computed) {
  // Halving 4 grey pixels 0, 70, 140, 210: the triangle is 2 pixels wide on each side, so output 0
  // (centre 1.0) weighs inputs 0, 1, 2 by 0.75, 0.75, 0.25, normalised to 3/7, 3/7, 1/7: 350/7 = 50;
  // output 1 (centre 3.0) weighs inputs 1, 2, 3 by 1/7, 3/7, 3/7: 1120/7 = 160. (OpenCV's bilinear
  // resize gives 35 and 175: the means of the two nearest pixels.)
  const uint8_t row[4] = {0, 70, 140, 210};
  BOOST_TEST(resize_pil(row, 1, 4, 1, 1, 2) == (std::vector<uint8_t>{50, 160}), boost::test_tools::per_element());
  // The same along the vertical axis, two channels at once (the second channel mirrored).
  const uint8_t col[8] = {0, 210, 70, 140, 140, 70, 210, 0};
  BOOST_TEST(resize_pil(col, 4, 1, 2, 2, 1) == (std::vector<uint8_t>{50, 160, 160, 50}), boost::test_tools::per_element());
  // Enlarging 2 -> 4 (triangle 1 pixel wide): centres 0.25, 0.75, 1.25, 1.75 over pixels 0 and 100
  // at 0.5 and 1.5 give 0, 25, 75, 100 (the edges keep only the nearer pixel).
  const uint8_t two[2] = {0, 100};
  BOOST_TEST(resize_pil(two, 1, 2, 1, 1, 4) == (std::vector<uint8_t>{0, 25, 75, 100}), boost::test_tools::per_element());
  BOOST_TEST((parse_resize("pil") == ResizeMethod::Pil));
  BOOST_TEST(!parse_resize("bicubic").has_value());
}

BOOST_AUTO_TEST_CASE(undecodable_image_names_the_file) {
  std::string path = temp_path("bad.jpg");
  FILE* f = std::fopen(path.c_str(), "w");
  std::fputs("not an image", f);
  std::fclose(f);
  Preprocess p;
  std::vector<float> out(p.floats());
  try {
    load_preprocessed(path, p, out.data());
    BOOST_FAIL("no error");
  } catch (const InputError& e) {
    BOOST_TEST(std::string(e.what()).find(path + ": cannot decode image") == 0);
  }
  std::remove(path.c_str());
  BOOST_CHECK_THROW(load_preprocessed(path, p, out.data()), InputError);
}


// ----------------------------------------------------------------------------- faces
BOOST_AUTO_TEST_CASE(box_iou_and_largest_face_hand_worked) {
  BOOST_TEST(std::abs(box_iou({0, 0, 2, 2}, {1, 1, 3, 3}) - 1.0f / 7) < 1e-7);
  BOOST_TEST(box_iou({0, 0, 2, 2}, {2, 0, 4, 2}) == 0.0f);  // touching edges
  BOOST_TEST(box_iou({0, 0, 2, 2}, {0, 0, 2, 2}) == 1.0f);
  std::vector<Detection> faces(3);
  faces[0].box = {0, 0, 10, 10};
  faces[1].box = {0, 0, 5, 30};   // 150 > 100
  faces[2].box = {0, 0, 15, 10};  // 150 too: the first of equal ones stays
  BOOST_TEST(largest_face(faces) == 1);
  BOOST_TEST(largest_face({}) == -1);
}

BOOST_AUTO_TEST_CASE(similarity_recovers_a_known_transform) {
  // The template moved by x -> s R x + t (s = 2.5, 30 degrees, t = (100, 50)); the transform that
  // maps those points back onto the template is the inverse: R^T / s, and -R^T t / s.
  const FaceTemplate t = arcface_template();
  const double s = 2.5, a = M_PI / 6, c = std::cos(a), n = std::sin(a), tx = 100, ty = 50;
  std::array<Point2, kFaceLandmarks> moved;
  for (int i = 0; i < kFaceLandmarks; ++i)
    moved[i] = {float(s * (c * t.points[i].x - n * t.points[i].y) + tx), float(s * (n * t.points[i].x + c * t.points[i].y) + ty)};
  const auto m = similarity_transform(moved, t.points);
  const double expect[6] = {c / s, n / s, -(c * tx + n * ty) / s, -n / s, c / s, -(-n * tx + c * ty) / s};
  for (int k = 0; k < 6; ++k) BOOST_TEST(std::abs(m[k] - expect[k]) < 1e-4, "m[" << k << "] = " << m[k] << ", expected " << expect[k]);
  // Mirrored landmarks give a rotation, never a reflection (positive determinant).
  std::array<Point2, kFaceLandmarks> mirrored = t.points;
  for (auto& p : mirrored) p.x = 112 - p.x;
  const auto r = similarity_transform(mirrored, t.points);
  BOOST_TEST(r[0] * r[4] - r[1] * r[3] > 0);
}

BOOST_AUTO_TEST_CASE(aligned_crop_puts_the_landmarks_on_the_template) {
  // A 300x200 black image with a white 3x3 dot at each of five landmarks (the template scaled by
  // 1.5 and shifted): in the crop, each template point must be white, and the crop elsewhere black.
  const FaceTemplate t = arcface_template();
  const int h = 200, w = 300;
  std::vector<uint8_t> img(static_cast<size_t>(h) * w * 3, 0);
  std::array<Point2, kFaceLandmarks> lm;
  for (int i = 0; i < kFaceLandmarks; ++i) {
    lm[i] = {std::round(1.5f * t.points[i].x + 80), std::round(1.5f * t.points[i].y + 10)};
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx)
        for (int ch = 0; ch < 3; ++ch) img[((int(lm[i].y) + dy) * w + int(lm[i].x) + dx) * 3 + ch] = 255;
  }
  const std::vector<uint8_t> crop = align_face(img.data(), h, w, static_cast<size_t>(w) * 3, lm, t);
  BOOST_TEST(crop.size() == 112u * 112 * 3);
  int white = 0;
  for (size_t i = 0; i < crop.size(); i += 3) white += crop[i] > 100;
  for (int i = 0; i < kFaceLandmarks; ++i) {
    // The dot's centre lands within a pixel of the template point (rounded landmarks).
    int best = 0;
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        const int x = int(std::lround(t.points[i].x)) + dx, y = int(std::lround(t.points[i].y)) + dy;
        best = std::max(best, int(crop[(y * 112 + x) * 3]));
      }
    BOOST_TEST(best > 200, "landmark " << i);
  }
  BOOST_TEST(white < 5 * 9, "the five 2x2 dots and their blur only");  // a 3x3 dot shrinks to 2x2
}

BOOST_AUTO_TEST_CASE(tracker_follows_faces_by_overlap) {
  FaceTracker tr(/*max_gap=*/2, /*min_iou=*/0.3f);
  auto det = [](float x) {
    Detection d;
    d.box = {x, 0, x + 10, 10};
    return d;
  };
  BOOST_TEST((tr.assign({det(0), det(100)}, 1) == std::vector<int>{1, 2}));
  // Listed in the other order and moved a little: the ids follow the boxes.
  BOOST_TEST((tr.assign({det(102), det(1)}, 2) == std::vector<int>{2, 1}));
  // A third face: a new id; face 2 is missing this frame.
  BOOST_TEST((tr.assign({det(2), det(50)}, 3) == std::vector<int>{1, 3}));
  // Face 2 back within the gap (last seen at 2, now 4): its id again.
  BOOST_TEST((tr.assign({det(101)}, 4) == std::vector<int>{2}));
  // Face 1 back after more than the gap (last seen at 3, now 6): a new track.
  BOOST_TEST((tr.assign({det(3)}, 6) == std::vector<int>{4}));
  // Two faces on one old track: the better overlap keeps it.
  FaceTracker one;
  one.assign({det(0)}, 1);
  BOOST_TEST((one.assign({det(5), det(1)}, 2) == std::vector<int>{2, 1}));
}
