// Fuzz target: the feature-store reader. The input bytes are written to a temporary file, which
// the reader opens; then everything a training or prediction run reads is read: the settings,
// the committed rows in chunks (with and without features), their labels, and the skipped inputs.
// An InputError is the reader's documented answer to a bad store; anything else is a finding, and
// so is an HDF5 object the reader leaves open (it would keep the file open for the whole run).
#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "mtl/core/error.h"
#include "mtl/core/feature_store.h"

namespace {

constexpr size_t kChunk = 1024;   // rows per read, as the trainers and mtl-predict read a store
constexpr size_t kMaxChunks = 4;  // a tiny file can declare billions of (unstored) rows; read the first few and the last

// The temporary file, unlinked as soon as made and reached through /proc/self/fd, so that nothing
// is left behind when a finding ends the process.
int g_fd = -1;
std::string g_path;

uint64_t little_endian(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

// Whether HDF5 1.10's global-heap decoder would loop for ever on `data`: a collection ("GCOL")
// holding an object whose size, and so its step to the next object, is 0. The hang is the HDF5
// library's (the reader only asks for a string); such inputs are skipped, so that the fuzzer spends
// its time on the reader rather than on 10-second timeouts.
bool hdf5_heap_would_hang(const uint8_t* data, size_t size) {
  for (size_t p = 0; p + 16 <= size; ++p) {
    if (std::memcmp(data + p, "GCOL", 4) != 0) continue;
    const uint64_t end = p + std::min<uint64_t>(little_endian(data + p + 8, 8), size - p);
    for (uint64_t q = p + 16; q + 16 <= end;) {
      const uint64_t object = little_endian(data + q + 8, 8);
      const uint64_t step = little_endian(data + q, 2) > 0 ? 16 + ((object + 7) & ~uint64_t(7)) : object;
      if (step == 0) return true;
      if (step > end - q) break;
      q += step;
    }
  }
  return false;
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
  g_fd = mkstemp(templ.data());
  if (g_fd < 0) {
    std::perror("mkstemp");
    std::abort();
  }
  ::unlink(templ.c_str());
  g_path = "/proc/self/fd/" + std::to_string(g_fd);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (hdf5_heap_would_hang(data, size)) return -1;  // -1: not kept in the corpus
  if (::ftruncate(g_fd, 0) != 0 || ::pwrite(g_fd, data, size, 0) != static_cast<ssize_t>(size)) std::abort();
  try {
    read_store(g_path);
  } catch (const mtl::Error&) {
  }
  if (H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) > 0) std::abort();  // an identifier left open
  return 0;
}
