// Parsing a JSON document with messages that say where it is wrong.
#include "json_document.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_set>
#include <vector>

#include "mtl/core/error.h"

namespace mtl {
namespace {

// The 1-based line of byte offset `at` in `text`.
int line_of(const std::string& text, size_t at) {
  int line = 1;
  for (size_t i = 0; i < at && i < text.size(); ++i) line += text[i] == '\n';
  return line;
}

}  // namespace

nlohmann::json parse_json_unique(const std::string& text) {
  std::vector<std::unordered_set<std::string>> keys;  // per open object or array: the keys seen so far
  return nlohmann::json::parse(text, [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (event == E::object_start || event == E::array_start) keys.emplace_back();
    else if (event == E::object_end || event == E::array_end) keys.pop_back();
    else if (event == E::key && !keys.empty()) {
      std::string k = parsed.get<std::string>();
      if (!keys.back().insert(k).second) throw DuplicateKey(k);
    }
    return true;
  });
}

nlohmann::json parse_json_document(const std::string& text, const std::string& source) {
  try {
    return parse_json_unique(text);
  } catch (const DuplicateKey& e) {
    throw InputError(source + ": invalid JSON: " + e.what());
  } catch (const nlohmann::json::parse_error& e) {
    // nlohmann's message: "[json.exception.parse_error.101] parse error at line 1, column 5: what".
    const std::string what = e.what();
    const size_t column = what.find(", column ");
    const size_t colon = column == std::string::npos ? column : what.find(": ", column);
    throw InputError(source + ": line " + std::to_string(line_of(text, e.byte == 0 ? 0 : e.byte - 1)) +
                     ": invalid JSON" + (colon == std::string::npos ? std::string() : what.substr(colon)));
  } catch (const nlohmann::json::exception& e) {
    // A number past double's range (out_of_range.406: "number overflow parsing '1e999'"), without a place.
    const std::string what = e.what();
    const size_t end = what.find("] ");
    throw InputError(source + ": invalid JSON: " + (end == std::string::npos ? what : what.substr(end + 2)));
  }
}

void check_document_header(const nlohmann::json& j, const std::string& source, const std::string& format, int version) {
  const std::string kind = format.compare(0, 4, "mtl-") == 0 ? format.substr(4) : format;
  if (!j.is_object()) throw InputError(source + ": not a " + kind + " file: the JSON is not an object");
  if (!j.contains("format") || j["format"] != format)
    throw InputError(source + ": not a " + kind + " file: \"format\" is not \"" + format + "\"");
  if (!j.contains("version") || !j["version"].is_number_integer())
    throw InputError(source + ": \"version\" is missing or not an integer");
  if (j["version"].get<int64_t>() != version)
    throw InputError(source + ": " + kind + " format version " + j["version"].dump() + ", this toolkit reads version " +
                     std::to_string(version));
}

std::string read_document(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open: " + std::strerror(errno));
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw InputError(path + ": cannot read: " + std::strerror(EISDIR));
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) throw InputError(path + ": cannot read: " + std::strerror(errno));
  return s.str();
}

}  // namespace mtl
