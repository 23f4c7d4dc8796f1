// Unit tests of mtl-faces' frame lines and the face template files (face_lines.cpp).
#include "helpers.h"

#include "mtl/core/face_lines.h"

using namespace mtl;
using namespace mtl_test;

namespace {
std::string line_error(const std::string& text) {
  try {
    parse_face_line(text, "f.jsonl", 7);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}
std::string template_error(const std::string& text) {
  try {
    parse_face_template(text, "t.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}
const std::string kFace =
    R"({"track":2,"box":[1.5,2,30,40.25],"score":0.99,"landmarks":[[1,2],[3,4],[5,6],[7,8],[9,10]],"crop":"v_t2/00003.jpg"})";
}  // namespace

BOOST_AUTO_TEST_CASE(face_line_written_and_read_back) {
  FaceFrame f;
  f.video = "clip \"A\"";
  f.frame = 3;
  f.time = 0.125;
  FaceRecord r;
  r.track = 2;
  r.box = {1.5f, 2, 30, 40.25f};
  r.score = 0.5f;
  r.landmarks = {{{1, 2}, {3, 4}, {5, 6}, {7, 8}, {9, 10}}};
  r.crop = "clip/00003.jpg";
  f.faces.push_back(r);
  const std::string text = format_face_frame(f);
  BOOST_TEST(text ==
             R"({"video":"clip \"A\"","frame":3,"time":0.125,"faces":[{"track":2,"box":[1.5,2,30,40.25],"score":0.5,)"
             R"("landmarks":[[1,2],[3,4],[5,6],[7,8],[9,10]],"crop":"clip/00003.jpg"}]})");
  const FaceFrame g = parse_face_line(text, "x", 1);
  BOOST_TEST(g.video == f.video);
  BOOST_TEST(g.frame == 3);
  BOOST_TEST(*g.time == 0.125);
  BOOST_TEST(g.faces.size() == 1u);
  BOOST_TEST(g.faces[0].landmarks[4].y == 10.0f);
  BOOST_TEST(g.faces[0].crop == "clip/00003.jpg");
  // A frame without a face, and a photo (no time).
  FaceFrame none;
  none.video = "p";
  none.frame = 1;
  BOOST_TEST(format_face_frame(none) == R"({"video":"p","frame":1,"time":null,"faces":[]})");
  const FaceFrame back = parse_face_line(format_face_frame(none), "x", 1);
  BOOST_TEST(!back.time.has_value());
  BOOST_TEST(back.faces.empty());
}

BOOST_AUTO_TEST_CASE(face_line_errors_name_file_line_and_key) {
  BOOST_TEST(line_error(R"({"video":"v","frame":1,"faces":[)" + kFace + "]}") == "");
  BOOST_TEST(line_error("{") .rfind("f.jsonl:7: invalid JSON", 0) == 0u);
  BOOST_TEST(line_error(R"({"video":"v","frame":1})") == "f.jsonl:7: not a frame of mtl-faces (no \"faces\")");
  BOOST_TEST(line_error(R"({"video":"v","frame":0,"faces":[]})") == "f.jsonl:7: \"frame\" must be an integer from 1");
  BOOST_TEST(line_error(R"({"video":"v","frame":1,"time":-1,"faces":[]})") == "f.jsonl:7: \"time\" must not be negative");
  BOOST_TEST(line_error(R"({"video":"v","frame":1,"frame":2,"faces":[]})") ==
             "f.jsonl:7: invalid JSON: the key \"frame\" is given twice");
  std::string four_points = kFace;
  four_points.replace(four_points.find(",[9,10]"), 7, "");
  BOOST_TEST(line_error(R"({"video":"v","frame":1,"faces":[)" + four_points + "]}") ==
             "f.jsonl:7: \"landmarks\" must list 5 points [x, y]");
  std::string no_track = kFace;
  no_track.replace(no_track.find("\"track\":2,"), 10, "");
  BOOST_TEST(line_error(R"({"video":"v","frame":1,"faces":[)" + no_track + "]}") == "f.jsonl:7: a face has no \"track\"");
}

BOOST_AUTO_TEST_CASE(face_template_read_and_refused) {
  const FaceTemplate a = arcface_template();
  BOOST_TEST(a.size == 112);
  BOOST_TEST(a.points[2].x == 56.0252f);
  const std::string text = format_face_template(a, 42, "crops/");
  const FaceTemplate b = parse_face_template(text, "t.json");
  BOOST_TEST(b.size == 112);
  for (int i = 0; i < kFaceLandmarks; ++i) {
    BOOST_TEST(b.points[i].x == a.points[i].x);
    BOOST_TEST(b.points[i].y == a.points[i].y);
  }
  BOOST_TEST(text.find("\"faces\": 42") != std::string::npos);
  const std::string head = R"({"format":"mtl-face-template","version":1,)";
  BOOST_TEST(template_error(R"({"format":"mtl-thresholds","version":1})") ==
             "t.json: not a face-template file: \"format\" is not \"mtl-face-template\"");
  BOOST_TEST(template_error(head + R"("size":112,"points":[[1,2],[3,4],[5,6],[7,8],[200,10]]})") ==
             "t.json: a point lies outside the 112x112 crop");
  BOOST_TEST(template_error(head + R"("size":112,"points":[[1,1],[2,2],[3,3],[4,4],[5,5]]})") ==
             "t.json: the five points lie on one line");
  BOOST_TEST(template_error(head + R"("size":8,"points":[[1,2],[3,4],[5,6],[7,8],[2,1]]})") ==
             "t.json: \"size\" must be an integer from 16 to 1024 (the crop's side in pixels)");
  BOOST_TEST(template_error(head + R"("size":112,"points":[[1,2],[3,4]]})") == "t.json: \"points\" must list 5 points [x, y]");
}
