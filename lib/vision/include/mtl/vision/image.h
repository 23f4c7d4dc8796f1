// Image decoding and the HSEmotion preprocessing, with OpenCV. No LibTorch here.
// Preprocessing: decode -> RGB -> resize to S x S (bilinear) -> scale to [0,1] -> (x - mean) / std,
// laid out channel-major (3 x S x S floats), as torchvision's ToTensor + Normalize produce.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mtl {

// How an image is resized to S x S. Both are bilinear; they differ when shrinking.
enum class ResizeMethod {
  Pil,     // Pillow's Image.resize(BILINEAR), which torchvision applies to PIL images (HSEmotion's
           // Python code): a triangle filter widened by the reduction factor, so it antialiases
  OpenCV,  // cv::resize(INTER_LINEAR) (EmotiEffLib's C++ library): 2x2 neighbours, no antialiasing
};
const char* resize_name(ResizeMethod m);                           // "pil" or "opencv"
std::optional<ResizeMethod> parse_resize(const std::string& name);  // nullopt for other names

// The largest input size S: backbones take 224 (B0) or 260 (B2); a typo such as 22400 would allocate GBs.
constexpr int kMaxInputSize = 2048;

struct Preprocess {
  int size = 224;  // S: 224 for EfficientNet-B0, 260 for B2
  ResizeMethod resize = ResizeMethod::Pil;
  std::array<float, 3> mean = {0.485f, 0.456f, 0.406f};
  std::array<float, 3> std = {0.229f, 0.224f, 0.225f};
  size_t floats() const { return 3u * size * size; }
  // Checks size (1..kMaxInputSize), finite mean and positive finite std, naming the options
  // (--size, --mean, --std). Throws UsageError.
  void check() const;
};

// Preprocesses an interleaved 8-bit BGR image of h x w pixels (OpenCV's layout) into `out`
// (p.floats() values). Throws std::invalid_argument on an empty image.
void preprocess_bgr(const uint8_t* bgr, int h, int w, const Preprocess& p, float* out);

// Resizes an interleaved 8-bit image of h x w pixels with `channels` channels to oh x ow as Pillow's
// bilinear resize does: per axis, output pixel i centred at (i + 0.5) * in/out takes the input pixels
// within a support of max(in/out, 1) around it, weighted by a triangle 1 - |d| / max(in/out, 1)
// (weights normalised, in 22-bit fixed point); the horizontal pass runs first and is rounded to
// 8 bits before the vertical pass; an axis whose size does not change is copied.
std::vector<uint8_t> resize_pil(const uint8_t* src, int h, int w, int channels, int oh, int ow);

// The largest image file read (64 MiB); face crops are a few KB.
constexpr long long kMaxImageBytes = 64ll << 20;

// Reads and decodes the image file at `path`, then preprocesses it into `out`. Only a regular file
// of at most kMaxImageBytes is read; a JPEG cut off before its end marker, or a PNG before its
// IEND chunk, is refused. Throws InputError "path: cannot read image" or "path: cannot decode image".
void load_preprocessed(const std::string& path, const Preprocess& p, float* out);
// The same, and the image flipped left to right (cv::flip(image, 1)) preprocessed into `mirrored`.
void load_preprocessed(const std::string& path, const Preprocess& p, float* out, float* mirrored);

// Reads and decodes the image file at `path`, checked as load_preprocessed does, into 8-bit BGR
// (h x w pixels, 3 bytes each, row-major). Throws InputError as load_preprocessed.
std::vector<uint8_t> read_image_bgr(const std::string& path, int& h, int& w);

// Writes an 8-bit BGR image as JPEG (quality 0-100) to `path`. Throws OutputError.
void write_jpeg(const std::string& path, const uint8_t* bgr, int h, int w, int quality);

// Joins an image root and a relative path from an input list ("" root: the path as is).
std::string join_image_path(const std::string& root, const std::string& rel);

}  // namespace mtl
