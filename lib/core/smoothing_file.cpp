// The smoothing parameters file: read (with messages that name the file and the key) and written.
#include <algorithm>
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "json_document.h"
#include "mtl/core/error.h"
#include "mtl/core/smoothing.h"

namespace mtl {
namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& source, const std::string& what) { throw InputError(source + ": " + what); }

TaskSmoothing task_of(const json& j, const std::string& task, const std::string& source) {
  const std::string at = "\"" + task + "\"";
  if (!j.is_object()) bad(source, at + " must be an object {\"filter\": NAME, \"window\": W}");
  for (const auto& [key, value] : j.items())
    if (key != "filter" && key != "window") bad(source, at + ": unknown key \"" + key + "\"");
  if (!j.contains("filter") || !j["filter"].is_string())
    bad(source, at + ": \"filter\" is missing or not a string (none, mean, median or exp)");
  TaskSmoothing s;
  const auto f = filter_from_name(j["filter"].get<std::string>());
  if (!f) bad(source, at + ": unknown filter " + j["filter"].dump() + " (none, mean, median or exp)");
  s.filter = *f;
  if (!j.contains("window")) {
    if (s.filter != Filter::None) bad(source, at + ": \"window\" is missing");
    return s;
  }
  const json& w = j["window"];
  if (!w.is_number_integer()) bad(source, at + ": \"window\" = " + w.dump() + " is not an integer");
  const auto win = w.is_number_unsigned() ? std::min<uint64_t>(w.get<uint64_t>(), INT64_MAX) : w.get<int64_t>();
  if (win < 1 || win > kMaxSmoothingWindow || win % 2 == 0)
    bad(source, at + ": \"window\" = " + w.dump() + " must be an odd number of frames from 1 to " +
                    std::to_string(kMaxSmoothingWindow));
  s.window = static_cast<int>(win);
  return s;
}

nlohmann::ordered_json task_json(const TaskSmoothing& s) {
  nlohmann::ordered_json j;
  j["filter"] = filter_name(s.filter);
  j["window"] = s.window;
  return j;
}

}  // namespace

Smoothing parse_smoothing(const std::string& text, const std::string& source) {
  json j = parse_json_document(text, source);
  check_document_header(j, source, "mtl-smoothing", kSmoothingFormatVersion);
  Smoothing s;
  for (const auto& [key, value] : j.items()) {
    if (key == "au")
      s.au = task_of(value, key, source);
    else if (key == "ex")
      s.ex = task_of(value, key, source);
    else if (key == "va")
      s.va = task_of(value, key, source);
    else if (key == "tuning" && !value.is_object())
      bad(source, "\"tuning\" must be an object");
    else if (key != "format" && key != "version" && key != "tuning")
      bad(source, "unknown key \"" + key + "\"");
  }
  return s;
}

Smoothing read_smoothing(const std::string& path) { return parse_smoothing(read_document(path), path); }

namespace {

nlohmann::ordered_json record_json(const TuningRecord& r) {
  nlohmann::ordered_json j;
  j["predictions"] = r.predictions;
  j["truth"] = r.truth;
  j["thresholds"] = r.thresholds.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(r.thresholds);
  j["filters"] = nlohmann::ordered_json::array();
  for (Filter f : r.search.filters) j["filters"].push_back(filter_name(f));
  j["windows"] = r.search.windows;
  j["tolerance"] = r.search.tolerance;
  auto task = [](const TaskTuning& t) {
    nlohmann::ordered_json o;
    o["rows"] = t.rows;
    o["before"] = t.before ? nlohmann::ordered_json(*t.before) : nlohmann::ordered_json();
    o["after"] = t.after ? nlohmann::ordered_json(*t.after) : nlohmann::ordered_json();
    return o;
  };
  j["P_AU"] = task(r.result.au);
  j["P_EX"] = task(r.result.ex);
  j["P_VA"] = task(r.result.va);
  return j;
}

}  // namespace

std::string smoothing_json(const Smoothing& s, const TuningRecord* record) {
  nlohmann::ordered_json j;  // keys in the order written here, for a person reading the file
  j["format"] = "mtl-smoothing";
  j["version"] = kSmoothingFormatVersion;
  j["au"] = task_json(s.au);
  j["ex"] = task_json(s.ex);
  j["va"] = task_json(s.va);
  if (record) j["tuning"] = record_json(*record);
  return j.dump() + "\n";
}

}  // namespace mtl
