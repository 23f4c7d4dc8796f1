// Predictions as JSON lines: one object per image,
//   {"image": "...", "au": [12 ints 0/1], "au_prob": [12], "ex": k, "ex_prob": [8], "va": [v, a]}
// with the keys of tasks not predicted left out, and the thresholds the line was decided with when
// they are not the plain ones: "au_thresholds": [12] (absent: 0.5 for every AU) and "ex_offsets":
// [8] (absent: the argmax). Other keys are the user's. The one place that reads and writes them.
#pragma once
#include <array>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mtl/core/labels.h"

namespace mtl {

struct PredictionText;

struct Prediction {
  std::string image;
  std::optional<std::array<int, kNumAU>> au;
  std::optional<std::array<float, kNumAU>> au_prob;
  std::optional<int> ex;
  std::optional<std::array<float, kNumEX>> ex_prob;
  std::optional<std::array<float, 2>> va;
  std::optional<std::array<float, kNumAU>> au_thresholds;  // what "au" was decided with (none: 0.5 each)
  std::optional<std::array<float, kNumEX>> ex_offsets;     // what "ex" was decided with (none: the argmax)
  int line = 0;  // line in the file it was read from
  // The line as read, for programs that pass lines on (mtl-smooth, mtl-tune --apply); null for a
  // prediction made here or read without it (parse_prediction_line's keep_text).
  std::shared_ptr<const PredictionText> text;
};

// How a line read spelled its members: each key and its value's text, in their order, and the
// values of the known keys as read. format_prediction writes a prediction that has it member by
// member: keys it does not know (a subject, a timestamp, a face box) as they were, where they were;
// a known value that still equals what was read as it was spelled (0.123456789012 stays so); a
// known value that changed in its shortest exact form; known keys added since at the end.
struct PredictionText {
  struct Member {
    std::string key;    // the key's JSON text, quotes included ("\"subject\"")
    std::string name;   // the key itself ("subject")
    std::string value;  // the value's JSON text ("\"S01\"", "[10,20,30,40]", "0.5")
  };
  std::vector<Member> members;
  Prediction as_read;  // the known values as read (its `text` is null)
};

// The video of an image path: its folder ("vid/00012.jpg" -> "vid", "a/b/7.png" -> "a/b"; "" for a
// path without a folder). s-Aff-Wild2's images are video frames named VIDEO/NNNNN.jpg.
std::string_view video_of(std::string_view image);
// The frame number of an image path: its file name without the extension, when that is all
// decimal digits ("vid/00012.jpg" -> 12); nullopt otherwise (or when it does not fit a long).
std::optional<long> frame_of(std::string_view image);

// Returns the JSON line for `p` (without the newline); floats in their shortest exact form; a
// prediction read with its text keeps what it did not change (see PredictionText).
std::string format_prediction(const Prediction& p);

// Parses one JSON line (not blank) read from line `lineno` of `name`, as parse_predictions does:
// the one parser of a prediction line, for readers that stream. Throws InputError as below.
// With keep_text, the prediction also holds the line's text (PredictionText), for writing it again.
Prediction parse_prediction_line(std::string_view line, const std::string& name, int lineno, bool keep_text = false);

// Parses JSONL predictions from `in` (`name` for messages); blank lines are skipped.
// Throws InputError "name:line: ..." for invalid JSON, a missing "image", or a value of the wrong
// shape (an "au" without 12 entries, an "ex" outside 0-7, ...).
std::vector<Prediction> parse_predictions(std::istream& in, const std::string& name);

// Opens `path` ("-" for stdin) and parses it as above.
std::vector<Prediction> read_predictions(const std::string& path);

}  // namespace mtl
