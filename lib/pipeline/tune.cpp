// Thresholds stored in head checkpoints (mtl-tune --store); HeadSet reads them for mtl-predict and mtl-export.
#include "mtl/pipeline/tune.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "mtl/core/checksum.h"
#include "mtl/core/error.h"
#include "mtl/model/head_set.h"

namespace mtl {

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
