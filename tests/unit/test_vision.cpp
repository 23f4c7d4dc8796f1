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

