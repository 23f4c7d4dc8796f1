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

void info(const std::string& msg);   // unless --quiet
void debug(const std::string& msg);  // only with --verbose
void warn(const std::string& msg);   // always, as "program: warning: msg"

// A progress bar on stderr, drawn only when stderr is a terminal and not --quiet.
class Progress {
 public:
  Progress(std::string label, size_t total);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  void update(size_t done);
  void finish();

 private:
  std::string label_;
  size_t total_;
  bool enabled_;
  bool finished_ = false;
  double start_;
};

}  // namespace logging
}  // namespace mtl
