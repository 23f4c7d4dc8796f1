// Shards: one split's input list cut into N parts that separate jobs (a Slurm job array) extract
// into separate feature stores, used together afterwards (several --train / prediction stores).
// No LibTorch here.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <utility>

namespace mtl {

struct Shard {
  int index = 1;  // 1..count
  int count = 1;
  bool whole() const { return count == 1; }
  std::string text() const { return std::to_string(index) + "/" + std::to_string(count); }
};

// Parses "I/N" with 1 <= I <= N. Throws UsageError naming --shard otherwise.
Shard parse_shard(const std::string& s);

// The shard of this Slurm array task (SLURM_ARRAY_TASK_ID, _MIN and _COUNT), or nullopt outside an
// array. Throws UsageError when the variables are set but inconsistent.
std::optional<Shard> slurm_array_shard();

// The inputs [begin, end) of shard `s` of a list of n inputs read in batches of `batch`. Shards
// split on batch boundaries, so that every image is computed in the same batch as in an unsharded
// run: the shards' rows, concatenated in order, are the unsharded run's rows, bit for bit.
std::pair<size_t, size_t> shard_range(size_t n, size_t batch, const Shard& s);

}  // namespace mtl
