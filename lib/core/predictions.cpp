// Reading and writing prediction JSON lines.
#include "mtl/core/predictions.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "mtl/core/error.h"

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

template <size_t N, typename T>
std::array<T, N> get_array(const nlohmann::json& j, const char* key, const std::string& name, int line) {
  const auto& v = j.at(key);
  if (!v.is_array() || v.size() != N)
    fail(name, line, std::string("\"") + key + "\" must be an array of " + std::to_string(N) + " numbers");
  std::array<T, N> out{};
  for (size_t i = 0; i < N; ++i) {
    if (!v[i].is_number()) fail(name, line, std::string("\"") + key + "\" holds a value that is not a number");
    out[i] = v[i].get<T>();
  }
  return out;
}

}  // namespace

std::string format_prediction(const Prediction& p) {
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
  if (p.ex) {
    s += ",\"ex\":" + std::to_string(*p.ex);
  }
  if (p.ex_prob) {
    s += ",\"ex_prob\":";
    put_array(s, *p.ex_prob);
  }
  if (p.va) {
    s += ",\"va\":";
    put_array(s, *p.va);
  }
  s += '}';
  return s;
}

std::vector<Prediction> parse_predictions(std::istream& in, const std::string& name) {
  std::vector<Prediction> out;
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      fail(name, lineno, std::string("invalid JSON: ") + e.what());
    }
    if (!j.is_object()) fail(name, lineno, "expected a JSON object");
    if (!j.contains("image") || !j["image"].is_string()) fail(name, lineno, "missing \"image\" string");
    Prediction p;
    p.line = lineno;
    p.image = j["image"].get<std::string>();
    if (j.contains("au")) {
      p.au = get_array<kNumAU, int>(j, "au", name, lineno);
      for (int v : *p.au)
        if (v != 0 && v != 1) fail(name, lineno, "\"au\" entries must be 0 or 1");
    }
    if (j.contains("au_prob")) p.au_prob = get_array<kNumAU, float>(j, "au_prob", name, lineno);
    if (j.contains("ex")) {
      if (!j["ex"].is_number_integer()) fail(name, lineno, "\"ex\" must be an integer class code 0-7");
      int k = j["ex"].get<int>();
      if (k < 0 || k >= kNumEX) fail(name, lineno, "\"ex\" must be an integer class code 0-7, got " + std::to_string(k));
      p.ex = k;
    }
    if (j.contains("ex_prob")) p.ex_prob = get_array<kNumEX, float>(j, "ex_prob", name, lineno);
    if (j.contains("va")) p.va = get_array<2, float>(j, "va", name, lineno);
    out.push_back(std::move(p));
  }
  if (in.bad()) throw InputError(name + ": read error");
  return out;
}

std::vector<Prediction> read_predictions(const std::string& path) {
  if (path == "-") return parse_predictions(std::cin, "<stdin>");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError(path + ": cannot open: " + std::strerror(errno));
  return parse_predictions(f, path);
}

}  // namespace mtl
