// Thread and device settings. Includes only light LibTorch headers.
#include "mtl/model/runtime.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include "mtl/core/cpus.h"
#include "mtl/core/error.h"
#include "mtl/core/log.h"

namespace mtl {

int set_threads(int n) {
  if (n < 0) throw UsageError("--threads must be 0 (the CPUs this process may use) or a positive count");
  std::string source = "--threads";
  if (n == 0) {
    const CpuBudget b = available_cpus();
    n = b.count;
    source = b.source;
  }
  at::set_num_threads(n);
  // LibTorch's thread setting does not reach OpenBLAS, which Debian's LibTorch uses for matrix
  // products; set it through the library if it is loaded.
  using SetFn = void (*)(int);
  if (auto fn = reinterpret_cast<SetFn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) fn(n);
  logging::debug(std::to_string(n) + (n == 1 ? " thread" : " threads") + " (from " + source + ")");
  return n;
}

void set_deterministic() {
  // cuBLAS reads it when it starts: reproducible GEMMs need a fixed workspace (CUDA 10.2 and later).
  ::setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8", /*overwrite=*/0);
  // warn_only: an operation that has no deterministic version warns instead of stopping the run.
  at::globalContext().setDeterministicAlgorithms(true, /*warn_only=*/true);
  at::globalContext().setDeterministicCuDNN(true);
  at::globalContext().setBenchmarkCuDNN(false);
  logging::debug("deterministic algorithms on (cuDNN deterministic, no benchmarking; CUBLAS_WORKSPACE_CONFIG=" +
                 std::string(std::getenv("CUBLAS_WORKSPACE_CONFIG")) + ")");
}

bool cuda_available() { return torch::cuda::is_available(); }

std::string resolve_device(const std::string& device) {
  if (device == "cpu") return "cpu";
  if (device == "auto") return cuda_available() ? "cuda" : "cpu";
  if (device == "cuda") {
    if (!cuda_available()) throw UsageError("--device cuda: LibTorch sees no CUDA device on this machine");
    return "cuda";
  }
  throw UsageError("--device must be auto, cpu or cuda, not '" + device + "'");
}

}  // namespace mtl
