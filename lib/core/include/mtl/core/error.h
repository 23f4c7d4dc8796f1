// Typed errors of libmtl and the exit codes that every mtl-* program shares.
// Library code throws these; only a program's main turns them into an exit code.
#pragma once
#include <stdexcept>
#include <string>

namespace mtl {

// Exit codes, documented in every man page (EXIT STATUS).
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,   // anything else: an internal error, a failed computation
  kExitUsage = 2,     // bad command line
  kExitInput = 3,     // an input file is missing, unreadable or malformed
  kExitOutput = 4,    // an output could not be written (full disk, closed pipe, ...)
  // 128 + signal number when stopped by SIGINT (130) or SIGTERM (143)
};

// Base of all libmtl errors; carries the exit code a program should use.
class Error : public std::runtime_error {
 public:
  Error(const std::string& what, int code) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

// A command-line problem: unknown option, bad value, missing argument.
struct UsageError : Error {
  explicit UsageError(const std::string& what) : Error(what, kExitUsage) {}
};

// A problem with an input: a missing file, a malformed row ("file:line: ..."), an undecodable image.
struct InputError : Error {
  explicit InputError(const std::string& what) : Error(what, kExitInput) {}
};

// A problem writing an output.
struct OutputError : Error {
  explicit OutputError(const std::string& what) : Error(what, kExitOutput) {}
};

// A computation gave NaN or infinity: training diverged, or a head's output is not finite.
struct NotFinite : Error {
  explicit NotFinite(const std::string& what) : Error(what, kExitFailure) {}
};

// The run was stopped by a signal after saving what it had; exit with 128 + signal.
struct Interrupted : Error {
  explicit Interrupted(int signo)
      : Error("stopped by signal " + std::to_string(signo), 128 + signo) {}
};

}  // namespace mtl
