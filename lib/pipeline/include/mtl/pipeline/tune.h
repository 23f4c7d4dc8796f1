// Storing tuned decision thresholds into head checkpoints (mtl-tune --store). The header is free
// of LibTorch; the tuning itself is in mtl/core/tuning.h.
#pragma once
#include <string>
#include <vector>

#include "mtl/core/thresholds.h"

namespace mtl {

// Writes `t` into each checkpoint: the AU thresholds into AU checkpoints, the EX offsets into EX
// checkpoints; the weights (and their SHA-256) stay as they are, and each file is rewritten
// atomically. Every checkpoint is checked before any is written. Returns one line per checkpoint
// saying what it now holds. What `t` leaves untuned (null AUs, no offsets) keeps the checkpoint's
// own; a checkpoint that `t` changes nothing in is left as it was. Throws InputError naming the file
// for a checkpoint that cannot be read or a VA checkpoint (`source` names the thresholds file);
// OutputError when one cannot be written.
std::vector<std::string> store_thresholds(const Thresholds& t, const std::string& source,
                                          const std::vector<std::string>& checkpoints);

}  // namespace mtl
