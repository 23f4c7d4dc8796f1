// Head checkpoints: a LibTorch archive (opens in Python with torch.jit.load) holding one head's
// parameters and buffers under stable names, plus a JSON string attribute "metadata"
// (CheckpointMeta: the task, input size, every hyperparameter, thresholds, class names and the
// training data's identity). This header includes LibTorch.
#pragma once
#include <memory>
#include <string>

#include "mtl/core/atomic_file.h"
#include "mtl/model/checkpoint_meta.h"
#include "mtl/model/task_head.h"

namespace mtl {

// A head loaded from a checkpoint, in evaluation mode.
struct LoadedHead {
  std::string path;
  CheckpointMeta meta;
  std::unique_ptr<TaskHead> head;
};

// SHA-256 of a module's parameters and buffers (names, shapes and bytes, in registration order),
// recorded in the checkpoint metadata as weights_sha256 and checked when the checkpoint is loaded.
std::string weights_sha256(torch::nn::Module& m);

// True when no floating-point parameter or buffer holds a NaN or an infinity.
bool weights_finite(torch::nn::Module& m);

// Writes the head's parameters and `meta` (with weights_sha256 filled in) to `path` atomically
// (a temporary file, flushed, then renamed). The bytes depend only on the head and the metadata.
// Throws Error (exit 1) for weights that are not finite, OutputError when it cannot write.
void save_checkpoint(const std::string& path, TaskHead& head, const CheckpointMeta& meta);

// The first half of save_checkpoint: the checkpoint written to a temporary file beside `path` (its
// target, for a symbolic link), flushed on commit() and renamed into place; removed if never
// committed. For writing several checkpoints all or nothing: stage every one, then commit them.
std::unique_ptr<AtomicFile> stage_checkpoint(const std::string& path, TaskHead& head, const CheckpointMeta& meta);

// Writes a LibTorch archive to `path` atomically, through a writer function, so that its bytes do
// not depend on the file name. Throws OutputError naming the file (a full disk included).
void write_archive(torch::serialize::OutputArchive& archive, const std::string& path);

// Loads a checkpoint; with `expect` set, a checkpoint of another task is refused. Throws InputError
// naming the file when it cannot be read, is not a checkpoint of this toolkit, has an unknown
// version or bad metadata, or its tensors do not fit the head its metadata describes, fail their
// checksum or hold NaN or infinity.
LoadedHead load_checkpoint(const std::string& path, std::optional<Task> expect = std::nullopt);

}  // namespace mtl
