// Reading and writing prediction JSON lines. Lines in the shape mtl-predict writes take a quick
// parser; any other line goes through nlohmann/json, which also words every error.
#include "mtl/core/predictions.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string_view>
#include <tuple>
#include <nlohmann/json.hpp>

#include "json_document.h"
#include "mtl/core/error.h"
#include "text_lines.h"

namespace mtl {
namespace {

void put_float(std::string& s, float v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  s.append(buf, r.ptr);
}

template <typename T, size_t N>
void put_array(std::string& s, const std::array<T, N>& a) {
  s += '[';
  for (size_t i = 0; i < N; ++i) {
    if (i) s += ',';
    if constexpr (std::is_floating_point_v<T>)
      put_float(s, a[i]);
    else
      s += std::to_string(a[i]);
  }
  s += ']';
}

[[noreturn]] void fail(const std::string& name, int line, const std::string& what) {
  throw InputError(name + ":" + std::to_string(line) + ": " + what);
}

// A JSON number as a float: refused when it does not fit (1e39 is not a float).
float get_float(const nlohmann::json& v, const char* key, const std::string& name, int line) {
  if (!v.is_number()) fail(name, line, std::string("\"") + key + "\" holds a value that is not a number");
  const double d = v.get<double>();
  const float f = static_cast<float>(d);
  if (!std::isfinite(d) || !std::isfinite(f))
    fail(name, line, std::string("\"") + key + "\" holds a number out of range for a float");
  return f;
}

template <size_t N>
const nlohmann::json& get_array(const nlohmann::json& j, const char* key, const std::string& name, int line) {
  const auto& v = j.at(key);
  if (!v.is_array() || v.size() != N)
    fail(name, line, std::string("\"") + key + "\" must be an array of " + std::to_string(N) + " numbers");
  return v;
}

template <size_t N>
std::array<float, N> get_floats(const nlohmann::json& j, const char* key, const std::string& name, int line) {
  const auto& v = get_array<N>(j, key, name, line);
  std::array<float, N> out{};
  for (size_t i = 0; i < N; ++i) out[i] = get_float(v[i], key, name, line);
  return out;
}

// An integer that fits in an int, or -1 for anything else (a fraction, a huge number, not a number).
long long get_integer(const nlohmann::json& v) {
  if (v.is_number_unsigned()) return v.get<unsigned long long>() > 1000 ? -1 : static_cast<long long>(v.get<unsigned long long>());
  if (v.is_number_integer()) return v.get<long long>();
  return -1;
}

// The ranges of the values, checked after either parse.
void check_ranges(const Prediction& p, const std::string& name, int line) {
  auto within = [&](const char* key, const float* v, size_t n, float lo, float hi) {
    for (size_t i = 0; i < n; ++i)
      if (!(v[i] >= lo && v[i] <= hi))
        fail(name, line, std::string("\"") + key + "\" entries must lie in [" + (lo < 0 ? "-1" : "0") + ", 1]");
  };
  if (p.au_prob) within("au_prob", p.au_prob->data(), kNumAU, 0, 1);
  if (p.ex_prob) within("ex_prob", p.ex_prob->data(), kNumEX, 0, 1);
  if (p.va) within("va", p.va->data(), 2, -1, 1);
  if (p.au_thresholds) within("au_thresholds", p.au_thresholds->data(), kNumAU, 0, 1);
}

}  // namespace

std::string_view video_of(std::string_view image) {
  const size_t slash = image.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : image.substr(0, slash);
}

std::optional<long> frame_of(std::string_view image) {
  const size_t slash = image.rfind('/');
  std::string_view name = slash == std::string_view::npos ? image : image.substr(slash + 1);
  const size_t dot = name.rfind('.');
  if (dot != std::string_view::npos) name = name.substr(0, dot);
  if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  long frame = 0;
  auto r = std::from_chars(name.data(), name.data() + name.size(), frame);
  if (r.ec != std::errc() || r.ptr != name.data() + name.size()) return std::nullopt;
  return frame;
}

namespace {

// The members of a line that has already parsed as a JSON object: key and value texts, in order.
class MemberScanner {
 public:
  explicit MemberScanner(std::string_view s) : p_(s.data()), end_(s.data() + s.size()) {}

  std::vector<PredictionText::Member> members() {
    std::vector<PredictionText::Member> out;
    space();
    ++p_;  // '{'
    space();
    if (p_ < end_ && *p_ == '}') return out;
    for (;;) {
      space();
      const char* k = p_;
      skip_string();
      PredictionText::Member m;
      m.key.assign(k, p_);
      m.name = m.key.find('\\') == std::string::npos ? m.key.substr(1, m.key.size() - 2)
                                                      : nlohmann::json::parse(m.key).get<std::string>();
      space();
      ++p_;  // ':'
      space();
      const char* v = p_;
      skip_value();
      m.value.assign(v, p_);
      out.push_back(std::move(m));
      space();
      if (p_ >= end_ || *p_++ != ',') return out;  // '}'
    }
  }

 private:
  void space() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\r' || *p_ == '\n')) ++p_;
  }
  void skip_string() {
    ++p_;  // '"'
    while (p_ < end_ && *p_ != '"') p_ += *p_ == '\\' ? 2 : 1;
    ++p_;
  }
  void skip_value() {
    if (*p_ == '"') return skip_string();
    if (*p_ == '{' || *p_ == '[') {
      int depth = 0;
      do {
        if (*p_ == '"') {
          skip_string();
          continue;
        }
        depth += (*p_ == '{' || *p_ == '[') - (*p_ == '}' || *p_ == ']');
        ++p_;
      } while (p_ < end_ && depth > 0);
      return;
    }
    while (p_ < end_ && *p_ != ',' && *p_ != '}' && *p_ != ' ' && *p_ != '\t' && *p_ != '\r' && *p_ != '\n') ++p_;
  }

  const char* p_;
  const char* end_;
};

// The JSON text of a known value of `p` ("" when `p` has none), in its shortest exact form.
std::string known_value(const Prediction& p, std::string_view name) {
  std::string s;
  if (name == "au" && p.au) put_array(s, *p.au);
  else if (name == "au_prob" && p.au_prob) put_array(s, *p.au_prob);
  else if (name == "ex" && p.ex) s = std::to_string(*p.ex);
  else if (name == "ex_prob" && p.ex_prob) put_array(s, *p.ex_prob);
  else if (name == "va" && p.va) put_array(s, *p.va);
  else if (name == "au_thresholds" && p.au_thresholds) put_array(s, *p.au_thresholds);
  else if (name == "ex_offsets" && p.ex_offsets) put_array(s, *p.ex_offsets);
  return s;
}

// Whether `name`'s value is the same in `a` and `b`.
bool same_value(const Prediction& a, const Prediction& b, std::string_view name) {
  if (name == "au") return a.au == b.au;
  if (name == "au_prob") return a.au_prob == b.au_prob;
  if (name == "ex") return a.ex == b.ex;
  if (name == "ex_prob") return a.ex_prob == b.ex_prob;
  if (name == "au_thresholds") return a.au_thresholds == b.au_thresholds;
  if (name == "ex_offsets") return a.ex_offsets == b.ex_offsets;
  return a.va == b.va;
}

constexpr std::array<std::string_view, 7> kKnownKeys = {"au", "au_prob", "au_thresholds", "ex",
                                                        "ex_prob", "ex_offsets", "va"};

bool is_known(std::string_view name) {
  return std::find(kKnownKeys.begin(), kKnownKeys.end(), name) != kKnownKeys.end();
}

size_t known_index(std::string_view name) {
  return static_cast<size_t>(std::find(kKnownKeys.begin(), kKnownKeys.end(), name) - kKnownKeys.begin());
}

// The line of a prediction read with its text: see PredictionText. A known key added since goes
// where format_prediction puts it: the thresholds right after their task's probabilities (or
// decisions), so that a line decided again reads as one mtl-predict writes; the others at the end.
std::string format_with_text(const Prediction& p, const PredictionText& t) {
  std::string s = "{";
  unsigned written = 0;  // the known keys written, by their index in kKnownKeys
  std::array<std::string_view, kKnownKeys.size()> read{};  // each known key's value text (the last, if repeated)
  unsigned in_text = 0;
  for (const auto& m : t.members)
    if (const size_t i = known_index(m.name); i < kKnownKeys.size()) read[i] = m.value, in_text |= 1u << i;
  auto add = [&](std::string_view key, std::string_view value) {
    if (s.size() > 1) s += ',';
    s.append(key).append(":").append(value);
  };
  // After `name` is written: the thresholds anchored to it that the text lacks.
  auto add_anchored = [&](std::string_view name) {
    for (auto [key, prob, decision] : {std::tuple{"au_thresholds", "au_prob", "au"}, std::tuple{"ex_offsets", "ex_prob", "ex"}}) {
      const size_t k = known_index(key);
      const bool anchor = name == prob || (name == decision && !(in_text & (1u << known_index(prob))));
      if (!anchor || (in_text & (1u << k)) || (written & (1u << k))) continue;
      const std::string now = known_value(p, key);
      if (now.empty()) continue;
      add("\"" + std::string(key) + "\"", now);
      written |= 1u << k;
    }
  };
  for (const auto& m : t.members) {
    if (m.name == "image" && p.image != t.as_read.image) {
      add(m.key, nlohmann::json(p.image).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    } else if (!is_known(m.name)) {
      add(m.key, m.value);
    } else {
      const auto i = static_cast<unsigned>(std::find(kKnownKeys.begin(), kKnownKeys.end(), m.name) - kKnownKeys.begin());
      if (written & (1u << i)) continue;  // a guard: the parser refuses a key given twice
      written |= 1u << i;
      const std::string now = known_value(p, m.name);
      if (now.empty()) continue;  // taken out
      add(m.key, same_value(p, t.as_read, m.name) ? read[i] : std::string_view(now));
      add_anchored(m.name);
    }
  }
  for (unsigned i = 0; i < kKnownKeys.size(); ++i) {
    if (written & (1u << i)) continue;
    const std::string now = known_value(p, kKnownKeys[i]);
    if (!now.empty()) add("\"" + std::string(kKnownKeys[i]) + "\"", now);
  }
  return s + "}";
}

}  // namespace

std::string format_prediction(const Prediction& p) {
  if (p.text) return format_with_text(p, *p.text);
  std::string s = "{\"image\":";
  s += nlohmann::json(p.image).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (p.au) {
    s += ",\"au\":";
    put_array(s, *p.au);
  }
  if (p.au_prob) {
    s += ",\"au_prob\":";
    put_array(s, *p.au_prob);
  }
  if (p.au_thresholds) {
    s += ",\"au_thresholds\":";
    put_array(s, *p.au_thresholds);
  }
  if (p.ex) {
    s += ",\"ex\":" + std::to_string(*p.ex);
  }
  if (p.ex_prob) {
    s += ",\"ex_prob\":";
    put_array(s, *p.ex_prob);
  }
  if (p.ex_offsets) {
    s += ",\"ex_offsets\":";
    put_array(s, *p.ex_offsets);
  }
  if (p.va) {
    s += ",\"va\":";
    put_array(s, *p.va);
  }
  s += '}';
  return s;
}

namespace {

// The checked parse of one line, through nlohmann/json: every error message comes from here.
Prediction parse_line_checked(const std::string& line, const std::string& name, int lineno) {
  nlohmann::json j;
  try {
    j = parse_json_unique(line);
  } catch (const DuplicateKey& e) {  // nlohmann would keep the last value
    fail(name, lineno, std::string("invalid JSON: ") + e.what());
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for a number past double's range
    fail(name, lineno, std::string("invalid JSON: ") + e.what());
  }
  if (!j.is_object()) fail(name, lineno, "expected a JSON object");
  if (!j.contains("image") || !j["image"].is_string()) fail(name, lineno, "missing \"image\" string");
  Prediction p;
  p.line = lineno;
  p.image = j["image"].get<std::string>();
  if (j.contains("au")) {
    const auto& v = get_array<kNumAU>(j, "au", name, lineno);
    p.au.emplace();
    for (int i = 0; i < kNumAU; ++i) {
      const long long k = get_integer(v[i]);
      if (k != 0 && k != 1) fail(name, lineno, "\"au\" entries must be the integers 0 or 1");
      (*p.au)[i] = static_cast<int>(k);
    }
  }
  if (j.contains("au_prob")) p.au_prob = get_floats<kNumAU>(j, "au_prob", name, lineno);
  if (j.contains("ex")) {
    const long long k = get_integer(j["ex"]);
    if (k < 0 || k >= kNumEX) fail(name, lineno, "\"ex\" must be an integer class code 0-7, not " + j["ex"].dump());
    p.ex = static_cast<int>(k);
  }
  if (j.contains("ex_prob")) p.ex_prob = get_floats<kNumEX>(j, "ex_prob", name, lineno);
  if (j.contains("va")) p.va = get_floats<2>(j, "va", name, lineno);
  if (j.contains("au_thresholds")) p.au_thresholds = get_floats<kNumAU>(j, "au_thresholds", name, lineno);
  if (j.contains("ex_offsets")) p.ex_offsets = get_floats<kNumEX>(j, "ex_offsets", name, lineno);
  return p;
}

// The quick parse of the lines mtl-predict writes: an object whose values are strings without
// escapes, integers, or arrays of plain numbers, each key at most once. Returns false for anything
// else (escapes, nesting, an invalid value), which the checked parse then reads or reports.
class QuickLine {
 public:
  explicit QuickLine(std::string_view s) : p_(s.data()), end_(s.data() + s.size()) {}

  bool parse(Prediction& out) {
    if (!take('{')) return false;
    bool image = false;
    unsigned seen = 0;
    std::array<std::string_view, 16> others;  // the other keys seen, to find one given twice
    size_t n_others = 0;
    if (peek() == '}') return false;  // no "image"
    for (;;) {
      std::string_view key;
      if (!string(key) || !take(':')) return false;
      const unsigned bit = key == "image" ? 1 : key == "au" ? 2 : key == "au_prob" ? 4 : key == "ex" ? 8
                         : key == "ex_prob" ? 16 : key == "va" ? 32 : key == "au_thresholds" ? 64
                         : key == "ex_offsets" ? 128 : 0;
      if (bit & seen) return false;  // a repeated key: the checked parse says which
      seen |= bit;
      if (!bit) {
        if (n_others == others.size() || std::find(others.begin(), others.begin() + n_others, key) != others.begin() + n_others)
          return false;  // given twice, or so many keys that the checked parse may look
        others[n_others++] = key;
      }
      bool ok = true;
      if (bit == 1) {
        std::string_view v;
        ok = image = string(v);
        out.image.assign(v);
      } else if (bit == 2) {
        auto& a = out.au.emplace();
        ok = take('[');
        for (int i = 0; ok && i < kNumAU; ++i)
          ok = integer(a[i]) && (a[i] == 0 || a[i] == 1) && take(i + 1 < kNumAU ? ',' : ']');
      } else if (bit == 4) {
        ok = numbers(out.au_prob.emplace());
      } else if (bit == 8) {
        int k = -1;
        ok = integer(k) && k >= 0 && k < kNumEX;
        out.ex = k;
      } else if (bit == 16) {
        ok = numbers(out.ex_prob.emplace());
      } else if (bit == 32) {
        ok = numbers(out.va.emplace());
      } else if (bit == 64) {
        ok = numbers(out.au_thresholds.emplace());
      } else if (bit == 128) {
        ok = numbers(out.ex_offsets.emplace());
      } else {
        ok = skip_value();
      }
      if (!ok) return false;
      if (take(',')) continue;
      if (!take('}')) return false;
      skip_space();
      return image && p_ == end_;
    }
  }

 private:
  void skip_space() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t')) ++p_;
  }
  char peek() {
    skip_space();
    return p_ < end_ ? *p_ : '\0';
  }
  bool take(char c) {
    if (peek() != c) return false;
    ++p_;
    return true;
  }
  bool string(std::string_view& v) {
    if (!take('"')) return false;
    const char* b = p_;
    while (p_ < end_ && *p_ != '"') {
      if (*p_ == '\\' || static_cast<unsigned char>(*p_) < 0x20) return false;
      ++p_;
    }
    if (p_ == end_) return false;
    v = std::string_view(b, static_cast<size_t>(p_ - b));
    ++p_;
    return true;
  }
  // The end of the JSON number at p_ (-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?), or
  // null when there is none: "01", "1.", ".5" and "+1", which from_chars reads, are not JSON.
  // `integral`: whether it has neither fraction nor exponent.
  const char* json_number_end(bool& integral) const {
    const char* q = p_;
    auto digits = [&] {
      const char* b = q;
      while (q < end_ && *q >= '0' && *q <= '9') ++q;
      return q > b;
    };
    if (q < end_ && *q == '-') ++q;
    if (q < end_ && *q == '0') ++q;
    else if (!(q < end_ && *q >= '1' && *q <= '9') || !digits()) return nullptr;
    integral = true;
    if (q < end_ && *q == '.') {
      ++q;
      if (!digits()) return nullptr;
      integral = false;
    }
    if (q < end_ && (*q == 'e' || *q == 'E')) {
      ++q;
      if (q < end_ && (*q == '+' || *q == '-')) ++q;
      if (!digits()) return nullptr;
      integral = false;
    }
    return q;
  }
  bool integer(int& v) {
    skip_space();
    bool integral = false;
    const char* e = json_number_end(integral);
    if (!e || !integral) return false;
    auto r = std::from_chars(p_, e, v);
    if (r.ec != std::errc() || r.ptr != e) return false;
    p_ = r.ptr;
    return true;
  }
  bool number(float& v) {
    skip_space();
    bool integral = false;
    const char* e = json_number_end(integral);
    if (!e) return false;
    double d;
    auto r = std::from_chars(p_, e, d);
    if (r.ec != std::errc() || r.ptr != e) return false;
    p_ = r.ptr;
    v = static_cast<float>(d);  // as nlohmann reads a double and converts it
    return std::isfinite(v);
  }
  template <size_t N>
  bool numbers(std::array<float, N>& a) {
    if (!take('[')) return false;
    for (size_t i = 0; i < N; ++i)
      if (!number(a[i]) || !take(i + 1 < N ? ',' : ']')) return false;
    return true;
  }
  bool skip_value() {  // a string, a number or an array of numbers
    const char c = peek();
    if (c == '"') {
      std::string_view v;
      return string(v);
    }
    float f;
    if (c != '[') return number(f);
    ++p_;
    if (take(']')) return true;
    do
      if (!number(f)) return false;
    while (take(','));
    return take(']');
  }

  const char* p_;
  const char* end_;
};

}  // namespace

Prediction parse_prediction_line(std::string_view line, const std::string& name, int lineno, bool keep_text) {
  Prediction p;
  p.line = lineno;
  if (!QuickLine(line).parse(p)) p = parse_line_checked(std::string(line), name, lineno);
  check_ranges(p, name, lineno);
  if (keep_text) {
    auto t = std::make_shared<PredictionText>();
    t->members = MemberScanner(line).members();
    t->as_read = p;
    p.text = std::move(t);
  }
  return p;
}

std::vector<Prediction> parse_predictions(std::istream& in, const std::string& name) {
  const std::string text = read_text(in, name);
  std::vector<Prediction> out;
  out.reserve(static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
  for_each_line(text, [&](std::string_view line, int lineno) {
    if (line.find_first_not_of(" \t") == std::string_view::npos) return;
    out.push_back(parse_prediction_line(line, name, lineno));
  });
  return out;
}

std::vector<Prediction> read_predictions(const std::string& path) {
  if (path == "-") return parse_predictions(std::cin, "<stdin>");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError(path + ": cannot open: " + std::strerror(errno));
  return parse_predictions(f, path);
}

}  // namespace mtl
