// How many CPUs this process may use: the default of every --threads option.
// No LibTorch here.
#pragma once
#include <optional>
#include <string>

namespace mtl {

struct CpuBudget {
  int count = 1;
  std::string source;  // what decided: "OMP_NUM_THREADS", "SLURM_CPUS_PER_TASK", "affinity mask", "cgroup CPU quota"
};

// The CPUs this process may use. OMP_NUM_THREADS, then SLURM_CPUS_PER_TASK, when set to a positive
// count; otherwise the CPUs in the affinity mask (taskset, Slurm's and container CPU sets), capped by
// the cgroup CPU quota (cgroup v2 cpu.max or v1 cpu.cfs_quota_us), rounded up. Never less than 1.
CpuBudget available_cpus();

// The CPUs this process can run on, whatever the environment says: the affinity mask capped by
// the cgroup CPU quota. A --threads above it only slows a run down (256 threads were 20 times
// slower than 1): the programs cap --threads there, with a warning.
CpuBudget usable_cpus();

// The CPUs a cgroup v2 "cpu.max" line allows ("max 100000": no limit; "150000 100000": 2).
std::optional<int> cpus_from_cpu_max(const std::string& line);

}  // namespace mtl
