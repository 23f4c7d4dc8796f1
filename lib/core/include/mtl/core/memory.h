// Memory sizes: parsing "512M", and how much memory this process may use. No LibTorch here.
#pragma once
#include <cstddef>
#include <optional>
#include <string>

namespace mtl {

// Parses a size in bytes: a whole number with an optional K, M, G or T suffix (powers of 1024;
// a trailing "B" or "iB" is accepted). nullopt when it is not one.
std::optional<size_t> parse_size(const std::string& s);

// "1.5G", "512M": a size for messages.
std::string format_size(size_t bytes);

// The memory this process may use now: MemAvailable from /proc/meminfo, capped by the cgroup's
// memory limit (v2 memory.max or v1 memory.limit_in_bytes) less what the cgroup already uses
// (which counts its page cache, so this errs low). 0 when none of these can be read.
size_t available_memory();

// The most memory this process could ever use: MemTotal, capped by the cgroup's memory limit.
// 0 when it cannot be read.
size_t total_memory();

}  // namespace mtl
