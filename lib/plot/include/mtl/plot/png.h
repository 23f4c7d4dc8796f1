// PNG files from OpenCV images without OpenCV's imgcodecs: that library loads about 140 others
// (GDAL among them), which would make every start of mtl-score about 80 ms slower. The PNG is
// compressed with zlib.
#pragma once
#include <string>
#include <opencv2/core.hpp>

namespace mtl {
namespace plot {

// The bytes of a PNG file (8-bit RGB, no interlacing) holding `bgr`, an 8-bit 3-channel image in
// OpenCV's BGR order. Throws std::invalid_argument for any other kind of image.
std::string encode_png(const cv::Mat& bgr);

// Writes `bgr` as a PNG file at `path`, atomically (a temporary file renamed into place). Throws
// OutputError naming the file when it cannot be written.
void write_png(const cv::Mat& bgr, const std::string& path);

}  // namespace plot
}  // namespace mtl
