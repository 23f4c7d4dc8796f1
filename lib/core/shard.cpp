// Shards of an input list.
#include "mtl/core/shard.h"

#include <algorithm>
#include <cstdlib>

#include "mtl/core/error.h"

namespace mtl {
namespace {

// A whole decimal number in [lo, hi], or nullopt.
std::optional<long> whole_number(const std::string& s, long lo, long hi) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  for (char c : s)
    if (c < '0' || c > '9') return std::nullopt;
  long v = std::atol(s.c_str());
  if (v < lo || v > hi) return std::nullopt;
  return v;
}

std::optional<long> env_number(const char* name) {
  const char* v = std::getenv(name);
  if (!v) return std::nullopt;
  auto n = whole_number(v, 0, 100000000);
  if (!n) throw UsageError(std::string(name) + "='" + v + "' is not a whole number");
  return n;
}

}  // namespace

Shard parse_shard(const std::string& s) {
  const auto slash = s.find('/');
  const auto count = slash == std::string::npos ? std::nullopt : whole_number(s.substr(slash + 1), 1, 1000000);
  const auto index = slash == std::string::npos || !count ? std::nullopt : whole_number(s.substr(0, slash), 1, *count);
  if (!index) throw UsageError("--shard must be I/N with 1 <= I <= N, not '" + s + "'");
  return {static_cast<int>(*index), static_cast<int>(*count)};
}

std::optional<Shard> slurm_array_shard() {
  const auto id = env_number("SLURM_ARRAY_TASK_ID");
  const auto count = env_number("SLURM_ARRAY_TASK_COUNT");
  if (!id || !count) return std::nullopt;
  const long min = env_number("SLURM_ARRAY_TASK_MIN").value_or(0);
  const long step = std::max(1L, env_number("SLURM_ARRAY_TASK_STEP").value_or(1));  // --array=0-9:2
  const long index = (*id - min) / step + 1;
  if (*count < 1 || *id < min || (*id - min) % step != 0 || index > *count)
    throw UsageError("SLURM_ARRAY_TASK_ID " + std::to_string(*id) + " is not within the array (min " +
                     std::to_string(min) + ", step " + std::to_string(step) + ", count " + std::to_string(*count) +
                     "): give the shard with --shard I/N");
  return Shard{static_cast<int>(index), static_cast<int>(*count)};
}

std::pair<size_t, size_t> shard_range(size_t n, size_t batch, const Shard& s) {
  if (batch == 0) batch = 1;
  const size_t batches = (n + batch - 1) / batch;
  const size_t b0 = batches * (s.index - 1) / s.count, b1 = batches * s.index / s.count;
  return {std::min(n, b0 * batch), std::min(n, b1 * batch)};
}

}  // namespace mtl
