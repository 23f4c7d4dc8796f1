// The heads a program runs together (mtl-predict, mtl-export): loaded from their checkpoints,
// ordered so that each comes after the heads it reads, and checked together by one policy; the
// decision thresholds they carry, and the warnings about the inputs they are given.
// This header includes LibTorch (through checkpoint.h).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "mtl/core/task.h"
#include "mtl/core/thresholds.h"
#include "mtl/model/checkpoint.h"

namespace mtl {

class HeadSet {
 public:
  // Loads the checkpoint of each task given (empty paths are skipped; at least one must be given).
  // A head that reads another head's output needs that head, and the one it was trained with:
  // UsageError when it is missing ("give the au checkpoint it was trained with (--au)"),
  // InputError naming both files and checksums when another one is given. InputError for a
  // checkpoint that cannot be loaded (load_checkpoint).
  explicit HeadSet(const std::map<Task, std::string>& checkpoints);

  std::vector<LoadedHead>& heads() { return heads_; }
  const std::vector<LoadedHead>& heads() const { return heads_; }
  const LoadedHead* find(Task t) const;

  // The thresholds the heads decide with on their own: the AU head's stored au_thresholds (without
  // them, or when `untuned`, its training threshold for every AU; 0.5 without an AU head) and the
  // EX head's stored ex_offsets (none when `untuned`).
  Thresholds own_thresholds(bool untuned) const;
  // The checkpoints own_thresholds(false) takes them from: the AU head's, and the EX head's when it
  // has offsets ("" when neither).
  std::string own_thresholds_source() const;

  // Warns (once) when `source`'s features come from another backbone (by SHA-256) than the
  // features a head was trained on: their predictions mean nothing unless the backbones differ in
  // their bytes only.
  void warn_other_backbone(const std::string& sha256, const std::string& source) const;
  // Warns (once) when images are resized with `method` but a head was trained on features of
  // images resized otherwise.
  void warn_other_resize(const std::string& method) const;

 private:
  std::vector<LoadedHead> heads_;
};

// own_thresholds of an AU and an EX head (either may be null), for heads outside a HeadSet.
Thresholds own_thresholds(const LoadedHead* au, const LoadedHead* ex, bool untuned);

// True when `have` is the checkpoint `up` records (its SHA-256 matches the file, or the file as it
// was trained, before thresholds were stored into it), or when `up` records no checksum.
bool is_recorded_upstream(const UpstreamCheckpoint& up, const LoadedHead& have);

}  // namespace mtl
