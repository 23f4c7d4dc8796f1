// SHA-256 of files and buffers, for recording which backbone and data made an output.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace mtl {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t n);
  std::string hex();  // finishes and returns the 64-character lowercase digest

 private:
  void block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t used_ = 0;
  uint64_t bytes_ = 0;
};

// SHA-256 of the file at `path` in hex. Throws InputError if it cannot be read.
std::string sha256_file(const std::string& path);

}  // namespace mtl
