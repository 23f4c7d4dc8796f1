// Parsing of the ABAW MTL annotation file and of plain image lists.
#include "mtl/core/annotations.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <limits>
#include <string_view>

#include "mtl/core/error.h"
#include "text_lines.h"

namespace mtl {
namespace {

constexpr int kAnnotationFields = 4 + kNumAU;  // path, valence, arousal, expression, 12 AUs

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

const char* field_name(int i) {
  static const char* names[] = {"image", "valence", "arousal", "expression"};
  return i < 4 ? names[i] : au_names()[i - 4];
}

[[noreturn]] void fail(const std::string& name, int line, const std::string& what) {
  throw InputError(name + ":" + std::to_string(line) + ": " + what);
}

// A decimal number: std::from_chars for the usual spelling, strtod (which also takes a leading '+'
// or spaces) for the rest and for the error.
double parse_number(std::string_view raw, const std::string& name, int line, int field) {
  std::string_view t = raw;
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  double v;
  auto r = std::from_chars(t.data(), t.data() + t.size(), v);
  if (!t.empty() && r.ec == std::errc() && r.ptr == t.data() + t.size() && std::isfinite(v)) return v;
  std::string s(t);
  const char* b = s.c_str();
  char* e = nullptr;
  errno = 0;
  v = std::strtod(b, &e);
  if (s.empty() || *e != '\0' || errno == ERANGE || !std::isfinite(v))
    fail(name, line,
         std::string("field ") + std::to_string(field + 1) + " (" + field_name(field) + "): '" + std::string(raw) +
             "' is not a number");
  return v;
}

int parse_integer(std::string_view raw, const std::string& name, int line, int field) {
  int i;
  auto r = std::from_chars(raw.data(), raw.data() + raw.size(), i);
  if (!raw.empty() && r.ec == std::errc() && r.ptr == raw.data() + raw.size()) return i;  // the usual "0", "-1"
  double v = parse_number(raw, name, line, field);
  if (v != std::floor(v))
    fail(name, line,
         std::string("field ") + std::to_string(field + 1) + " (" + field_name(field) + "): '" + std::string(raw) +
             "' is not an integer");
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())  // the cast would be undefined
    fail(name, line,
         std::string("field ") + std::to_string(field + 1) + " (" + field_name(field) + "): '" + std::string(raw) +
             "' is out of range");
  return static_cast<int>(v);
}

bool blank(std::string_view s) { return s.find_first_not_of(" \t") == std::string_view::npos; }

bool is_header(const std::string& line) { return trim(split_commas(line)[0]) == "image"; }

// A plain list: one path per line. A row that has exactly the annotation layout is almost
// certainly an annotation file whose header is missing; say so rather than look for the image.
InputImage parse_list_row(const std::string& line, const std::string& name, int lineno) {
  auto f = split_commas(line);
  if (static_cast<int>(f.size()) == kAnnotationFields) {
    bool numeric = true;
    for (size_t i = 1; i < f.size() && numeric; ++i) {
      char* e = nullptr;
      std::string t = trim(f[i]);
      std::strtod(t.c_str(), &e);
      numeric = !t.empty() && *e == '\0';
    }
    if (numeric)
      fail(name, lineno, "looks like an annotation row, but the file has no header line (its first field must be 'image')");
  }
  InputImage img;
  img.path = trim(line);
  img.line = lineno;
  return img;
}

// Image paths go into the stores and the JSON prediction lines as text: a path that is not valid
// UTF-8 (legal on Linux) could not be written back as it was, so it is refused here, naming the line.
void refuse_non_utf8(const InputList& list, const std::string& name) {
  for (const auto& img : list.images) {
    const size_t ok = valid_utf8_prefix(img.path);
    if (ok == img.path.size()) continue;
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(img.path[ok]));
    fail(name, img.line, "image path '" + img.path.substr(0, ok) + "...' is not valid UTF-8 (byte " + byte +
                             " at offset " + std::to_string(ok) + "); rename the file, for example with convmv");
  }
}

// An image listed twice would get two rows that mtl-score cannot tell apart: name both lines.
void refuse_duplicates(const InputList& list, const std::string& name) {
  std::vector<uint32_t> order(list.images.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    const int c = list.images[a].path.compare(list.images[b].path);
    return c < 0 || (c == 0 && a < b);
  });
  for (size_t k = 1; k < order.size(); ++k) {
    const InputImage& first = list.images[order[k - 1]];
    const InputImage& again = list.images[order[k]];
    if (first.path == again.path)
      fail(name, again.line, "image '" + again.path + "' is listed twice (also on line " + std::to_string(first.line) + ")");
  }
}

}  // namespace

size_t valid_utf8_prefix(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return i;
    uint32_t cp = n == 1 ? c : n == 2 ? c & 0x1Fu : n == 3 ? c & 0x0Fu : c & 0x07u;
    for (size_t k = 1; k < n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d >> 6) != 0x2) return i;
      cp = (cp << 6) | (d & 0x3Fu);
    }
    const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < least[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += n;
  }
  return i;
}


InputImage parse_annotation_row(std::string_view row, const std::string& name, int line) {
  // Split into views (no copies); a count other than 16 is reported through the plain split.
  std::array<std::string_view, kAnnotationFields> f;
  int n = 0;
  for (size_t start = 0;; ++n) {
    const size_t comma = row.find(',', start);
    if (n < kAnnotationFields) f[n] = row.substr(start, comma == std::string::npos ? comma : comma - start);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (++n != kAnnotationFields)
    fail(name, line,
         "expected " + std::to_string(kAnnotationFields) + " comma-separated fields (image,valence," +
             "arousal,expression,AU1..AU26), found " + std::to_string(n));
  InputImage img;
  img.line = line;
  img.path = trim(std::string(f[0]));
  if (img.path.empty()) fail(name, line, "field 1 (image): empty path");
  for (int k = 0; k < 2; ++k) {
    double v = parse_number(f[1 + k], name, line, 1 + k);
    if (v == kMissingVA) {
      img.labels.va[k] = kMissingVA;
    } else if (v < -1.0 || v > 1.0) {
      fail(name, line,
           std::string("field ") + std::to_string(k + 2) + " (" + field_name(1 + k) + "): " + trim(std::string(f[1 + k])) +
               " is outside [-1, 1] and is not the missing-value code -5");
    } else {
      img.labels.va[k] = static_cast<float>(v);
    }
  }
  int ex = parse_integer(f[3], name, line, 3);
  if (ex < -1 || ex >= kNumEX)
    fail(name, line, "field 4 (expression): " + trim(std::string(f[3])) + " is not a class code 0-7 or the missing-value code -1");
  img.labels.ex = static_cast<int8_t>(ex);
  for (int i = 0; i < kNumAU; ++i) {
    int a = parse_integer(f[4 + i], name, line, 4 + i);
    if (a != 0 && a != 1 && a != -1)
      fail(name, line,
           std::string("field ") + std::to_string(5 + i) + " (" + au_names()[i] + "): " + trim(std::string(f[4 + i])) +
               " is not 0, 1 or the missing-value code -1");
    img.labels.au[i] = static_cast<int8_t>(a);
  }
  return img;
}

InputList parse_input_list(std::istream& in, const std::string& name) {
  const std::string text = read_text(in, name);
  InputList list;
  list.name = name;
  for_each_line(text, [&](std::string_view line, int lineno) {
    if (lineno == 1) {
      if (line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);  // a UTF-8 byte-order mark
      if (is_header(std::string(line))) {
        list.labelled = true;
        return;
      }
    }
    if (blank(line)) return;
    if (list.labelled)
      list.images.push_back(parse_annotation_row(line, name, lineno));
    else
      list.images.push_back(parse_list_row(std::string(line), name, lineno));
  });
  refuse_non_utf8(list, name);
  refuse_duplicates(list, name);
  return list;
}

bool path_stays_inside(std::string_view path) {
  if (path.empty() || path.front() == '/') return false;
  int depth = 0;
  for (size_t start = 0; start <= path.size();) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    const std::string_view part = path.substr(start, slash - start);
    if (part == "..") {
      if (--depth < 0) return false;
    } else if (!part.empty() && part != ".") {
      ++depth;
    }
    start = slash + 1;
  }
  return true;
}

InputList read_input_list(const std::string& path) {
  if (path == "-") return parse_input_list(std::cin, "<stdin>");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError(path + ": cannot open: " + std::strerror(errno));
  return parse_input_list(f, path);
}

}  // namespace mtl
