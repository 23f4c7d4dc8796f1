// A small PNG encoder: signature, IHDR, one IDAT (zlib) and IEND; each row filtered with the
// filter (None, Sub or Up) that gives the smallest sum of absolute values, as libpng does.
#include "mtl/plot/png.h"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <vector>
#include <zlib.h>

#include "mtl/core/atomic_file.h"
#include "mtl/core/error.h"

namespace mtl {
namespace plot {
namespace {

void put_u32(std::string& s, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((v >> shift) & 0xff);
}

void put_chunk(std::string& out, const char* type, const std::string& data) {
  put_u32(out, static_cast<uint32_t>(data.size()));
  const size_t start = out.size();
  out.append(type, 4);
  out += data;
  const auto* p = reinterpret_cast<const Bytef*>(out.data() + start);
  put_u32(out, static_cast<uint32_t>(crc32(crc32(0L, Z_NULL, 0), p, static_cast<uInt>(out.size() - start))));
}

// The image's rows in RGB order, each preceded by its filter type byte.
std::string filtered_rows(const cv::Mat& bgr) {
  const size_t stride = static_cast<size_t>(bgr.cols) * 3;
  std::string out;
  out.reserve((stride + 1) * bgr.rows);
  std::vector<uint8_t> prev(stride, 0), cur(stride), best(stride), cand(stride);
  for (int y = 0; y < bgr.rows; ++y) {
    const uint8_t* row = bgr.ptr<uint8_t>(y);
    for (int x = 0; x < bgr.cols; ++x)
      for (int ch = 0; ch < 3; ++ch) cur[3 * x + ch] = row[3 * x + 2 - ch];
    long best_cost = -1;
    uint8_t best_type = 0;
    for (uint8_t type = 0; type <= 2; ++type) {
      long cost = 0;
      for (size_t i = 0; i < stride; ++i) {
        const uint8_t pred = type == 1 ? (i >= 3 ? cur[i - 3] : 0) : type == 2 ? prev[i] : 0;
        cand[i] = static_cast<uint8_t>(cur[i] - pred);
        cost += cand[i] < 128 ? cand[i] : 256 - cand[i];
      }
      if (best_cost < 0 || cost < best_cost) {
        best_cost = cost;
        best_type = type;
        best.swap(cand);
      }
    }
    out += static_cast<char>(best_type);
    out.append(reinterpret_cast<const char*>(best.data()), stride);
    prev.swap(cur);
  }
  return out;
}

}  // namespace

std::string encode_png(const cv::Mat& bgr) {
  if (bgr.type() != CV_8UC3 || bgr.empty()) throw std::invalid_argument("encode_png: an 8-bit BGR image expected");
  const std::string raw = filtered_rows(bgr);
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  std::string z(size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(&z[0]), &size, reinterpret_cast<const Bytef*>(raw.data()),
                static_cast<uLong>(raw.size()), 9) != Z_OK)
    throw std::runtime_error("encode_png: zlib failed");
  z.resize(size);
  std::string header;
  put_u32(header, static_cast<uint32_t>(bgr.cols));
  put_u32(header, static_cast<uint32_t>(bgr.rows));
  header += std::string("\x08\x02\x00\x00\x00", 5);  // 8 bits, RGB, deflate, adaptive filters, no interlace
  std::string out("\x89PNG\r\n\x1a\n", 8);
  put_chunk(out, "IHDR", header);
  put_chunk(out, "IDAT", z);
  put_chunk(out, "IEND", "");
  return out;
}

void write_png(const cv::Mat& bgr, const std::string& path) {
  const std::string bytes = encode_png(bgr);
  write_file_atomically(path, bytes);
}

}  // namespace plot
}  // namespace mtl
