// Decision thresholds stored in head checkpoints (mtl-tune --store), as mtl-predict and mtl-export
// read them. Private to the pipeline layer; includes LibTorch (through checkpoint.h).
#pragma once
#include <optional>

#include "mtl/core/thresholds.h"
#include "mtl/model/checkpoint.h"

namespace mtl {

// The thresholds the heads decide with on their own (either may be null): the AU head's stored
// au_thresholds (without them, or when `untuned`, its training threshold for every AU; 0.5 without
// an AU head) and the EX head's stored ex_offsets (none when `untuned`).
Thresholds own_thresholds(const LoadedHead* au, const LoadedHead* ex, bool untuned);
// The checkpoints own_thresholds took them from: the AU head's, and the EX head's when it has offsets.
std::string own_thresholds_source(const LoadedHead* au, const LoadedHead* ex);

// True when `have` is the checkpoint `up` records (its SHA-256 matches the file, or the file as it
// was trained, before thresholds were stored into it), or when `up` records no checksum.
bool is_recorded_upstream(const UpstreamCheckpoint& up, const LoadedHead& have);

}  // namespace mtl
