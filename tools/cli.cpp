// The shared command-line contract: the Parser over cxxopts, the common options, run() and the
// exit codes, --version.
#include "cli.h"

#include <algorithm>
#include <cstdint>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "build_versions.h"
#include "mtl/core/cpus.h"
#include "mtl/core/error.h"
#include "mtl/core/log.h"
#include "mtl/core/setting_error.h"
#include "mtl/core/version.h"

namespace mtl {
namespace cli {
namespace {

template <class T>
bool is(const std::shared_ptr<const cxxopts::Value>& v) {
  return dynamic_cast<const cxxopts::values::standard_value<T>*>(v.get()) != nullptr;
}

ValueKind kind_of(const std::shared_ptr<const cxxopts::Value>& v) {
  if (v->is_boolean()) return ValueKind::Flag;
  if (is<int>(v) || is<short>(v)) return ValueKind::Int32;
  if (is<long>(v) || is<long long>(v)) return ValueKind::Int64;
  if (is<unsigned>(v) || is<unsigned long>(v) || is<unsigned long long>(v)) return ValueKind::UInt64;
  if (is<float>(v)) return ValueKind::Real32;
  if (is<double>(v)) return ValueKind::Real;
  if (is<std::vector<float>>(v)) return ValueKind::Reals32;
  if (is<std::vector<double>>(v)) return ValueKind::Reals;
  return ValueKind::Text;
}

// The option named in cxxopts' message (between its quotes), with its dashes: "--epochs" or "-k".
std::string quoted_option(const std::string& message) {
  const size_t l = message.find(cxxopts::LQUOTE), r = message.rfind(cxxopts::RQUOTE);
  if (l == std::string::npos || r == std::string::npos || r <= l) return "";
  const std::string name = message.substr(l + cxxopts::LQUOTE.size(), r - l - cxxopts::LQUOTE.size());
  return option_name(name);
}

}  // namespace

Adder& Adder::operator()(const std::string& opts, const std::string& desc,
                         const std::shared_ptr<const cxxopts::Value>& value, std::string arg_help) {
  const ValueKind kind = kind_of(value);
  if (arg_help.empty() && kind != ValueKind::Flag) arg_help = value_name(opts, kind);
  adder_(opts, desc, value, std::move(arg_help));
  std::stringstream names(opts);
  for (std::string n; std::getline(names, n, ',');) {
    n.erase(0, n.find_first_not_of(' '));
    n.erase(n.find_last_not_of(' ') + 1);
    if (!n.empty()) (*kinds_)[n] = kind;
  }
  return *this;
}

Parser::Parser(std::string program, std::string positional, std::string description, unsigned common)
    : program_(program), opts_(program, description), flags_(common) {
  opts_.positional_help(positional);
  opts_.set_width(100000);  // one line per option: wrap_help wraps them, keeping defaults whole
  Adder a(opts_.add_options("Common"), kinds_);
  a("h,help", "print this help and exit");
  a("version", "print the versions of the toolkit and its libraries and exit");
  a("q,quiet", "print only warnings and errors on stderr");
  a("v,verbose", "print more on stderr");
  if (flags_ & kThreads) a("threads", "CPU threads for LibTorch, OpenBLAS and decoding (0: the CPUs this process may use: OMP_NUM_THREADS, SLURM_CPUS_PER_TASK, else the affinity mask capped by the cgroup CPU quota; at most the CPUs it can run on)", cxxopts::value<int>()->default_value("0"));
  if (flags_ & kDevice) {
    a("device", "auto, cpu or cuda", cxxopts::value<std::string>()->default_value("auto"));
    a("deterministic", "deterministic algorithms in LibTorch, cuDNN and cuBLAS, for bit-identical reruns on a GPU "
      "(slower; an operation without one warns)");
  }
  if (flags_ & kSeed) a("seed", "random seed", cxxopts::value<uint64_t>()->default_value("1"));
}

Adder Parser::add(const std::string& group) {
  if (std::find(groups_.begin(), groups_.end(), group) == groups_.end()) groups_.push_back(group);
  return Adder(opts_.add_options(group), kinds_);
}

// "--epochs: 'abc' is not an integer" for the first option whose value is not of its kind; else
// cxxopts' own message.
std::string Parser::bad_value_message(int argc, char** argv, const std::string& cxxopts_message) const {
  for (const auto& [name, value] : option_values(argc, argv, kinds_)) {
    auto it = kinds_.find(name);
    if (it == kinds_.end()) continue;
    const std::string why = value_problem(it->second, value);
    if (!why.empty()) return option_name(name) + ": '" + value + "' " + why;
  }
  for (const auto& [name, value] : option_values(argc, argv, kinds_))  // a value our checks let pass
    for (const std::string& q : {std::string("'"), cxxopts::LQUOTE})
      if (!value.empty() && cxxopts_message.find(q + value) != std::string::npos)
        return option_name(name) + ": '" + value + "' is not a valid value";
  return cxxopts_message;
}

void Parser::positional(const std::string& name) {
  opts_.parse_positional({name});
  positional_ = true;
}

cxxopts::ParseResult Parser::parse(int argc, char** argv) {
  check_utf8_arguments(argc, argv, kinds_);
  cxxopts::ParseResult r;
  try {
    r = opts_.parse(argc, argv);
  } catch (const cxxopts::exceptions::incorrect_argument_type& e) {
    throw UsageError(bad_value_message(argc, argv, e.what()));
  } catch (const cxxopts::exceptions::no_such_option& e) {
    const std::string o = quoted_option(e.what());
    throw UsageError(o.empty() ? e.what() : "unknown option '" + o + "'");
  } catch (const cxxopts::exceptions::missing_argument& e) {
    const std::string o = quoted_option(e.what());
    throw UsageError(o.empty() ? e.what() : o + " needs a value");
  } catch (const cxxopts::exceptions::option_requires_argument& e) {
    const std::string o = quoted_option(e.what());
    throw UsageError(o.empty() ? e.what() : o + " needs a value");
  } catch (const cxxopts::exceptions::exception& e) {
    throw UsageError(e.what());
  }
  if (r.count("help")) {
    std::vector<std::string> groups = groups_;
    groups.push_back("Common");
    std::cout << wrap_help(opts_.help(groups), kHelpWidth)
              << "\nExit status: 0 success, 1 failure, 2 usage error, 3 bad input, 4 output not written,\n"
              << "128+N stopped by signal N. See man " << program_ << ".\n";
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
      const CpuBudget cpus = usable_cpus();
      if (common_.threads > cpus.count) {
        logging::warn("--threads " + std::to_string(common_.threads) + " is more than the " + std::to_string(cpus.count) +
                      " CPUs this process can run on (" + cpus.source + "); using " + std::to_string(cpus.count));
        common_.threads = cpus.count;
      }
    }
    if (flags_ & kDevice) {
      common_.device = r["device"].as<std::string>();
      if (common_.device != "auto" && common_.device != "cpu" && common_.device != "cuda")
        throw UsageError("--device must be auto, cpu or cuda, not '" + common_.device + "'");
      common_.deterministic = r.count("deterministic") > 0;
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
  // A closed pipe on standard output ends the program quietly by SIGPIPE, as it ends cat (status
  // 141, no message), also when the parent left SIGPIPE ignored (Python's subprocess, some CI
  // runners): then a write would fail with EPIPE and the program would report an error instead.
  // What it was writing is left as a kill leaves it: a .part that a rerun resumes or removes.
  std::signal(SIGPIPE, SIG_DFL);
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
  } catch (const SettingError& e) {  // a setting given on the command line, spelled as its option
    std::cerr << program << ": " << option_spelling(e.setting) << " " << e.problem << "\nTry '" << program
              << " --help' for more information.\n";
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

}  // namespace cli
}  // namespace mtl
