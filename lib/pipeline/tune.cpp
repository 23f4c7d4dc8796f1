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

Thresholds own_thresholds(const LoadedHead* au, const LoadedHead* ex, bool untuned) {
  Thresholds t = Thresholds::uniform(au ? static_cast<float>(au->meta.head.au.threshold) : 0.5f);
  if (untuned) return t;
  if (au && au->meta.au_thresholds) t.au = *au->meta.au_thresholds;
  if (ex) t.ex_offsets = ex->meta.ex_offsets;
  return t;
}

std::string own_thresholds_source(const LoadedHead* au, const LoadedHead* ex) {
  const std::string au_src = au ? au->path : "";
  const std::string ex_src = ex && ex->meta.ex_offsets ? ex->path : "";
  return au_src + (!au_src.empty() && !ex_src.empty() ? " " : "") + ex_src;
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
    // What the file leaves untuned (a null AU, no offsets) keeps the head's own.
    const bool au = meta.task == Task::AU;
    if ((au && !t.any_au_set()) || (!au && !t.ex_offsets)) {
      done.push_back(h.path + ": left as it was (" + source + (au ? " tunes no AU)" : " has no expression offsets)"));
      continue;
    }
    if (au) meta.au_thresholds = t.over(own_thresholds(&h, nullptr, false)).au;
    else meta.ex_offsets = t.ex_offsets;
    staged.push_back(stage_checkpoint(h.path, *h.head, meta));
    int n = 0;
    for (bool b : t.au_set) n += b;
    done.push_back(h.path + ": stored " +
                   (au ? (n == kNumAU ? std::string("the AU thresholds")
                                      : std::to_string(n) + " AU thresholds (the others as they were)")
                       : std::string("the expression offsets")) +
                   " of " + source);
  }
  for (auto& f : staged) f->commit();
  return done;
}

}  // namespace mtl
