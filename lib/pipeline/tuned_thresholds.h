// Decision thresholds stored in head checkpoints (mtl-tune --store), as mtl-predict and mtl-export
// read them. Private to the pipeline layer; includes LibTorch (through checkpoint.h).
#pragma once
#include <optional>

#include "mtl/core/thresholds.h"
#include "mtl/model/checkpoint.h"

namespace mtl {

// The thresholds stored in the AU and EX checkpoints (either may be null): the AU head's
// au_thresholds (without them, its own training threshold for every AU; 0.5 without an AU head)
// and the EX head's ex_offsets. Nothing when neither checkpoint holds any.
std::optional<Thresholds> stored_thresholds(const LoadedHead* au, const LoadedHead* ex);

// True when `have` is the checkpoint `up` records (its SHA-256 matches the file, or the file as it
// was trained, before thresholds were stored into it), or when `up` records no checksum.
bool is_recorded_upstream(const UpstreamCheckpoint& up, const LoadedHead& have);

}  // namespace mtl
