// mtl-faces' frame lines and the face template files: the one reader and writer of each.
#include "mtl/core/face_lines.h"

#include <charconv>
#include <cmath>
#include <iostream>
#include <limits>
#include <sstream>

#include "json_document.h"
#include "mtl/core/error.h"

namespace mtl {
namespace {

using nlohmann::json;

void put_number(std::string& s, double v) {
  char buf[40];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  s.append(buf, r.ptr);
}

void put_float(std::string& s, float v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  s.append(buf, r.ptr);
}

void put_point(std::string& s, const Point2& p) {
  s += '[';
  put_float(s, p.x);
  s += ',';
  put_float(s, p.y);
  s += ']';
}

// A finite number read from `j`, or InputError "where: KEY must be a finite number".
double number(const json& j, const std::string& where, const char* key) {
  if (!j.is_number() || !std::isfinite(j.get<double>())) throw InputError(where + ": \"" + key + "\" must be a finite number");
  return j.get<double>();
}

// A number that a float holds (coordinates, scores), or InputError as above.
float single(const json& j, const std::string& where, const char* key) {
  const double v = number(j, where, key);
  if (std::abs(v) > std::numeric_limits<float>::max()) throw InputError(where + ": \"" + key + "\" holds a number past a float's range");
  return static_cast<float>(v);
}

Point2 point(const json& j, const std::string& where, const char* key) {
  if (!j.is_array() || j.size() != 2) throw InputError(where + ": each of \"" + key + "\" must be a pair [x, y]");
  return {single(j[0], where, key), single(j[1], where, key)};
}

std::array<Point2, kFaceLandmarks> five_points(const json& j, const std::string& where, const char* key) {
  if (!j.is_array() || j.size() != kFaceLandmarks)
    throw InputError(where + ": \"" + key + "\" must list " + std::to_string(kFaceLandmarks) + " points [x, y]");
  std::array<Point2, kFaceLandmarks> p;
  for (int i = 0; i < kFaceLandmarks; ++i) p[i] = point(j[i], where, key);
  return p;
}

FaceRecord parse_face(const json& j, const std::string& where) {
  if (!j.is_object()) throw InputError(where + ": each of \"faces\" must be an object");
  FaceRecord f;
  for (const char* key : {"track", "box", "score", "landmarks"})
    if (!j.contains(key)) throw InputError(where + ": a face has no \"" + key + "\"");
  if (!j["track"].is_number_integer() || j["track"].get<int64_t>() < 1 || j["track"].get<int64_t>() > 1000000000)
    throw InputError(where + ": \"track\" must be an integer from 1");
  f.track = int(j["track"].get<int64_t>());
  const json& box = j["box"];
  if (!box.is_array() || box.size() != 4) throw InputError(where + ": \"box\" must be [x1, y1, x2, y2]");
  for (int i = 0; i < 4; ++i) f.box[i] = single(box[i], where, "box");
  f.score = single(j["score"], where, "score");
  f.landmarks = five_points(j["landmarks"], where, "landmarks");
  if (j.contains("crop")) {
    if (!j["crop"].is_string()) throw InputError(where + ": \"crop\" must be a string");
    f.crop = j["crop"].get<std::string>();
  }
  return f;
}

}  // namespace

std::string format_face_frame(const FaceFrame& f) {
  std::string s = "{\"video\":" + json(f.video).dump() + ",\"frame\":" + std::to_string(f.frame) + ",\"time\":";
  if (f.time)
    put_number(s, *f.time);
  else
    s += "null";
  s += ",\"faces\":[";
  for (size_t i = 0; i < f.faces.size(); ++i) {
    const FaceRecord& r = f.faces[i];
    if (i) s += ',';
    s += "{\"track\":" + std::to_string(r.track) + ",\"box\":[";
    for (int k = 0; k < 4; ++k) {
      if (k) s += ',';
      put_float(s, r.box[k]);
    }
    s += "],\"score\":";
    put_float(s, r.score);
    s += ",\"landmarks\":[";
    for (int k = 0; k < kFaceLandmarks; ++k) {
      if (k) s += ',';
      put_point(s, r.landmarks[k]);
    }
    s += ']';
    if (!r.crop.empty()) s += ",\"crop\":" + json(r.crop).dump();
    s += '}';
  }
  s += "]}";
  return s;
}

FaceFrame parse_face_line(std::string_view line, const std::string& name, int lineno) {
  const std::string where = name + ":" + std::to_string(lineno);
  json j;
  try {
    j = parse_json_unique(std::string(line));
  } catch (const DuplicateKey& e) {
    throw InputError(where + ": invalid JSON: " + e.what());
  } catch (const json::exception& e) {
    const std::string what = e.what();
    const size_t end = what.find("] ");
    throw InputError(where + ": invalid JSON: " + (end == std::string::npos ? what : what.substr(end + 2)));
  }
  if (!j.is_object()) throw InputError(where + ": not a frame of mtl-faces (not a JSON object)");
  for (const char* key : {"video", "frame", "faces"})
    if (!j.contains(key)) throw InputError(where + ": not a frame of mtl-faces (no \"" + std::string(key) + "\")");
  FaceFrame f;
  f.line = lineno;
  if (!j["video"].is_string()) throw InputError(where + ": \"video\" must be a string");
  f.video = j["video"].get<std::string>();
  if (!j["frame"].is_number_integer() || j["frame"].get<int64_t>() < 1)
    throw InputError(where + ": \"frame\" must be an integer from 1");
  f.frame = long(j["frame"].get<int64_t>());
  if (j.contains("time") && !j["time"].is_null()) {
    f.time = number(j["time"], where, "time");
    if (*f.time < 0) throw InputError(where + ": \"time\" must not be negative");
  }
  if (!j["faces"].is_array()) throw InputError(where + ": \"faces\" must be a list");
  for (const json& face : j["faces"]) f.faces.push_back(parse_face(face, where));
  return f;
}

std::vector<FaceFrame> parse_face_lines(std::istream& in, const std::string& name) {
  std::vector<FaceFrame> out;
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    out.push_back(parse_face_line(line, name, lineno));
  }
  if (in.bad()) throw InputError(name + ": cannot read");
  return out;
}

std::vector<FaceFrame> read_face_lines(const std::string& path) {
  if (path == "-") return parse_face_lines(std::cin, "<stdin>");
  std::stringstream text(read_document(path));
  return parse_face_lines(text, path);
}

FaceTemplate arcface_template() {
  FaceTemplate t;
  t.size = 112;
  t.name = "arcface";
  t.points = {{{38.2946f, 51.6963f}, {73.5318f, 51.5014f}, {56.0252f, 71.7366f}, {41.5493f, 92.3655f}, {70.7299f, 92.2041f}}};
  return t;
}

FaceTemplate parse_face_template(std::string_view text, const std::string& name) {
  const json j = parse_json_document(std::string(text), name);
  check_document_header(j, name, "mtl-face-template", 1);
  FaceTemplate t;
  t.name = name;
  if (!j.contains("size") || !j["size"].is_number_integer() || j["size"].get<int64_t>() < 16 || j["size"].get<int64_t>() > 1024)
    throw InputError(name + ": \"size\" must be an integer from 16 to 1024 (the crop's side in pixels)");
  t.size = int(j["size"].get<int64_t>());
  if (!j.contains("points")) throw InputError(name + ": no \"points\"");
  t.points = five_points(j["points"], name, "points");
  for (const Point2& p : t.points)
    if (p.x < 0 || p.y < 0 || p.x > t.size || p.y > t.size)
      throw InputError(name + ": a point lies outside the " + std::to_string(t.size) + "x" + std::to_string(t.size) + " crop");
  // Five points on one line (or on one spot) give no similarity transform.
  double area2 = 0;
  for (int i = 1; i + 1 < kFaceLandmarks; ++i)
    area2 += std::abs((t.points[i].x - t.points[0].x) * (t.points[i + 1].y - t.points[0].y) -
                      (t.points[i + 1].x - t.points[0].x) * (t.points[i].y - t.points[0].y));
  if (area2 < 1e-3) throw InputError(name + ": the five points lie on one line");
  return t;
}

FaceTemplate read_face_template(const std::string& path) { return parse_face_template(read_document(path), path); }

std::string format_face_template(const FaceTemplate& t, long faces, const std::string& fitted_from) {
  std::string s = "{\n  \"format\": \"mtl-face-template\",\n  \"version\": 1,\n  \"size\": " + std::to_string(t.size) +
                  ",\n  \"points\": [";
  for (int k = 0; k < kFaceLandmarks; ++k) {
    if (k) s += ", ";
    put_point(s, t.points[k]);
  }
  s += "],\n  \"landmarks\": [\"left_eye\", \"right_eye\", \"nose\", \"left_mouth\", \"right_mouth\"],\n";
  s += "  \"fitted_from\": " + json(fitted_from).dump() + ",\n  \"faces\": " + std::to_string(faces) + "\n}\n";
  return s;
}

}  // namespace mtl
