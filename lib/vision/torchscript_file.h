// What the TorchScript runners of the vision layer (the backbone, the face detector) share:
// telling messages about files LibTorch cannot load or run (private to mtl_vision).
#pragma once
#include <torch/script.h>

#include <exception>
#include <string>

namespace mtl {

// The telling line of a LibTorch error: its first line, or for an error raised inside TorchScript
// (a torch::jit::JITException, which is not a c10::Error, or an interpreter traceback) the last
// line naming the error ("RuntimeError: ...").
std::string first_line(const std::exception& e);

// Why a file that LibTorch could not load is no TorchScript file ("" when it looks like one).
std::string not_torchscript(const std::string& path);

// Loads the TorchScript file at `path` onto `device`, with the text of its extra file `record_name`
// in `record` ("" when the archive has none). Throws InputError "path: <why it is no TorchScript>
// <hint>" (a pickled model, random bytes, a zip without code), else "path: cannot load
// TorchScript <what>: <LibTorch's reason>".
torch::jit::Module load_torchscript(const std::string& path, const torch::Device& device, const std::string& record_name,
                                    std::string& record, const std::string& what, const std::string& hint);

}  // namespace mtl
