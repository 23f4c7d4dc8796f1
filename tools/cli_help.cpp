// The --help text: wrapping and value names (cli_help.h).
#include "cli_help.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <sstream>
#include <vector>

namespace mtl {
namespace cli {
namespace {

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

}  // namespace

std::string wrap_help(const std::string& text, size_t width) {
  std::string out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) wrap_line(line, width, out);
  return out;
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
