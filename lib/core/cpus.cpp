// The CPU budget of this process: environment, affinity mask, cgroup quota.
#include "mtl/core/cpus.h"

#include "cgroup.h"

#include <sched.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace mtl {
namespace {

// A positive count from an environment variable (OMP_NUM_THREADS may be a list: "4,2" -> 4).
std::optional<int> env_count(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  char* end = nullptr;
  long n = std::strtol(v, &end, 10);
  if (end == v || n <= 0 || n > 1 << 16 || (*end != '\0' && *end != ',')) return std::nullopt;
  return static_cast<int>(n);
}

std::optional<int> affinity_count() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return std::nullopt;
  int n = CPU_COUNT(&set);
  return n > 0 ? std::optional<int>(n) : std::nullopt;
}

std::string read_line(const std::string& path) {
  std::ifstream f(path);
  std::string line;
  std::getline(f, line);
  return line;
}

// The tightest CPU quota of this process's cgroup and its parents.
std::optional<int> cgroup_quota() {
  std::optional<int> best;
  auto take = [&](std::optional<int> n) {
    if (n && (!best || *n < *best)) best = n;
  };
  for (const auto& folder : detail::cgroup_v2_folders()) take(cpus_from_cpu_max(read_line(folder + "/cpu.max")));
  // cgroup v1
  long quota = std::atol(read_line("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").c_str());
  long period = std::atol(read_line("/sys/fs/cgroup/cpu/cpu.cfs_period_us").c_str());
  if (quota > 0 && period > 0) take(static_cast<int>(std::ceil(static_cast<double>(quota) / period)));
  return best;
}

}  // namespace

std::optional<int> cpus_from_cpu_max(const std::string& line) {
  std::istringstream in(line);
  std::string quota;
  long period = 0;
  if (!(in >> quota >> period) || quota == "max" || period <= 0) return std::nullopt;
  char* end = nullptr;
  long q = std::strtol(quota.c_str(), &end, 10);
  if (*end != '\0' || q <= 0) return std::nullopt;
  return std::max(1, static_cast<int>(std::ceil(static_cast<double>(q) / period)));
}

CpuBudget available_cpus() {
  if (auto n = env_count("OMP_NUM_THREADS")) return {*n, "OMP_NUM_THREADS"};
  if (auto n = env_count("SLURM_CPUS_PER_TASK")) return {*n, "SLURM_CPUS_PER_TASK"};
  return usable_cpus();
}

CpuBudget usable_cpus() {
  CpuBudget b{affinity_count().value_or(1), "affinity mask"};
  if (auto q = cgroup_quota(); q && *q < b.count) b = {*q, "cgroup CPU quota"};
  return b;
}

}  // namespace mtl
