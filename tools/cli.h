// The command-line contract shared by every mtl-* program: the common options, --help and
// --version, usage errors, and exit codes. Tools layer only: the library never sees cxxopts.
// The parts without cxxopts have their own files: reading argv for messages (cli_argv.h) and
// the help text (cli_help.h).
#pragma once
#include <cstdint>
#include <cxxopts.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli_argv.h"  // ValueKind, option_spelling
#include "cli_help.h"  // wrap_help, default_text

namespace mtl {
namespace cli {

// Which of the common options a program takes (--help, --version, --quiet, --verbose always).
enum CommonFlags : unsigned { kThreads = 1, kDevice = 2, kSeed = 4 };

// The values of the common options.
struct Common {
  int threads = 0;               // 0: the CPUs this process may use (available_cpus)
  std::string device = "auto";  // auto | cpu | cuda
  bool deterministic = false;    // --deterministic: the program calls set_deterministic before CUDA work
  uint64_t seed = 1;
  int verbosity = 1;  // 0 quiet, 1 normal, 2 verbose
};

// Thrown to end a program early with a given exit code and nothing more to say (after --help).
struct Exit {
  int code;
};

// Adds options to one group of a Parser, like cxxopts::OptionAdder (same call syntax), and records
// each option's names and value kind so that a value that fails to parse can be blamed on its option.
class Adder {
 public:
  Adder(cxxopts::OptionAdder adder, OptionKinds& kinds) : adder_(adder), kinds_(&kinds) {}
  Adder& operator()(const std::string& opts, const std::string& desc,
                    const std::shared_ptr<const cxxopts::Value>& value = cxxopts::value<bool>(),
                    std::string arg_help = "");

 private:
  cxxopts::OptionAdder adder_;
  OptionKinds* kinds_;
};

// An option parser with the shared options and help layout.
class Parser {
 public:
  // `positional` names the operands in the usage line (e.g. "[ANNOTATIONS|LIST|-]").
  Parser(std::string program, std::string positional, std::string description, unsigned common);
  // Adds program options under `group` (shown in --help in the order added).
  Adder add(const std::string& group = "");
  // Declares the name that collects the positional operands (a std::vector<std::string> option).
  void positional(const std::string& name);
  // Parses argv. --help prints to stdout (lines of at most 100 columns) and throws Exit{0};
  // --version likewise. Throws UsageError for an unknown option, a missing value, a bad value
  // (naming the option: "--epochs: 'abc' is not an integer") or a stray operand (when no
  // positional name was declared).
  cxxopts::ParseResult parse(int argc, char** argv);
  // The common options from the last parse.
  const Common& common() const { return common_; }

 private:
  void read_common(const cxxopts::ParseResult& r);
  std::string bad_value_message(int argc, char** argv, const std::string& cxxopts_message) const;
  std::string program_;
  cxxopts::Options opts_;
  unsigned flags_;
  bool positional_ = false;
  std::vector<std::string> groups_;  // program groups in the order added, for --help
  Common common_;
  OptionKinds kinds_;
};

// Runs a program body: sets the program name for messages, turns exceptions into
// "program: message" on stderr and the shared exit codes, and checks that stdout was written.
int run(const char* program, const std::function<int()>& body);

// "--version" text: the toolkit's version and the LibTorch, OpenCV, HDF5 and CUDA it was built
// with, as recorded at build time (no library is asked).
std::string version_text(const std::string& program);

}  // namespace cli
}  // namespace mtl
