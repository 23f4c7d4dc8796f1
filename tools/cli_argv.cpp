// Reading argv beside cxxopts: the values of the options, their problems, arguments that are
// not UTF-8 (cli_argv.h).
#include "cli_argv.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string_view>

#include "mtl/core/annotations.h"
#include "mtl/core/error.h"

namespace mtl {
namespace cli {
namespace {

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

}  // namespace

std::string option_name(const std::string& name) { return (name.size() == 1 ? "-" : "--") + name; }

std::string setting_option(const std::string& setting) {
  std::string name = setting;
  std::replace(name.begin(), name.end(), '_', '-');
  return name;
}

std::string option_spelling(const std::string& setting) { return option_name(setting_option(setting)); }

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

std::vector<std::pair<std::string, std::string>> option_values(int argc, char** argv, const OptionKinds& kinds) {
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

void check_utf8_arguments(int argc, char** argv, const OptionKinds& kinds) {
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
  for (const auto& [name, value] : option_values(argc, argv, kinds)) {
    const size_t ok = valid_utf8_prefix(value);
    if (ok != value.size()) refuse(option_name(name) + ": the value", value, ok);
  }
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const size_t ok = valid_utf8_prefix(arg);
    if (ok != arg.size()) refuse("the argument", arg, ok);
  }
}

}  // namespace cli
}  // namespace mtl
