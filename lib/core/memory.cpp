// Memory sizes and the memory available to this process.
#include "mtl/core/memory.h"

#include "cgroup.h"

#include <cctype>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

namespace mtl {
namespace {

std::optional<size_t> read_number(const std::string& path) {
  std::ifstream f(path);
  std::string s;
  if (!(f >> s) || s == "max") return std::nullopt;
  try {
    return static_cast<size_t>(std::stoull(s));
  } catch (...) {
    return std::nullopt;
  }
}

// A line "KEY:   123456 kB" of /proc/meminfo, in bytes; 0 when it cannot be read.
size_t meminfo(const std::string& key) {
  std::ifstream f("/proc/meminfo");
  for (std::string line; std::getline(f, line);) {
    std::istringstream in(line);
    std::string k;
    size_t kb = 0;
    if (in >> k >> kb && k == key + ":") return kb * 1024;
  }
  return 0;
}

// The v1 cgroup memory limit, when there is one (larger values are v1's "no limit").
std::optional<size_t> v1_limit() {
  auto v1 = read_number("/sys/fs/cgroup/memory/memory.limit_in_bytes");
  if (v1 && *v1 < (size_t(1) << 60)) return v1;
  return std::nullopt;
}

}  // namespace

std::optional<size_t> parse_size(const std::string& text) {
  std::string s = text;
  for (const char* tail : {"iB", "B"})
    if (s.size() > std::string(tail).size() && s.compare(s.size() - std::string(tail).size(), std::string::npos, tail) == 0) {
      s.resize(s.size() - std::string(tail).size());
      break;
    }
  if (s.empty()) return std::nullopt;
  size_t mult = 1;
  switch (std::toupper(static_cast<unsigned char>(s.back()))) {
    case 'K': mult = size_t(1) << 10; break;
    case 'M': mult = size_t(1) << 20; break;
    case 'G': mult = size_t(1) << 30; break;
    case 'T': mult = size_t(1) << 40; break;
    default: break;
  }
  if (mult > 1) s.pop_back();
  if (s.empty() || s.size() > 15) return std::nullopt;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  const unsigned long long v = std::stoull(s);
  if (v > std::numeric_limits<size_t>::max() / mult) return std::nullopt;  // would wrap
  return static_cast<size_t>(v) * mult;
}

std::string format_size(size_t bytes) {
  const char* units[] = {"B", "K", "M", "G", "T"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f%s" : "%.1f%s", v, units[u]);
  return buf;
}

size_t total_memory() {
  size_t total = meminfo("MemTotal");
  auto cap = [&](std::optional<size_t> limit) {
    if (limit && (total == 0 || *limit < total)) total = *limit;
  };
  for (const auto& folder : detail::cgroup_v2_folders()) cap(read_number(folder + "/memory.max"));
  cap(v1_limit());
  return total;
}

size_t available_memory() {
  size_t avail = meminfo("MemAvailable");
  // The tightest room left under a cgroup limit: this process's cgroup and its parents (v2), or v1.
  std::optional<size_t> room;
  auto take = [&](std::optional<size_t> limit, std::optional<size_t> used) {
    if (!limit) return;
    const size_t r = *limit > used.value_or(0) ? *limit - used.value_or(0) : 0;
    if (!room || r < *room) room = r;
  };
  for (const auto& folder : detail::cgroup_v2_folders())
    take(read_number(folder + "/memory.max"), read_number(folder + "/memory.current"));
  if (auto v1 = v1_limit()) take(v1, read_number("/sys/fs/cgroup/memory/memory.usage_in_bytes"));
  if (room && (avail == 0 || *room < avail)) avail = *room;
  return avail;
}

}  // namespace mtl
