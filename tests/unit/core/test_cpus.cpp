// Unit tests of the CPU budget (cpus.cpp): cgroup quotas, Slurm and OpenMP settings.
#include "helpers.h"

#include <sched.h>

#include <cstdlib>

#include "mtl/core/cpus.h"

using namespace mtl;
using namespace mtl_test;

BOOST_AUTO_TEST_CASE(cgroup_cpu_max_lines) {
  BOOST_TEST(!cpus_from_cpu_max("max 100000").has_value());
  BOOST_TEST(*cpus_from_cpu_max("100000 100000") == 1);
  BOOST_TEST(*cpus_from_cpu_max("150000 100000") == 2);  // 1.5 CPUs: round up
  BOOST_TEST(*cpus_from_cpu_max("20000 100000") == 1);   // a fifth of a CPU: still one thread
  BOOST_TEST(*cpus_from_cpu_max("400000 100000") == 4);
  BOOST_TEST(!cpus_from_cpu_max("").has_value());
  BOOST_TEST(!cpus_from_cpu_max("garbage").has_value());
}

BOOST_AUTO_TEST_CASE(cpu_budget_sources) {
  ::unsetenv("OMP_NUM_THREADS");
  ::unsetenv("SLURM_CPUS_PER_TASK");
  cpu_set_t saved;
  BOOST_REQUIRE(sched_getaffinity(0, sizeof saved, &saved) == 0);
  CpuBudget b = available_cpus();
  BOOST_TEST(b.count >= 1);
  BOOST_TEST(b.count <= CPU_COUNT(&saved));
  // Pinned to one CPU (as taskset -c N does), the budget is one thread from the affinity mask.
  cpu_set_t one;
  CPU_ZERO(&one);
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &saved)) {
      CPU_SET(c, &one);
      break;
    }
  BOOST_REQUIRE(sched_setaffinity(0, sizeof one, &one) == 0);
  b = available_cpus();
  BOOST_REQUIRE(sched_setaffinity(0, sizeof saved, &saved) == 0);
  BOOST_TEST(b.count == 1);
  BOOST_TEST(b.source == "affinity mask");
  // The environment wins when set: Slurm's per-task CPUs, then OpenMP's count.
  ::setenv("SLURM_CPUS_PER_TASK", "5", 1);
  b = available_cpus();
  BOOST_TEST(b.count == 5);
  BOOST_TEST(b.source == "SLURM_CPUS_PER_TASK");
  ::setenv("OMP_NUM_THREADS", "3,1", 1);
  BOOST_TEST(available_cpus().count == 3);
  BOOST_TEST(available_cpus().source == "OMP_NUM_THREADS");
  ::setenv("OMP_NUM_THREADS", "zero", 1);  // not a count: ignored
  BOOST_TEST(available_cpus().source == "SLURM_CPUS_PER_TASK");
  ::unsetenv("OMP_NUM_THREADS");
  ::unsetenv("SLURM_CPUS_PER_TASK");
}
