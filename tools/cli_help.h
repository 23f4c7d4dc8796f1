// The --help text of the programs: lines wrapped to 100 columns with each option's description
// in its own column, and the names shown for option values. Tools layer; no cxxopts here.
#pragma once
#include <cstddef>
#include <string>

#include "cli_argv.h"

namespace mtl {
namespace cli {

constexpr size_t kHelpWidth = 100;

// `text` re-wrapped to lines of at most `width` columns: an option line's description continues
// under its own column, "(default: X)" is never split, and trailing blanks are dropped.
std::string wrap_help(const std::string& text, size_t width);

// The name --help shows for the value of the option `opts` ("o,output") of kind `kind`.
std::string value_name(const std::string& opts, ValueKind kind);

// The text of a default value for --help: integers as written, reals in their shortest exact form
// (so that cxxopts, which assigns the parsed default to the bound variable, keeps the value).
std::string default_text(int v);
std::string default_text(float v);
std::string default_text(double v);

}  // namespace cli
}  // namespace mtl
