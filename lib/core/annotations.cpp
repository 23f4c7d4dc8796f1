// Parsing of the ABAW MTL annotation file and of plain image lists.
#include "mtl/core/annotations.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>

#include "mtl/core/error.h"

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

// Removes a trailing '\r' (CRLF files) and, on the first line, a UTF-8 byte-order mark.
void clean_line(std::string& s, bool first) {
  if (!s.empty() && s.back() == '\r') s.pop_back();
  if (first && s.compare(0, 3, "\xEF\xBB\xBF") == 0) s.erase(0, 3);
}

const char* field_name(int i) {
  static const char* names[] = {"image", "valence", "arousal", "expression"};
  return i < 4 ? names[i] : au_names()[i - 4];
}

[[noreturn]] void fail(const std::string& name, int line, const std::string& what) {
  throw InputError(name + ":" + std::to_string(line) + ": " + what);
}

double parse_number(const std::string& raw, const std::string& name, int line, int field) {
  std::string s = trim(raw);
  const char* b = s.c_str();
  char* e = nullptr;
  errno = 0;
  double v = std::strtod(b, &e);
  if (s.empty() || *e != '\0' || errno == ERANGE || !std::isfinite(v))
    fail(name, line,
         std::string("field ") + std::to_string(field + 1) + " (" + field_name(field) + "): '" + raw +
             "' is not a number");
  return v;
}

int parse_integer(const std::string& raw, const std::string& name, int line, int field) {
  double v = parse_number(raw, name, line, field);
  if (v != std::floor(v))
    fail(name, line,
         std::string("field ") + std::to_string(field + 1) + " (" + field_name(field) + "): '" + raw +
             "' is not an integer");
  return static_cast<int>(v);
}

bool is_header(const std::string& line) { return trim(split_commas(line)[0]) == "image"; }

}  // namespace

InputImage parse_annotation_row(const std::string& row, const std::string& name, int line) {
  auto f = split_commas(row);
  if (static_cast<int>(f.size()) != kAnnotationFields)
    fail(name, line,
         "expected " + std::to_string(kAnnotationFields) + " comma-separated fields (image,valence," +
             "arousal,expression,AU1..AU26), found " + std::to_string(f.size()));
  InputImage img;
  img.line = line;
  img.path = trim(f[0]);
  if (img.path.empty()) fail(name, line, "field 1 (image): empty path");
  for (int k = 0; k < 2; ++k) {
    double v = parse_number(f[1 + k], name, line, 1 + k);
    if (v == kMissingVA) {
      img.labels.va[k] = kMissingVA;
    } else if (v < -1.0 || v > 1.0) {
      fail(name, line,
           std::string("field ") + std::to_string(k + 2) + " (" + field_name(1 + k) + "): " + trim(f[1 + k]) +
               " is outside [-1, 1] and is not the missing-value code -5");
    } else {
      img.labels.va[k] = static_cast<float>(v);
    }
  }
  int ex = parse_integer(f[3], name, line, 3);
  if (ex < -1 || ex >= kNumEX)
    fail(name, line, "field 4 (expression): " + trim(f[3]) + " is not a class code 0-7 or the missing-value code -1");
  img.labels.ex = static_cast<int8_t>(ex);
  for (int i = 0; i < kNumAU; ++i) {
    int a = parse_integer(f[4 + i], name, line, 4 + i);
    if (a != 0 && a != 1 && a != -1)
      fail(name, line,
           std::string("field ") + std::to_string(5 + i) + " (" + au_names()[i] + "): " + trim(f[4 + i]) +
               " is not 0, 1 or the missing-value code -1");
    img.labels.au[i] = static_cast<int8_t>(a);
  }
  return img;
}

InputList parse_input_list(std::istream& in, const std::string& name) {
  InputList list;
  std::string line;
  int lineno = 0;
  bool first = true;
  while (std::getline(in, line)) {
    ++lineno;
    clean_line(line, first);
    if (first) {
      first = false;
      if (is_header(line)) {
        list.labelled = true;
        continue;
      }
    }
    if (trim(line).empty()) continue;
    if (list.labelled) {
      list.images.push_back(parse_annotation_row(line, name, lineno));
    } else {
      // A plain list: one path per line. A row that has exactly the annotation layout is almost
      // certainly an annotation file whose header is missing; say so rather than look for the image.
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
          fail(name, lineno,
               "looks like an annotation row, but the file has no header line (its first field must be 'image')");
      }
      InputImage img;
      img.path = trim(line);
      img.line = lineno;
      list.images.push_back(std::move(img));
    }
  }
  if (in.bad()) throw InputError(name + ": read error");
  return list;
}

InputList read_input_list(const std::string& path) {
  if (path == "-") return parse_input_list(std::cin, "<stdin>");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError(path + ": cannot open: " + std::strerror(errno));
  return parse_input_list(f, path);
}

}  // namespace mtl
