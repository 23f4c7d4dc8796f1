// mtl-faces' output, one JSON line per frame it looked at:
//   {"video": "clip", "frame": 12, "time": 0.4588, "faces": [
//      {"track": 1, "box": [x1, y1, x2, y2], "score": 0.998, "landmarks": [[x, y] x 5],
//       "crop": "clip/00012.jpg"}]}
// "time" is null for a photo; "faces" is empty for a frame without a face (and then no crop was
// written); "crop" is the crop's path relative to the output folder, as the list file and
// mtl-predict's "image" spell it. Coordinates are pixels of the original frame; the landmarks are
// the two eyes, the nose and the two mouth corners, image left before image right.
// Also the face template files (mtl-formats(5)): the five landmark positions in a crop of a
// given size. The one place that reads and writes both.
#pragma once
#include <array>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtl {

inline constexpr int kFaceLandmarks = 5;

struct Point2 {
  float x = 0, y = 0;
};

struct FaceRecord {
  int track = 0;                                // 1, 2, ... in the order tracks first appear in a video
  std::array<float, 4> box{};                   // x1, y1, x2, y2
  float score = 0;
  std::array<Point2, kFaceLandmarks> landmarks{};
  std::string crop;                             // relative to the output folder
};

struct FaceFrame {
  std::string video;
  long frame = 0;                               // from 1
  std::optional<double> time;                   // seconds from the video's start; none for a photo
  std::vector<FaceRecord> faces;
  int line = 0;                                 // where it was read (messages)
};

// The JSON line for `f` (without the newline).
std::string format_face_frame(const FaceFrame& f);

// Parses one line of mtl-faces' output; throws InputError "name:line: ..." naming what is wrong.
FaceFrame parse_face_line(std::string_view line, const std::string& name, int lineno);

// Every non-blank line of `in`, in order.
std::vector<FaceFrame> parse_face_lines(std::istream& in, const std::string& name);
// Opens `path` ("-": stdin) and parses it as above.
std::vector<FaceFrame> read_face_lines(const std::string& path);

// A face template: where the five landmarks go in a `size` x `size` crop.
struct FaceTemplate {
  int size = 112;
  std::array<Point2, kFaceLandmarks> points{};
  std::string name;  // "arcface", or the file it was read from
};

// The standard 5-point template of 112 x 112 face crops (ArcFace's).
FaceTemplate arcface_template();

// The template file, JSON: {"format": "mtl-face-template", "version": 1, "size": 112,
// "points": [[x, y] x 5], ...} (other keys are kept for the reader: "fitted_from", "faces").
// Throws InputError naming the file and what is wrong (points outside the crop, not five, ...).
FaceTemplate parse_face_template(std::string_view text, const std::string& name);
FaceTemplate read_face_template(const std::string& path);
// Its text, with the count of faces it was fitted from and their source (a folder).
std::string format_face_template(const FaceTemplate& t, long faces, const std::string& fitted_from);

}  // namespace mtl
