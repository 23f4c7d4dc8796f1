// Text inputs read whole, then walked line by line as views (private to mtl_core): the annotation
// files and the prediction lines, which can hold a million rows, are read this way.
#pragma once
#include <istream>
#include <iterator>
#include <string>
#include <string_view>

#include "mtl/core/error.h"

namespace mtl {

// All of `in`. Throws InputError "name: cannot read: why" (a folder gives "Is a directory").
inline std::string read_text(std::istream& in, const std::string& name) {
  std::string text;
  try {
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } catch (const std::exception& e) {  // the file buffer throws on a read error such as EISDIR
    const std::string why = e.what();
    const size_t colon = why.rfind(": ");
    throw InputError(name + ": cannot read: " + (colon == std::string::npos ? why : why.substr(colon + 2)));
  }
  if (in.bad()) throw InputError(name + ": cannot read");
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
