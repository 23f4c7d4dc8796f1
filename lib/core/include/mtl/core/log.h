// Messages on stderr and the progress bar, shared by the library and the programs.
// Every message reads "<program>: <text>"; data never goes here.
#pragma once
#include <cstddef>
#include <string>

namespace mtl {
namespace logging {

// The program name that prefixes every message (set once by the program's main).
void set_program(const std::string& name);
const std::string& program();

// 0 quiet (errors and warnings only), 1 normal, 2 verbose.
void set_verbosity(int v);
int verbosity();

// Messages first erase a progress line drawn on the terminal (the next update draws it again).
void info(const std::string& msg);   // unless --quiet
void debug(const std::string& msg);  // only with --verbose
void warn(const std::string& msg);   // always, as "program: warning: msg"

// Seconds between progress lines when stderr is not a terminal: the environment variable
// MTL_PROGRESS_INTERVAL (a number of seconds, 0: a line at every update), else 30. A terminal's
// line is redrawn every 0.1 s, or at every update when this is 0.
double progress_interval();

// "1:02:03" or "2:03": a duration in seconds, rounded to the second ("?" when not finite).
std::string format_duration(double seconds);

// Progress of a loop over `total` items on stderr (nothing with --quiet). On a terminal, one
// line redrawn in place (at most 10 times a second): the count, the rate and an ETA. Otherwise
// (a batch log), the same as a plain line every progress_interval() seconds, not per update.
class Progress {
 public:
  // `already`: items done before this run (a resumed job), left out of the rate.
  Progress(std::string label, size_t total, std::string unit = "images", size_t already = 0);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  void update(size_t done);
  void finish();

 private:
  std::string line(size_t done, double elapsed) const;
  std::string label_, unit_;
  size_t total_, already_;
  bool tty_, enabled_;
  bool finished_ = false;
  double start_, last_ = 0;
};

// Progress of training on stderr (nothing with --quiet). On a terminal, a line redrawn during each
// epoch: "epoch E/N", the batches done, the epoch's running loss and an ETA of the whole run. At
// the end of each epoch, with `epoch_lines`, a line saying how it went and the ETA (without, the
// caller's per-epoch JSON log line on stderr says it).
class EpochProgress {
 public:
  // Epochs up to `last` are to run; `batches` per epoch is an estimate until one epoch has run.
  EpochProgress(int last, size_t batches, bool epoch_lines);
  ~EpochProgress();
  EpochProgress(const EpochProgress&) = delete;
  EpochProgress& operator=(const EpochProgress&) = delete;
  // Whether a batch update would be drawn now (so that the caller reads its loss only then).
  bool due() const;
  // `done` batches of epoch `epoch` have run, with mean loss `loss` so far.
  void batch(int epoch, size_t done, double loss);
  // Epoch `epoch` ended after `batches` batches; `summary` says how (e.g. "train loss 0.31").
  void end_epoch(int epoch, size_t batches, const std::string& summary);

 private:
  double eta(int epoch, size_t done) const;
  int last_;
  size_t batches_;
  bool tty_, enabled_, epoch_lines_;
  double start_, last_draw_ = 0;
  size_t batches_run_ = 0;  // in the epochs finished by this run
};

}  // namespace logging
}  // namespace mtl
