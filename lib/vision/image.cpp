// Image decoding and preprocessing with OpenCV.
#include "mtl/vision/image.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
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

namespace {

// The bytes of an image file: only a regular file of at most kMaxImageBytes is read, so a device
// (/dev/zero), a FIFO or a folder named as an image is refused rather than read forever.
std::vector<uint8_t> read_image_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw InputError(path + ": cannot read image: " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0) throw InputError(path + ": cannot read image: " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw InputError(path + ": cannot read image: a folder, not a file");
  if (!S_ISREG(st.st_mode)) throw InputError(path + ": cannot read image: not a regular file");
  if (st.st_size == 0) throw InputError(path + ": cannot decode image: empty file");
  if (st.st_size > kMaxImageBytes)
    throw InputError(path + ": cannot read image: " + std::to_string(st.st_size) + " bytes, more than the " +
                     std::to_string(kMaxImageBytes >> 20) + " MiB an image may have");
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw InputError(path + ": cannot read image: " + std::strerror(errno));
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  bytes.resize(got);  // a file that shrank while read is caught as truncated below
  return bytes;
}

bool starts_with(const std::vector<uint8_t>& b, const char* sig, size_t n) {
  return b.size() >= n && std::memcmp(b.data(), sig, n) == 0;
}

// OpenCV decodes a cut-off JPEG or PNG without an error (the missing part comes out grey), so the
// end of the file is checked: a JPEG's last scan (SOS, FF DA) must be followed by its end marker
// (EOI, FF D9; scan data cannot hold FF D9), and a PNG must hold its IEND chunk.
const char* truncation(const std::vector<uint8_t>& b) {
  if (starts_with(b, "\xFF\xD8\xFF", 3)) {
    size_t last_sos = 0, last_eoi = 0;
    for (size_t i = 0; i + 1 < b.size(); ++i) {
      if (b[i] != 0xFF) continue;
      if (b[i + 1] == 0xDA) last_sos = i + 1;
      if (b[i + 1] == 0xD9) last_eoi = i + 1;
    }
    if (last_eoi < last_sos || last_eoi == 0) return "a JPEG without its end marker (truncated?)";
  } else if (starts_with(b, "\x89PNG\r\n\x1A\n", 8)) {
    static const char iend[] = "IEND";
    const size_t from = b.size() > 64 ? b.size() - 64 : 0;
    if (std::search(b.begin() + from, b.end(), iend, iend + 4) == b.end()) return "a PNG without its IEND chunk (truncated?)";
  }
  return nullptr;
}

}  // namespace

void load_preprocessed(const std::string& path, const Preprocess& p, float* out) {
  const std::vector<uint8_t> bytes = read_image_file(path);
  if (const char* cut = truncation(bytes)) throw InputError(path + ": cannot decode image: " + cut);
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
