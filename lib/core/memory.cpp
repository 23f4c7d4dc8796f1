// Memory sizes and the memory available to this process.
#include "mtl/core/memory.h"

#include <cctype>
#include <cstdio>
#include <fstream>
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

std::string cgroup_v2_path() {
  std::ifstream f("/proc/self/cgroup");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("0::", 0) == 0) return line.substr(3) == "/" ? "" : line.substr(3);
  return "";
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
  return static_cast<size_t>(std::stoull(s)) * mult;
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

size_t available_memory() {
  size_t avail = 0;
  std::ifstream f("/proc/meminfo");
  for (std::string key; f >> key;) {
    size_t kb = 0;
    std::string unit;
    f >> kb >> unit;
    if (key == "MemAvailable:") avail = kb * 1024;
  }
  const std::string cg = "/sys/fs/cgroup" + cgroup_v2_path();
  auto limit = read_number(cg + "/memory.max");
  auto used = read_number(cg + "/memory.current");
  if (!limit) {
    limit = read_number("/sys/fs/cgroup/memory/memory.limit_in_bytes");
    used = read_number("/sys/fs/cgroup/memory/memory.usage_in_bytes");
    if (limit && *limit > (size_t(1) << 60)) limit.reset();  // v1's "no limit"
  }
  if (limit) {
    const size_t room = *limit > used.value_or(0) ? *limit - used.value_or(0) : 0;
    if (avail == 0 || room < avail) avail = room;
  }
  return avail;
}

}  // namespace mtl
