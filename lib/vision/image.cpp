// Image decoding and preprocessing with OpenCV.
#include "mtl/vision/image.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

#include "mtl/core/error.h"

namespace mtl {

void preprocess_bgr(const uint8_t* bgr, int h, int w, const Preprocess& p, float* out) {
  if (h <= 0 || w <= 0) throw std::invalid_argument("empty image");
  cv::Mat src(h, w, CV_8UC3, const_cast<uint8_t*>(bgr));
  cv::Mat resized;
  if (h == p.size && w == p.size)
    resized = src;
  else
    cv::resize(src, resized, cv::Size(p.size, p.size), 0, 0, cv::INTER_LINEAR);
  const size_t plane = static_cast<size_t>(p.size) * p.size;
  for (int y = 0; y < p.size; ++y) {
    const uint8_t* row = resized.ptr<uint8_t>(y);
    for (int x = 0; x < p.size; ++x) {
      const size_t o = static_cast<size_t>(y) * p.size + x;
      for (int c = 0; c < 3; ++c) {  // output channel c is RGB; OpenCV's pixel is BGR
        float v = row[3 * x + (2 - c)] / 255.0f;
        out[c * plane + o] = (v - p.mean[c]) / p.std[c];
      }
    }
  }
}

void load_preprocessed(const std::string& path, const Preprocess& p, float* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError(path + ": cannot read image: " + std::strerror(errno));
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (bytes.empty()) throw InputError(path + ": cannot decode image: empty file");
  cv::Mat img;
  try {
    img = cv::imdecode(bytes, cv::IMREAD_COLOR);
  } catch (const cv::Exception&) {
    img.release();
  }
  if (img.empty()) throw InputError(path + ": cannot decode image: not a JPEG/PNG/BMP image, or corrupt");
  if (!img.isContinuous()) img = img.clone();
  preprocess_bgr(img.ptr<uint8_t>(0), img.rows, img.cols, p, out);
}

void write_jpeg(const std::string& path, const uint8_t* bgr, int h, int w, int quality) {
  cv::Mat img(h, w, CV_8UC3, const_cast<uint8_t*>(bgr));
  bool ok = false;
  try {
    ok = cv::imwrite(path, img, {cv::IMWRITE_JPEG_QUALITY, quality});
  } catch (const cv::Exception&) {
    ok = false;
  }
  if (!ok) throw OutputError(path + ": cannot write image");
}

std::string join_image_path(const std::string& root, const std::string& rel) {
  if (root.empty() || (!rel.empty() && rel[0] == '/')) return rel;
  if (root.back() == '/') return root + rel;
  return root + "/" + rel;
}

}  // namespace mtl
