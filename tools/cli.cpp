// The shared command-line contract.
#include "cli.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <iostream>

#include "build_versions.h"
#include "mtl/core/error.h"
#include "mtl/core/log.h"
#include "mtl/core/version.h"

namespace mtl {
namespace cli {

Parser::Parser(std::string program, std::string positional, std::string description, unsigned common)
    : program_(program), opts_(program, description), flags_(common) {
  opts_.positional_help(positional);
  opts_.set_width(100);
  auto a = opts_.add_options("Common");
  a("h,help", "print this help and exit");
  a("version", "print the versions of the toolkit and its libraries and exit");
  a("q,quiet", "print only warnings and errors on stderr");
  a("v,verbose", "print more on stderr");
  if (flags_ & kThreads) a("threads", "CPU threads for LibTorch, OpenBLAS and decoding (0: the CPUs this process may use: OMP_NUM_THREADS, SLURM_CPUS_PER_TASK, else the affinity mask capped by the cgroup CPU quota)", cxxopts::value<int>()->default_value("0"));
  if (flags_ & kDevice) a("device", "auto, cpu or cuda", cxxopts::value<std::string>()->default_value("auto"));
  if (flags_ & kSeed) a("seed", "random seed", cxxopts::value<uint64_t>()->default_value("1"));
}

cxxopts::OptionAdder Parser::add(const std::string& group) {
  if (std::find(groups_.begin(), groups_.end(), group) == groups_.end()) groups_.push_back(group);
  return opts_.add_options(group);
}

void Parser::positional(const std::string& name) {
  opts_.parse_positional({name});
  positional_ = true;
}

cxxopts::ParseResult Parser::parse(int argc, char** argv) {
  cxxopts::ParseResult r;
  try {
    r = opts_.parse(argc, argv);
  } catch (const cxxopts::exceptions::exception& e) {
    throw UsageError(e.what());
  }
  if (r.count("help")) {
    std::vector<std::string> groups = groups_;
    groups.push_back("Common");
    std::cout << opts_.help(groups) << "\nExit status: 0 success, 1 failure, 2 usage error, 3 bad input, "
              << "4 output not written,\n128+N stopped by signal N. See man " << program_ << ".\n";
    throw Exit{0};
  }
  if (r.count("version")) {
    std::cout << version_text(program_);
    throw Exit{0};
  }
  try {
    if (r.count("quiet")) common_.verbosity = 0;
    if (r.count("verbose")) common_.verbosity = 2;
    if (flags_ & kThreads) {
      common_.threads = r["threads"].as<int>();
      if (common_.threads < 0) throw UsageError("--threads must be 0 (the CPUs this process may use) or a positive count");
    }
    if (flags_ & kDevice) {
      common_.device = r["device"].as<std::string>();
      if (common_.device != "auto" && common_.device != "cpu" && common_.device != "cuda")
        throw UsageError("--device must be auto, cpu or cuda, not '" + common_.device + "'");
    }
    if (flags_ & kSeed) common_.seed = r["seed"].as<uint64_t>();
  } catch (const cxxopts::exceptions::exception& e) {
    throw UsageError(e.what());
  }
  logging::set_verbosity(common_.verbosity);
  if (!positional_ && !r.unmatched().empty()) throw UsageError("unexpected operand '" + r.unmatched().front() + "'");
  return r;
}

int run(const char* program, const std::function<int()>& body) {
  logging::set_program(program);
  int code = kExitOk;
  try {
    code = body();
  } catch (const Exit& e) {
    code = e.code;
  } catch (const UsageError& e) {
    std::cerr << program << ": " << e.what() << "\nTry '" << program << " --help' for more information.\n";
    return kExitUsage;
  } catch (const cxxopts::exceptions::exception& e) {
    std::cerr << program << ": " << e.what() << "\nTry '" << program << " --help' for more information.\n";
    return kExitUsage;
  } catch (const Error& e) {
    std::cerr << program << ": " << e.what() << "\n";
    return e.code();
  } catch (const std::bad_alloc&) {
    std::cerr << program << ": out of memory\n";
    return kExitFailure;
  } catch (const std::exception& e) {
    std::cerr << program << ": " << e.what() << "\n";
    return kExitFailure;
  }
  // A full disk or a closed pipe is not success.
  std::cout.flush();
  if (!std::cout || std::fflush(stdout) != 0 || std::ferror(stdout)) {
    std::cerr << program << ": error writing to standard output\n";
    return kExitOutput;
  }
  return code;
}

std::string version_text(const std::string& program) {
  std::string s = program + " (mtl-toolkit) " + toolkit_version() + "\n";
  s += "LibTorch " MTL_BUILT_LIBTORCH "\n";
  s += "OpenCV " MTL_BUILT_OPENCV "\n";
  s += "HDF5 " MTL_BUILT_HDF5 "\n";
  s += "CUDA " MTL_BUILT_CUDA "\n";
  return s;
}

std::string default_text(int v) { return std::to_string(v); }

std::string default_text(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

}  // namespace cli
}  // namespace mtl
