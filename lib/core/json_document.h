// A small JSON document (a thresholds or smoothing file) parsed whole, with errors that name the
// file and, for bad syntax, the line (private to mtl_core).
#pragma once
#include <stdexcept>
#include <string>
#include <nlohmann/json.hpp>

namespace mtl {

// nlohmann::json::parse, but an object that gives a key twice (where nlohmann keeps the last value)
// throws DuplicateKey naming the key. Other errors as nlohmann::json::parse.
struct DuplicateKey : std::runtime_error {
  explicit DuplicateKey(const std::string& key) : std::runtime_error("the key \"" + key + "\" is given twice") {}
};
nlohmann::json parse_json_unique(const std::string& text);

// Parses `text`, read from `source`. Throws InputError "source: line N: invalid JSON: what" for bad
// syntax, "source: invalid JSON: what" for a number past double's range (1e999), "source: invalid
// JSON: the key "k" is given twice" for a key given twice in one object.
nlohmann::json parse_json_document(const std::string& text, const std::string& source);

// Checks the header every file format of the toolkit carries: an object whose "format" is `format`
// ("mtl-thresholds") and whose integer "version" is `version`. Throws InputError "source: not a KIND
// file: ...", "source: \"version\" is missing or not an integer", or "source: KIND format version V,
// this toolkit reads version W" (KIND: `format` without "mtl-").
void check_document_header(const nlohmann::json& j, const std::string& source, const std::string& format, int version);

// The text of the small file at `path`. Throws InputError "path: cannot open: why", or "path:
// cannot read: Is a directory" for a folder (which would otherwise read as an empty file).
std::string read_document(const std::string& path);

}  // namespace mtl
