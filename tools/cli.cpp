// The shared command-line contract.
#include "cli.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "build_versions.h"
#include "mtl/core/annotations.h"
#include "mtl/core/cpus.h"
#include "mtl/core/error.h"
#include "mtl/core/log.h"
#include "mtl/core/version.h"

namespace mtl {
namespace cli {
namespace {

constexpr size_t kHelpWidth = 100;

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

// Why `t` is not a finite real number written whole (what cxxopts accepts for a float or double;
// `float32`: one within a float's range), or "" when it is one.
std::string real_problem(const std::string& t, bool float32) {
  if (t.empty()) return "is not a number";
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(t.c_str(), &end);
  if (*end != '\0' || t.find_first_of("xXnN") != std::string::npos) return "is not a number";
  if (!std::isfinite(v) || (errno == ERANGE && std::fabs(v) > 1) || (float32 && !std::isfinite(static_cast<float>(v))))
    return std::string("is out of range (at most ") + (float32 ? "3.4e38" : "1.8e308") + " in size)";
  return "";
}

// Why `t` is no value of kind `k`, or "" when it is one.
std::string value_problem(ValueKind k, const std::string& t) {
  const bool digits = !t.empty() && t.find_first_not_of("0123456789", t[0] == '-' || t[0] == '+') == std::string::npos &&
                      t.size() > size_t(t[0] == '-' || t[0] == '+');
  switch (k) {
    case ValueKind::Int32:
    case ValueKind::Int64: {
      if (!digits) return "is not an integer";
      errno = 0;
      const long long v = std::strtoll(t.c_str(), nullptr, 10);
      const bool fits = errno != ERANGE && (k == ValueKind::Int64 || (v >= INT32_MIN && v <= INT32_MAX));
      return fits ? "" : "is out of range";
    }
    case ValueKind::UInt64:
      if (!digits) return "is not an integer";
      if (t[0] == '-') return "is not a non-negative integer";
      errno = 0;
      std::strtoull(t.c_str(), nullptr, 10);
      return errno == ERANGE ? "is out of range" : "";
    case ValueKind::Real:
    case ValueKind::Real32:
      return real_problem(t, k == ValueKind::Real32);
    case ValueKind::Reals:
    case ValueKind::Reals32: {
      std::stringstream ss(t);
      std::string item;
      while (std::getline(ss, item, ',')) {
        const std::string why = real_problem(item, k == ValueKind::Reals32);
        if (why == "is not a number") return "is not a comma-separated list of numbers";
        if (!why.empty()) return "holds '" + item + "', which " + why;
      }
      return "";
    }
    default: return "";
  }
}

// The (option, value) pairs of argv: --name=value, --name value, -xvalue, -x value.
std::vector<std::pair<std::string, std::string>> option_values(int argc, char** argv,
                                                               const std::map<std::string, ValueKind>& kinds) {
  std::vector<std::pair<std::string, std::string>> out;
  auto takes_value = [&](const std::string& n) { auto it = kinds.find(n); return it != kinds.end() && it->second != ValueKind::Flag; };
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--") break;
    if (a.rfind("--", 0) == 0) {
      const auto eq = a.find('=');
      const std::string name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      if (eq != std::string::npos) out.emplace_back(name, a.substr(eq + 1));
      else if (takes_value(name) && i + 1 < argc) out.emplace_back(name, argv[++i]);
    } else if (a.size() > 1 && a[0] == '-') {
      for (size_t j = 1; j < a.size(); ++j) {
        const std::string name(1, a[j]);
        if (!takes_value(name)) continue;
        if (j + 1 < a.size()) out.emplace_back(name, a.substr(j + 1));
        else if (i + 1 < argc) out.emplace_back(name, argv[++i]);
        break;
      }
    }
  }
  return out;
}

// The words of an option's description, a "(default: ...)" kept whole as one word.
std::vector<std::string> help_words(std::string text) {
  const std::string tag = "(default: ";
  for (size_t at = text.find(tag); at != std::string::npos; at = text.find(tag, at + 1))
    for (size_t i = at; i < text.size() && text[i] != ')'; ++i)
      if (text[i] == ' ') text[i] = '\x1f';
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string w; in >> w;) {
    std::replace(w.begin(), w.end(), '\x1f', ' ');
    words.push_back(w);
  }
  return words;
}

// The column where the description of a help line starts: after an option's names and the gap
// that follows them, or, for any other line, after its indentation.
size_t description_column(const std::string& line) {
  const size_t first = line.find_first_not_of(' ');
  if (first == std::string::npos) return 0;
  if (line[first] == '-') {
    const size_t gap = line.find("  ", first);
    if (gap != std::string::npos) {
      const size_t col = line.find_first_not_of(' ', gap);
      if (col != std::string::npos) return col;
    }
  }
  return first;
}

void wrap_line(const std::string& line, size_t width, std::string& out) {
  std::string rest = line;
  while (!rest.empty() && rest.back() == ' ') rest.pop_back();
  if (rest.size() <= width) {
    out += rest + "\n";
    return;
  }
  const size_t col = description_column(rest);
  std::string cur = rest.substr(0, col);
  size_t used = 0;  // words on the current line
  for (const auto& w : help_words(rest.substr(col))) {
    if (used > 0 && cur.size() + 1 + w.size() > width) {
      out += cur + "\n";
      cur = std::string(col, ' ');
      used = 0;
    }
    cur += (used > 0 ? " " : "") + w;
    ++used;
  }
  out += cur + "\n";
}

// The option named in cxxopts' message (between its quotes), with its dashes: "--epochs" or "-k".
std::string quoted_option(const std::string& message) {
  const size_t l = message.find(cxxopts::LQUOTE), r = message.rfind(cxxopts::RQUOTE);
  if (l == std::string::npos || r == std::string::npos || r <= l) return "";
  const std::string name = message.substr(l + cxxopts::LQUOTE.size(), r - l - cxxopts::LQUOTE.size());
  return (name.size() == 1 ? "-" : "--") + name;
}

// The name --help shows for an option's value when the caller gives none (cxxopts would show
// "arg"): N for an integer, X for a number, X,Y,... for a list of numbers, else the option's long
// name in capitals, as Python's argparse does (--attention ATTENTION), except for the options that
// several programs share, which say what they take.
std::string value_name(const std::string& opts, ValueKind kind) {
  static const std::map<std::string, std::string> shared = {
      {"output", "FILE"}, {"train", "FILE"}, {"val", "FILE"},  {"log", "FILE"},
      {"truth", "FILE"},  {"au", "AU.pt"},   {"ex", "EX.pt"},  {"va", "VA.pt"},
      {"memory-budget", "SIZE"}, {"image-root", "DIR"}, {"backbone", "TS.pt"}, {"thresholds", "FILE"},
      {"shard", "I/N"}, {"mean", "R,G,B"}, {"std", "R,G,B"}};
  std::string name = opts.substr(opts.rfind(',') + 1);
  name.erase(0, name.find_first_not_of(' '));
  if (auto it = shared.find(name); it != shared.end()) return it->second;
  switch (kind) {
    case ValueKind::Int32: case ValueKind::Int64: case ValueKind::UInt64: return "N";
    case ValueKind::Real: return "X";
    case ValueKind::Reals: return "X,Y,...";
    default: break;
  }
  for (char& c : name) c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

}  // namespace

std::string wrap_help(const std::string& text, size_t width) {
  std::string out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) wrap_line(line, width, out);
  return out;
}

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
    if (!why.empty()) return (name.size() == 1 ? "-" : "--") + name + ": '" + value + "' " + why;
  }
  for (const auto& [name, value] : option_values(argc, argv, kinds_))  // a value our checks let pass
    for (const std::string& q : {std::string("'"), cxxopts::LQUOTE})
      if (!value.empty() && cxxopts_message.find(q + value) != std::string::npos)
        return (name.size() == 1 ? "-" : "--") + name + ": '" + value + "' is not a valid value";
  return cxxopts_message;
}

void Parser::positional(const std::string& name) {
  opts_.parse_positional({name});
  positional_ = true;
}

cxxopts::ParseResult Parser::parse(int argc, char** argv) {
  // File names go into JSON (checkpoint, store and model metadata, prediction lines), which holds
  // UTF-8: a name that is not (legal on Linux) is refused here, for every program alike.
  auto refuse = [](const std::string& what, std::string_view text, size_t ok) {
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(text[ok]));
    throw UsageError(what + " '" + std::string(text.substr(0, ok)) + "...' is not valid UTF-8 (byte " + byte +
                     " at offset " + std::to_string(ok) + "); file names go into the toolkit's JSON metadata: " +
                     "rename the file, for example with convmv");
  };
  // The value of an option is named by its option (as option_values reads argv, --name=value too);
  // anything else (a file argument, an option's name) as an argument.
  for (const auto& [name, value] : option_values(argc, argv, kinds_)) {
    const size_t ok = valid_utf8_prefix(value);
    if (ok != value.size()) refuse((name.size() == 1 ? "-" : "--") + name + ": the value", value, ok);
  }
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const size_t ok = valid_utf8_prefix(arg);
    if (ok != arg.size()) refuse("the argument", arg, ok);
  }
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

std::string default_text(float v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string default_text(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

}  // namespace cli
}  // namespace mtl
