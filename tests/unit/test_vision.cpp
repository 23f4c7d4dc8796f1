// Unit tests of the vision layer: the preprocessing worked by hand, and decoding errors.
#define BOOST_TEST_MODULE mtl_vision
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdio>
#include <unistd.h>
#include <vector>

#include "mtl/core/error.h"
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

