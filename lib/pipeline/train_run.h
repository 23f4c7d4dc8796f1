// What the trainers of one head (train.cpp) and of the three together (joint.cpp) share in running a
// training: the per-epoch log file and the stream that drops what it is given. Private to
// mtl_pipeline; includes no LibTorch.
#pragma once
#include <fstream>
#include <ostream>
#include <string>

#include "mtl/core/atomic_file.h"

namespace mtl {

class Trainer;

// A stream that writes nothing (the epoch lines of a quiet run).
std::ostream& null_stream();

// The per-epoch log, written to LOG.part (`log`'s temporary file) while the run lasts: created
// afresh, or after a resume cut back to the epochs the state holds (a run killed between its log
// line and its state has one line more), then appended to. The lines kept come from the LOG.part
// of the stopped run, or from LOG where an older toolkit wrote its live log there.
std::ofstream open_log(const AtomicFile& log, int resumed_epoch);

// Has `trainer` keep its whole state in `path` after every epoch, tagged with `identity`; with
// `resume`, restores the state a stopped run with the same identity left there. Returns the epoch
// it goes on after (0: from the start), saying so, or why the file was not taken, on stderr.
int resume_from_state(Trainer& trainer, const std::string& path, const std::string& identity, bool resume,
                      int epochs);

}  // namespace mtl
