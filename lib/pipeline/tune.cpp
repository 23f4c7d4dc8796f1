// Thresholds in head checkpoints: stored by mtl-tune --store, read by mtl-predict and mtl-export.
#include "mtl/pipeline/tune.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "mtl/core/checksum.h"
#include "mtl/core/error.h"
#include "tuned_thresholds.h"

namespace mtl {

std::optional<Thresholds> stored_thresholds(const LoadedHead* au, const LoadedHead* ex) {
  const bool au_tuned = au && au->meta.au_thresholds, ex_tuned = ex && ex->meta.ex_offsets;
  if (!au_tuned && !ex_tuned) return std::nullopt;
  Thresholds t = Thresholds::uniform(au ? static_cast<float>(au->meta.head.au.threshold) : 0.5f);
  if (au_tuned) t.au = *au->meta.au_thresholds;
  if (ex_tuned) t.ex_offsets = ex->meta.ex_offsets;
  return t;
}

bool is_recorded_upstream(const UpstreamCheckpoint& up, const LoadedHead& have) {
  return up.sha256.empty() || up.sha256 == have.meta.trained_sha256 || up.sha256 == sha256_file(have.path);
}

std::vector<std::string> store_thresholds(const Thresholds& t, const std::string& source,
                                          const std::vector<std::string>& checkpoints) {
  std::vector<LoadedHead> heads;
  for (const auto& path : checkpoints) {
    heads.push_back(load_checkpoint(path));
    const Task task = heads.back().meta.task;
    if (task == Task::VA)
      throw InputError(path + ": a checkpoint of the va head, which takes no thresholds (give AU and EX checkpoints)");
    // save_checkpoint renames a new file into place, which a read-only file would not stop.
    const std::filesystem::path folder = std::filesystem::absolute(path).parent_path();
    if (::access(path.c_str(), W_OK) != 0 || ::access(folder.c_str(), W_OK | X_OK) != 0)
      throw OutputError(path + ": cannot store thresholds in it: " + std::strerror(errno));
  }
  // All or nothing: every new checkpoint is written to its temporary file first (where a full
  // disk stops the lot), and only then are they renamed into place.
  std::vector<std::unique_ptr<AtomicFile>> staged;
  std::vector<std::string> done;
  for (auto& h : heads) {
    CheckpointMeta meta = h.meta;
    if (meta.trained_sha256.empty()) meta.trained_sha256 = sha256_file(h.path);
    if (meta.task == Task::AU) meta.au_thresholds = t.au;
    if (meta.task == Task::EX) meta.ex_offsets = t.ex_offsets;  // none in the file: none stored
    staged.push_back(stage_checkpoint(h.path, *h.head, meta));
    done.push_back(h.path + ": " +
                   (meta.task == Task::AU ? "stored the AU thresholds"
                    : t.ex_offsets        ? "stored the expression offsets"
                                          : "no expression offsets stored (the file has none)") +
                   " of " + source);
  }
  for (auto& f : staged) f->commit();
  return done;
}

}  // namespace mtl
