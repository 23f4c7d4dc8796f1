// A trained head as a TorchScript module: its parameters and buffers under their names, and its
// forward compiled from TaskHead::script_forward(). mtl-export puts one per head into its model;
// test_heads checks each head kind's script against its LibTorch forward.
// This header includes LibTorch's TorchScript API.
#pragma once
#include <torch/script.h>

#include <memory>
#include <string>

#include "mtl/model/task_head.h"

namespace mtl {

// The TorchScript module of `head` (copied to the CPU, in evaluation mode), of class `cls` in
// compilation unit `cu`. Throws what TorchScript throws for a script that does not compile.
torch::jit::Module script_head(TaskHead& head, const std::string& cls,
                               const std::shared_ptr<torch::jit::CompilationUnit>& cu);

}  // namespace mtl
