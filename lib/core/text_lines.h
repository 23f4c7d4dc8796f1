// Text inputs read whole, then walked line by line as views (private to mtl_core): the annotation
// files and the prediction lines, which can hold a million rows, are read this way.
#pragma once
#include <istream>
#include <iterator>
#include <string>
#include <string_view>

#include "mtl/core/error.h"

namespace mtl {

// All of `in`. Throws InputError "name: read error".
inline std::string read_text(std::istream& in, const std::string& name) {
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw InputError(name + ": read error");
  return text;
}

// Calls f(line, lineno) for each line of `text` (numbered from 1, a trailing '\r' removed).
template <typename F>
void for_each_line(std::string_view text, F&& f) {
  int lineno = 0;
  for (size_t at = 0; at < text.size();) {
    size_t nl = text.find('\n', at);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(at, nl - at);
    at = nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    f(line, ++lineno);
  }
}

}  // namespace mtl
