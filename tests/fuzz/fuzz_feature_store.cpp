// Fuzz target: the feature-store reader. The input bytes are written to a temporary file, which
// the reader opens; then everything a training or prediction run reads is read: the settings,
// the committed rows in chunks (with and without features), their labels, and the skipped inputs.
// An InputError is the reader's documented answer to a bad store; anything else is a finding, and
// so is an HDF5 object the reader leaves open (it would keep the file open for the whole run).
#include <fcntl.h>
#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "mtl/core/error.h"
#include "mtl/core/feature_store.h"

namespace {

constexpr size_t kChunk = 1024;   // rows per read, as the trainers and mtl-predict read a store
constexpr size_t kMaxChunks = 4;  // a tiny file can declare billions of (unstored) rows; read the first few and the last

std::string g_path;

void remove_store() {
  if (!g_path.empty()) std::remove(g_path.c_str());
}

void check_rows(const mtl::FeatureStoreReader& store, size_t start, size_t count, bool with_features) {
  const mtl::FeatureRows r = store.read(start, count, with_features);
  const auto& info = store.info();
  if (r.size() != count || r.labels.size() != count) std::abort();
  if (with_features && (r.features.size() != count * static_cast<size_t>(info.feature_dim) ||
                        r.logits.size() != count * static_cast<size_t>(info.logits_dim)))
    std::abort();
}

void read_store(const std::string& path) {
  mtl::FeatureStoreReader store(path, /*allow_partial=*/true);
  const size_t rows = store.rows();
  const size_t chunks = (rows + kChunk - 1) / kChunk;
  for (size_t c = 0; c < chunks; ++c) {
    if (c == kMaxChunks && c + 1 < chunks) c = chunks - 1;
    const size_t start = c * kChunk;
    const size_t count = std::min(kChunk, rows - start);
    check_rows(store, start, count, false);
    check_rows(store, start, count, true);
  }
  (void)store.skipped();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/mtl-fuzz-store-XXXXXX";
  const int fd = mkstemp(templ.data());
  if (fd < 0) {
    std::perror("mkstemp");
    std::abort();
  }
  ::close(fd);
  g_path = templ;
  std::atexit(remove_store);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const int fd = ::open(g_path.c_str(), O_WRONLY | O_TRUNC);
  if (fd < 0 || ::write(fd, data, size) != static_cast<ssize_t>(size)) std::abort();
  ::close(fd);
  try {
    read_store(g_path);
  } catch (const mtl::Error&) {
  }
  if (H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) > 0) std::abort();  // an identifier left open
  return 0;
}
