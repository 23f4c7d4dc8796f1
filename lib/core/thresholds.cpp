// The thresholds file (its JSON keys are read and written here only), and prediction lines decided
// again with thresholds.
#include "mtl/core/thresholds.h"

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cmath>
#include <cstring>
#include <fstream>
#include <istream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "json_document.h"
#include "mtl/core/error.h"

namespace mtl {
namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& source, const std::string& what) { throw InputError(source + ": " + what); }

// Reads an array of N finite numbers under `key`, each in [0,1] when `probability`; with `set`, an
// entry may be null (not tuned), which clears set[i].
template <size_t N>
std::array<float, N> numbers(const json& j, const char* key, bool probability, const std::string& source,
                             std::array<bool, N>* set = nullptr) {
  const json& v = j.at(key);
  if (!v.is_array() || v.size() != N)
    bad(source, std::string("\"") + key + "\" must be an array of " + std::to_string(N) +
                    (set ? " numbers or nulls" : " numbers"));
  std::array<float, N> out{};
  for (size_t i = 0; i < N; ++i) {
    const std::string at = std::string("\"") + key + "\"[" + std::to_string(i) + "]";
    if (set) (*set)[i] = !v[i].is_null();
    if (set && v[i].is_null()) continue;
    if (!v[i].is_number()) bad(source, at + " is not a number" + (set ? " or null" : ""));
    const double d = v[i].get<double>();
    if (!std::isfinite(d)) bad(source, at + " = " + v[i].dump() + " is not finite");
    if (!std::isfinite(static_cast<float>(d))) bad(source, at + " = " + v[i].dump() + " is out of range for a float");
    if (probability && (d < 0 || d > 1)) bad(source, at + " = " + v[i].dump() + " is out of range [0, 1]");
    out[i] = static_cast<float>(d);
  }
  return out;
}

void check_header(const json& j, const std::string& source) {
  check_document_header(j, source, "mtl-thresholds", kThresholdsFormatVersion);
  for (const auto& [key, value] : j.items())
    if (key != "format" && key != "version" && key != "au_names" && key != "au_thresholds" && key != "ex_offsets")
      bad(source, "unknown key \"" + key + "\"");
  for (const char* key : {"au_names", "au_thresholds"})
    if (!j.contains(key)) bad(source, std::string("missing key \"") + key + "\"");
}

void check_names(const json& names, const std::string& source) {
  if (!names.is_array() || names.size() != kNumAU) bad(source, "\"au_names\" must be an array of 12 names");
  for (int i = 0; i < kNumAU; ++i)
    if (!names[i].is_string() || names[i].get<std::string>() != au_names()[i])
      bad(source, "\"au_names\"[" + std::to_string(i) + "] is " + names[i].dump() + ", not \"" + au_names()[i] +
                      "\" (the AUs must be in the toolkit's order)");
}

// The floats as doubles with the fewest digits that read back as the same float (0.3f as 0.3, not
// 0.30000001192092896), for a file a person reads; null where `set` is false.
template <size_t N>
json shortest(const std::array<float, N>& v, const std::array<bool, N>* set = nullptr) {
  json a = json::array();
  for (size_t i = 0; i < N; ++i) {
    if (set && !(*set)[i]) {
      a.push_back(nullptr);
      continue;
    }
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v[i]);
    a.push_back(std::strtod(std::string(buf, r.ptr).c_str(), nullptr));
  }
  return a;
}

}  // namespace

Thresholds Thresholds::uniform(float au_threshold) {
  Thresholds t;
  t.au.fill(au_threshold);
  t.au_set.fill(true);
  return t;
}

Thresholds Thresholds::over(const Thresholds& own) const {
  Thresholds t = *this;
  for (int i = 0; i < kNumAU; ++i)
    if (!au_set[i]) t.au[i] = own.au[i], t.au_set[i] = own.au_set[i];
  if (!ex_offsets) t.ex_offsets = own.ex_offsets;
  return t;
}

bool Thresholds::any_au_set() const {
  for (bool b : au_set)
    if (b) return true;
  return false;
}

Thresholds line_thresholds(const Prediction& p) {
  Thresholds t = Thresholds::uniform(0.5f);
  if (p.au_thresholds) t.au = *p.au_thresholds;
  t.ex_offsets = p.ex_offsets;
  return t;
}

void record_thresholds(Prediction& p, const Thresholds& t) {
  if (p.au && p.au_prob) {
    bool plain = true;
    for (float v : t.au) plain = plain && v == 0.5f;
    if (plain) p.au_thresholds.reset();
    else p.au_thresholds = t.au;
  }
  if (p.ex && p.ex_prob && t.ex_offsets) p.ex_offsets = t.ex_offsets;
}

Thresholds parse_thresholds(const std::string& text, const std::string& source) {
  json j = parse_json_document(text, source);
  check_header(j, source);
  check_names(j["au_names"], source);
  Thresholds t;
  t.au = numbers<kNumAU>(j, "au_thresholds", true, source, &t.au_set);
  if (j.contains("ex_offsets"))
    t.ex_offsets = numbers<kNumEX>(j, "ex_offsets", false, source);
  return t;
}

Thresholds read_thresholds(const std::string& path) { return parse_thresholds(read_document(path), path); }

void apply_thresholds(Prediction& p, const Thresholds& given) {
  const Thresholds t = given.over(line_thresholds(p));
  if (p.au_prob) {
    std::array<int, kNumAU> au;
    for (int i = 0; i < kNumAU; ++i) au[i] = (*p.au_prob)[i] >= t.au[i];
    p.au = au;
  }
  if (p.ex_prob && t.ex_offsets) {
    int best = 0;
    double best_v = -std::numeric_limits<double>::infinity();
    for (int c = 0; c < kNumEX; ++c) {
      const double v = std::log(static_cast<double>((*p.ex_prob)[c])) + (*t.ex_offsets)[c];
      if (v > best_v) best = c, best_v = v;
    }
    p.ex = best;
  }
  record_thresholds(p, t);
}

std::string thresholds_json(const Thresholds& t) {
  json j = json::object();
  j["format"] = "mtl-thresholds";
  j["version"] = kThresholdsFormatVersion;
  j["au_names"] = json::array();
  for (const char* n : au_names()) j["au_names"].push_back(n);
  j["au_thresholds"] = shortest(t.au, &t.au_set);
  if (t.ex_offsets) j["ex_offsets"] = shortest(*t.ex_offsets);
  return j.dump() + "\n";
}

size_t apply_thresholds_stream(std::istream& in, const std::string& name, const Thresholds& t, std::ostream& out) {
  size_t undecidable = 0;
  std::string line, text;  // text: the lines decided since the last write
  int lineno = 0;
  auto write = [&] {
    if (!(out << text << std::flush)) throw OutputError("error writing predictions to standard output");
    text.clear();
  };
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;  // blank, as parse_predictions
    Prediction p = parse_prediction_line(line, name, lineno, /*keep_text=*/true);
    undecidable += !p.au_prob && !p.ex_prob;
    apply_thresholds(p, t);
    text += format_prediction(p);
    text += '\n';
    // Written when no more input is buffered (a live pipe gets each line as it comes), else in
    // pieces of about 1 MB.
    if (text.size() >= (1 << 20) || in.rdbuf()->in_avail() <= 0) write();
  }
  if (in.bad()) throw InputError(name + ": cannot read");
  write();
  return undecidable;
}

}  // namespace mtl
