// What the trainers of one head (train.cpp) and of the three together (joint.cpp) share in running a
// training: the per-epoch log file and the stream that drops what it is given. Private to
// mtl_pipeline; includes no LibTorch.
#pragma once
#include <fstream>
#include <ostream>

#include "mtl/core/atomic_file.h"

namespace mtl {

// A stream that writes nothing (the epoch lines of a quiet run).
std::ostream& null_stream();

// The per-epoch log, written to LOG.part (`log`'s temporary file) while the run lasts: created
// afresh, or after a resume cut back to the epochs the state holds (a run killed between its log
// line and its state has one line more), then appended to. The lines kept come from the LOG.part
// of the stopped run, or from LOG where an older toolkit wrote its live log there.
std::ofstream open_log(const AtomicFile& log, int resumed_epoch);

}  // namespace mtl
