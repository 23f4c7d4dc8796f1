// The command-line contract shared by every mtl-* program: common options, --help/--version,
// error messages and exit codes, stop signals, logging and the progress bar.
#pragma once
#include <cstdint>
#include <cxxopts.hpp>
#include <functional>
#include <string>

namespace mtl {
namespace cli {

// Which of the common options a program takes (--help, --version, --quiet, --verbose always).
enum CommonFlags : unsigned { kThreads = 1, kDevice = 2, kSeed = 4 };

// The values of the common options.
struct Common {
  int threads = 0;               // 0: all cores
  std::string device = "auto";  // auto | cpu | cuda
  uint64_t seed = 1;
  int verbosity = 1;  // 0 quiet, 1 normal, 2 verbose
};

// Thrown to end a program early with a given exit code and nothing more to say (after --help).
struct Exit {
  int code;
};

// An option parser with the shared options and help layout.
class Parser {
 public:
  // `positional` names the operands in the usage line (e.g. "[ANNOTATIONS|LIST|-]").
  Parser(std::string program, std::string positional, std::string description, unsigned common);
  // Adds program options under `group` (shown in --help in the order added).
  cxxopts::OptionAdder add(const std::string& group = "");
  // Declares the name that collects the positional operands (a std::vector<std::string> option).
  void positional(const std::string& name);
  // Parses argv. --help prints to stdout and throws Exit{0}; --version likewise.
  // Throws UsageError for an unknown option, a missing value or a bad value.
  cxxopts::ParseResult parse(int argc, char** argv);
  // The common options from the last parse; throws UsageError for a bad --device or --threads.
  const Common& common() const { return common_; }

 private:
  std::string program_;
  cxxopts::Options opts_;
  unsigned flags_;
  Common common_;
};

// Runs a program body: sets the program name for messages, turns exceptions into
// "program: message" on stderr and the shared exit codes, and checks that stdout was written.
int run(const char* program, const std::function<int()>& body);

// The name of the running program (for messages from the library).
const std::string& program_name();

// SIGINT/SIGTERM handlers that only record the signal; stop_signal() returns it (0 if none).
void install_stop_signals();
int stop_signal();

// Logging to stderr: info() unless --quiet, debug() only with --verbose.
void set_verbosity(int v);
int verbosity();
void info(const std::string& msg);
void debug(const std::string& msg);
void warn(const std::string& msg);

// "--version" text: the toolkit's version and the LibTorch, OpenCV, HDF5 and CUDA it was built with.
std::string version_text(const std::string& program);

// A progress bar on stderr, drawn only when stderr is a terminal and not --quiet.
class Progress {
 public:
  Progress(std::string label, size_t total);
  ~Progress();
  void update(size_t done);
  void finish();

 private:
  std::string label_;
  size_t total_;
  bool enabled_;
  bool finished_ = false;
  double start_;
};

}  // namespace cli
}  // namespace mtl
