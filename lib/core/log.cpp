// Messages on stderr and the progress bar.
#include "mtl/core/log.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>

namespace mtl {
namespace logging {
namespace {

std::string g_program = "mtl";
int g_verbosity = 1;

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

void set_program(const std::string& name) { g_program = name; }
const std::string& program() { return g_program; }

void set_verbosity(int v) { g_verbosity = v; }
int verbosity() { return g_verbosity; }

void info(const std::string& msg) {
  if (g_verbosity >= 1) std::cerr << g_program << ": " << msg << "\n";
}
void debug(const std::string& msg) {
  if (g_verbosity >= 2) std::cerr << g_program << ": " << msg << "\n";
}
void warn(const std::string& msg) { std::cerr << g_program << ": warning: " << msg << "\n"; }

Progress::Progress(std::string label, size_t total)
    : label_(std::move(label)), total_(total), enabled_(isatty(2) && g_verbosity >= 1), start_(now_seconds()) {}

Progress::~Progress() {
  if (enabled_ && !finished_) std::cerr << "\n";
}

void Progress::update(size_t done) {
  if (!enabled_) return;
  double el = now_seconds() - start_;
  double frac = total_ ? static_cast<double>(done) / total_ : 1.0;
  int width = 30, fill = static_cast<int>(frac * width);
  std::string bar(fill, '#');
  bar.resize(width, '.');
  char buf[160];
  std::snprintf(buf, sizeof buf, "\r%s [%s] %zu/%zu %.0f%% %.1f/s", label_.c_str(), bar.c_str(), done, total_,
                100 * frac, el > 0 ? done / el : 0.0);
  std::cerr << buf << std::flush;
}

void Progress::finish() {
  if (enabled_ && !finished_) std::cerr << "\n";
  finished_ = true;
}

}  // namespace logging
}  // namespace mtl
