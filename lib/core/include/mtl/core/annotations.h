// Readers of the outside input lists: the ABAW MTL annotation file and a plain list of image paths.
// This is the one place where those formats are parsed. No LibTorch here.
#pragma once
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "mtl/core/labels.h"

namespace mtl {

// One image named by an input list, with its labels (all missing for a plain list).
struct InputImage {
  std::string path;  // as written in the input, relative to the image root
  Labels labels;
  int line = 0;  // 1-based line in the input, for messages
};

struct InputList {
  std::vector<InputImage> images;
  bool labelled = false;  // true for an ABAW annotation file
  std::string name;       // the file it was read from ("<stdin>"), for messages
};

// Parses an ABAW MTL annotation file (a first line whose first field is "image") or a plain list
// of paths (one per line) from `in`; `name` is used in messages. CRLF and blank lines are accepted.
// Throws InputError "name:line: what is wrong" on a malformed row or an image listed twice.
InputList parse_input_list(std::istream& in, const std::string& name);

// True when `path` is relative and no ".." component climbs above the folder it is relative to
// ("a/../b.jpg" stays inside; "../b.jpg" and "/b.jpg" do not). Lexical: symbolic links are not followed.
bool path_stays_inside(std::string_view path);

// Opens `path` ("-" for stdin) and parses it as above. Throws InputError if it cannot be opened.
InputList read_input_list(const std::string& path);

// Parses one row of an annotation file ("video/frame.jpg,v,a,ex,AU1,...,AU26"). Throws InputError
// naming `name:line` and the faulty field.
InputImage parse_annotation_row(std::string_view row, const std::string& name, int line);

// The length of the valid UTF-8 prefix of `s` (s.size() when it is all valid): no overlong forms,
// no surrogates, nothing past U+10FFFF. Image paths and file names go into JSON, which holds UTF-8.
size_t valid_utf8_prefix(std::string_view s);

}  // namespace mtl
