// Image decoding and preprocessing with OpenCV.
#include "mtl/vision/image.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

#include "mtl/core/error.h"

namespace mtl {

const char* resize_name(ResizeMethod m) { return m == ResizeMethod::Pil ? "pil" : "opencv"; }

std::optional<ResizeMethod> parse_resize(const std::string& name) {
  if (name == "pil") return ResizeMethod::Pil;
  if (name == "opencv") return ResizeMethod::OpenCV;
  return std::nullopt;
}

namespace {

// Fixed-point precision of the resampling weights: 8-bit pixels times weights summing to 2^22 stay
// well inside 32 bits, and 22 bits are what Pillow's 8-bit resampling uses, so the roundings agree.
constexpr int kWeightBits = 22;

// The taps of one axis: for output index i, count[i] input pixels from first[i], with weights
// weights[i * stride ...] in fixed point.
struct AxisTaps {
  std::vector<int> first, count;
  std::vector<int32_t> weights;
  int stride = 0;
};

AxisTaps axis_taps(int in, int out) {
  const double scale = static_cast<double>(in) / out;
  const double widen = std::max(scale, 1.0);  // the triangle's half-width, in input pixels
  AxisTaps t;
  t.stride = 2 * static_cast<int>(std::ceil(widen)) + 1;
  t.first.resize(out);
  t.count.resize(out);
  t.weights.assign(static_cast<size_t>(out) * t.stride, 0);
  std::vector<double> w(t.stride);
  for (int i = 0; i < out; ++i) {
    const double centre = (i + 0.5) * scale;
    const int lo = std::max(static_cast<int>(centre - widen + 0.5), 0);
    const int hi = std::min(static_cast<int>(centre + widen + 0.5), in);
    double sum = 0;
    for (int j = lo; j < hi; ++j) {
      const double d = std::abs(j + 0.5 - centre) / widen;
      w[j - lo] = d < 1 ? 1 - d : 0;
      sum += w[j - lo];
    }
    t.first[i] = lo;
    t.count[i] = std::max(hi - lo, 0);
    for (int j = 0; j < t.count[i]; ++j)
      t.weights[static_cast<size_t>(i) * t.stride + j] =
          static_cast<int32_t>(std::lround(sum > 0 ? w[j] / sum * (1 << kWeightBits) : 0.0));
  }
  return t;
}

// Rounds a fixed-point sum (already offset by one half) to an 8-bit value.
uint8_t to_u8(int64_t acc) {
  const int64_t v = acc >> kWeightBits;
  return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}

// Resamples along one axis. The source is `lines` lines of `in` pixels (each `c` bytes) spaced
// `line_step` bytes apart, pixels `pixel_step` bytes apart; the destination is laid out alike.
void resample(const uint8_t* src, uint8_t* dst, int lines, int out, int c, size_t src_line, size_t src_pixel,
              size_t dst_line, size_t dst_pixel, const AxisTaps& t) {
  for (int l = 0; l < lines; ++l)
    for (int i = 0; i < out; ++i) {
      const int32_t* k = &t.weights[static_cast<size_t>(i) * t.stride];
      const uint8_t* p = src + l * src_line + t.first[i] * src_pixel;
      for (int ch = 0; ch < c; ++ch) {
        int64_t acc = int64_t(1) << (kWeightBits - 1);
        for (int j = 0; j < t.count[i]; ++j) acc += int64_t(p[j * src_pixel + ch]) * k[j];
        dst[l * dst_line + i * dst_pixel + ch] = to_u8(acc);
      }
    }
}

}  // namespace

void Preprocess::check() const {
  if (size <= 0 || size > kMaxInputSize)
    throw UsageError("--size must be positive and at most " + std::to_string(kMaxInputSize) + ", not " + std::to_string(size));
  for (float sd : std)
    if (!(sd > 0) || !std::isfinite(sd)) throw UsageError("--std values must be positive");
  for (float m : mean)
    if (!std::isfinite(m)) throw UsageError("--mean values must be finite");
}

std::vector<uint8_t> resize_pil(const uint8_t* src, int h, int w, int c, int oh, int ow) {
  if (h <= 0 || w <= 0 || oh <= 0 || ow <= 0 || c <= 0) throw std::invalid_argument("empty image");
  std::vector<uint8_t> wide;  // after the horizontal pass: h x ow
  if (ow != w) {
    wide.resize(static_cast<size_t>(h) * ow * c);
    resample(src, wide.data(), h, ow, c, size_t(w) * c, c, size_t(ow) * c, c, axis_taps(w, ow));
  } else {
    wide.assign(src, src + static_cast<size_t>(h) * w * c);
  }
  if (oh == h) return wide;
  std::vector<uint8_t> out(static_cast<size_t>(oh) * ow * c);
  // Columns are the lines of the vertical pass: one pixel apart, a row apart from pixel to pixel.
  resample(wide.data(), out.data(), ow, oh, c, c, size_t(ow) * c, c, size_t(ow) * c, axis_taps(h, oh));
  return out;
}

void preprocess_bgr(const uint8_t* bgr, int h, int w, const Preprocess& p, float* out) {
  if (h <= 0 || w <= 0) throw std::invalid_argument("empty image");
  cv::Mat src(h, w, CV_8UC3, const_cast<uint8_t*>(bgr));
  cv::Mat resized;
  std::vector<uint8_t> pil;
  if (h == p.size && w == p.size) {
    resized = src;
  } else if (p.resize == ResizeMethod::Pil) {
    pil = resize_pil(bgr, h, w, 3, p.size, p.size);
    resized = cv::Mat(p.size, p.size, CV_8UC3, pil.data());
  } else {
    cv::resize(src, resized, cv::Size(p.size, p.size), 0, 0, cv::INTER_LINEAR);
  }
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

// The image at `path`, read and checked as above, decoded to 8-bit BGR, continuous.
cv::Mat decode_checked(const std::string& path) {
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
  return img;
}

}  // namespace

std::vector<uint8_t> read_image_bgr(const std::string& path, int& h, int& w) {
  const cv::Mat img = decode_checked(path);
  h = img.rows, w = img.cols;
  return std::vector<uint8_t>(img.ptr<uint8_t>(0), img.ptr<uint8_t>(0) + img.total() * 3);
}

void load_preprocessed(const std::string& path, const Preprocess& p, float* out) {
  const cv::Mat img = decode_checked(path);
  preprocess_bgr(img.ptr<uint8_t>(0), img.rows, img.cols, p, out);
}

void load_preprocessed(const std::string& path, const Preprocess& p, float* out, float* mirrored) {
  const cv::Mat img = decode_checked(path);
  preprocess_bgr(img.ptr<uint8_t>(0), img.rows, img.cols, p, out);
  cv::Mat flipped;
  cv::flip(img, flipped, 1);
  preprocess_bgr(flipped.ptr<uint8_t>(0), flipped.rows, flipped.cols, p, mirrored);
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
