// The shared command-line contract.
#include "mtl/cli.h"

#include <H5public.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <opencv2/core/version.hpp>

#include "mtl/error.h"
#include "mtl/runtime.h"

namespace mtl {
namespace cli {
namespace {

std::string g_program = "mtl";
int g_verbosity = 1;
std::atomic<int> g_stop_signal{0};

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

extern "C" void on_stop_signal(int signo) {
  // A second signal ends the process at once, as users expect from a second Ctrl-C.
  if (g_stop_signal.exchange(signo) != 0) {
    signal(signo, SIG_DFL);
    raise(signo);
  }
}

}  // namespace

const std::string& program_name() { return g_program; }

Parser::Parser(std::string program, std::string positional, std::string description, unsigned common)
    : program_(program), opts_(program, description), flags_(common) {
  opts_.positional_help(positional);
  opts_.set_width(100);
  auto a = opts_.add_options("Common");
  a("h,help", "print this help and exit");
  a("version", "print the versions of the toolkit and its libraries and exit");
  a("q,quiet", "print only errors on stderr");
  a("v,verbose", "print more on stderr");
  if (flags_ & kThreads) a("threads", "CPU threads for LibTorch and OpenBLAS (0: all cores)", cxxopts::value<int>()->default_value("0"));
  if (flags_ & kDevice) a("device", "auto, cpu or cuda", cxxopts::value<std::string>()->default_value("auto"));
  if (flags_ & kSeed) a("seed", "random seed", cxxopts::value<uint64_t>()->default_value("1"));
}

cxxopts::OptionAdder Parser::add(const std::string& group) { return opts_.add_options(group); }

void Parser::positional(const std::string& name) { opts_.parse_positional({name}); }

cxxopts::ParseResult Parser::parse(int argc, char** argv) {
  cxxopts::ParseResult r;
  try {
    r = opts_.parse(argc, argv);
  } catch (const cxxopts::exceptions::exception& e) {
    throw UsageError(e.what());
  }
  if (r.count("help")) {
    std::vector<std::string> groups;
    for (const auto& g : opts_.groups())
      if (g != "Common") groups.push_back(g);
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
      if (common_.threads < 0) throw UsageError("--threads must be 0 (all cores) or a positive count");
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
  set_verbosity(common_.verbosity);
  return r;
}

int run(const char* program, const std::function<int()>& body) {
  g_program = program;
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

void install_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

int stop_signal() { return g_stop_signal.load(); }

void set_verbosity(int v) { g_verbosity = v; }
int verbosity() { return g_verbosity; }
void info(const std::string& msg) {
  if (g_verbosity >= 1) std::cerr << g_program << ": " << msg << "\n";
}
void debug(const std::string& msg) {
  if (g_verbosity >= 2) std::cerr << g_program << ": " << msg << "\n";
}
void warn(const std::string& msg) { std::cerr << g_program << ": warning: " << msg << "\n"; }

std::string version_text(const std::string& program) {
  unsigned maj = 0, min = 0, rel = 0;
  H5get_libversion(&maj, &min, &rel);
  std::string s = program + " (mtl-toolkit) " + toolkit_version() + "\n";
  s += "LibTorch " + libtorch_version() + "\n";
  s += std::string("OpenCV ") + CV_VERSION + "\n";
  s += "HDF5 " + std::to_string(maj) + "." + std::to_string(min) + "." + std::to_string(rel) + "\n";
  s += std::string("CUDA ") + (cuda_available() ? "available" : "not available") + " at run time\n";
  return s;
}

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

}  // namespace cli
}  // namespace mtl
