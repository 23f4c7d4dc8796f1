// Process-wide compute settings of LibTorch: thread counts (LibTorch and OpenBLAS) and the device.
// The header is free of LibTorch.
#pragma once
#include <string>

namespace mtl {

// Sets LibTorch's intra-op threads and OpenBLAS's threads to n (0: the CPUs this process may use,
// see available_cpus; --verbose says what decided). Returns the count used.
// Throws UsageError for a negative n.
int set_threads(int n);

// Resolves "auto", "cpu" or "cuda" to "cpu" or "cuda". Throws UsageError for another value, or
// for "cuda" when LibTorch sees no CUDA device.
std::string resolve_device(const std::string& device);

// --deterministic: LibTorch's deterministic algorithms (an operation without one warns, naming
// itself), cuDNN's deterministic convolutions without benchmarking, and cuBLAS's fixed workspace
// (CUBLAS_WORKSPACE_CONFIG=:4096:8 unless set). Call before any CUDA work. On the CPU the results
// of the same command are bit-identical already; this matters on a GPU.
void set_deterministic();

// Whether LibTorch sees a CUDA device.
bool cuda_available();

}  // namespace mtl
