// SHA-256 of files and buffers, for recording which backbone and data made an output.
// The digest is OpenSSL's (libcrypto); this header keeps OpenSSL out of its users.
#pragma once
#include <cstddef>
#include <memory>
#include <string>

namespace mtl {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, size_t n);
  std::string hex();  // finishes and returns the 64-character lowercase digest

 private:
  struct Context;
  std::unique_ptr<Context> ctx_;
};

// SHA-256 of the file at `path` in hex. Throws InputError if it cannot be read.
std::string sha256_file(const std::string& path);

}  // namespace mtl
