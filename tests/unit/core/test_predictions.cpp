// Unit tests of prediction lines and the truth table (predictions.cpp, score.cpp).
#include "helpers.h"

#include "mtl/core/predictions.h"
#include "mtl/core/score.h"
#include "mtl/core/thresholds.h"

using namespace mtl;
using namespace mtl_test;

BOOST_AUTO_TEST_CASE(prediction_lines_round_trip) {
  Prediction p;
  p.image = "v/1 \"q\".jpg";
  p.au = std::array<int, kNumAU>{1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  p.ex = 4;
  p.va = std::array<float, 2>{0.1f, -0.25f};
  std::string line = format_prediction(p);
  BOOST_TEST(line == "{\"image\":\"v/1 \\\"q\\\".jpg\",\"au\":[1,0,0,0,0,0,1,0,0,0,0,1],\"ex\":4,\"va\":[0.1,-0.25]}");
  std::istringstream in(line + "\n");
  auto back = parse_predictions(in, "p.jsonl");
  BOOST_REQUIRE_EQUAL(back.size(), 1u);
  BOOST_TEST(back[0].image == p.image);
  BOOST_TEST(*back[0].ex == 4);
  BOOST_TEST((*back[0].va)[0] == 0.1f);
  BOOST_TEST(!back[0].ex_prob.has_value());
  std::istringstream bad("{\"image\":\"a\",\"au\":[1,0]}\n");
  try {
    parse_predictions(bad, "p.jsonl");
    BOOST_FAIL("no error");
  } catch (const InputError& e) {
    BOOST_TEST(std::string(e.what()) == "p.jsonl:1: \"au\" must be an array of 12 numbers");
  }
}

// Lines in mtl-predict's shape take the quick parser; everything else the checked one. Both must
// read the same values and refuse the same lines.
namespace {
Prediction parse_one(const std::string& line) {
  std::istringstream in(line + "\n");
  auto v = parse_predictions(in, "p.jsonl");
  BOOST_REQUIRE_EQUAL(v.size(), 1u);
  return v[0];
}
std::string error_of(const std::string& line) {
  std::istringstream in(line + "\n");
  try {
    parse_predictions(in, "p.jsonl");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

BOOST_AUTO_TEST_CASE(prediction_lines_quick_and_checked) {
  auto a = parse_one(R"({"image":"a.jpg","au":[1,0,0,0,0,0,1,0,0,0,0,1],"ex":3,"va":[0.5,-0.25]})");
  BOOST_TEST(a.image == "a.jpg");
  BOOST_TEST((*a.au)[6] == 1);
  BOOST_TEST(*a.ex == 3);
  BOOST_TEST((*a.va)[1] == -0.25f);
  auto b = parse_one(R"(  { "va" : [ 1e-3 , 2E-1 ] , "image" : "b.jpg" }  )");  // spaces, order, exponents
  BOOST_TEST(b.image == "b.jpg");
  BOOST_TEST((*b.va)[0] == 0.001f);
  BOOST_TEST((*b.va)[1] == 0.2f);
  BOOST_TEST(!b.au.has_value());
  BOOST_TEST(parse_one(R"({"image":"c\u00e9.jpg"})").image == "c\xc3\xa9.jpg");  // an escape: checked path
  BOOST_TEST(parse_one(R"({"image":"d","note":{"x":1},"ex":2})").ex.value() == 2);  // nesting: checked path
  BOOST_TEST(parse_one(R"({"image":"e","ex_prob":[0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.3]})").ex_prob.value()[7] == 0.3f);
  // A key given twice is refused (nlohmann would keep the last), on both paths, whatever the key.
  BOOST_TEST(error_of(R"({"image":"f","ex":1,"ex":2})") == "p.jsonl:1: invalid JSON: the key \"ex\" is given twice");
  BOOST_TEST(error_of(R"({"image":"f","s":1,"t":2,"s":3})") == "p.jsonl:1: invalid JSON: the key \"s\" is given twice");
  BOOST_TEST(error_of(R"({"image":"f","n":{"a":1,"a":2}})") == "p.jsonl:1: invalid JSON: the key \"a\" is given twice");
  BOOST_TEST(parse_one(R"({"image":"f","n":{"a":1},"m":{"a":2}})").image == "f");  // the same key in two objects
  // Numbers JSON does not have, which from_chars reads: refused on the quick path as on the checked one.
  for (const char* bad : {R"({"image":"f","ex":01})", R"({"image":"f","va":[1.,0]})", R"({"image":"f","va":[.5,0]})",
                          R"({"image":"f","va":[0.5e,0]})", R"({"image":"f","va":[-,0]})", R"({"image":"f","ex":1.})"})
    BOOST_TEST(error_of(bad).rfind("p.jsonl:1: invalid JSON", 0) == 0, bad);
  BOOST_TEST((*parse_one(R"({"image":"f","va":[-0,0.5E+0]})").va)[1] == 0.5f);
  BOOST_TEST(*parse_one(R"({"image":"f","ex":0})").ex == 0);
  BOOST_TEST(error_of(R"({"image":"g","ex":3.0})") == "p.jsonl:1: \"ex\" must be an integer class code 0-7, not 3.0");
  BOOST_TEST(error_of(R"({"image":"h","ex":9})") == "p.jsonl:1: \"ex\" must be an integer class code 0-7, not 9");
  BOOST_TEST(error_of(R"({"image":"i","au":[2,0,0,0,0,0,0,0,0,0,0,0]})") == "p.jsonl:1: \"au\" entries must be the integers 0 or 1");
  // Numbers that a lax reader would wrap, truncate or overflow, on the quick path and (with an
  // escaped image name) the checked one: the same error from both.
  for (const std::string image : {"\"q\"", "\"\\u0071\""}) {
    const std::string head = "{\"image\":" + image;
    BOOST_TEST(error_of(head + R"(,"ex":4294967300})") == "p.jsonl:1: \"ex\" must be an integer class code 0-7, not 4294967300");
    BOOST_TEST(error_of(head + R"(,"ex":-1})") == "p.jsonl:1: \"ex\" must be an integer class code 0-7, not -1");
    BOOST_TEST(error_of(head + R"(,"au":[0.7,0,0,0,0,0,0,0,0,0,0,0]})") == "p.jsonl:1: \"au\" entries must be the integers 0 or 1");
    BOOST_TEST(error_of(head + R"(,"au":[1.0,0,0,0,0,0,0,0,0,0,0,0]})") == "p.jsonl:1: \"au\" entries must be the integers 0 or 1");
    BOOST_TEST(error_of(head + R"(,"va":[1e39,0]})") == "p.jsonl:1: \"va\" holds a number out of range for a float");
    BOOST_TEST(error_of(head + R"(,"va":[1.5,0]})") == "p.jsonl:1: \"va\" entries must lie in [-1, 1]");
    BOOST_TEST(error_of(head + R"(,"au_prob":[1.5,0,0,0,0,0,0,0,0,0,0,0]})") == "p.jsonl:1: \"au_prob\" entries must lie in [0, 1]");
    BOOST_TEST(error_of(head + R"(,"ex_prob":[0,0,0,0,0,0,0,-0.1]})") == "p.jsonl:1: \"ex_prob\" entries must lie in [0, 1]");
  }
  BOOST_TEST(error_of(R"({"image":"j","va":[1,2,3]})") == "p.jsonl:1: \"va\" must be an array of 2 numbers");
  BOOST_TEST(error_of(R"({"image":"k","va":[NaN,1]})").rfind("p.jsonl:1: invalid JSON", 0) == 0);
  BOOST_TEST(error_of(R"({"image":"l"} x)").rfind("p.jsonl:1: invalid JSON", 0) == 0);
  BOOST_TEST(error_of(R"({"va":[0,0]})") == "p.jsonl:1: missing \"image\" string");
  BOOST_TEST(error_of(R"({"image":"m","va":[+1,0]})").rfind("p.jsonl:1: invalid JSON", 0) == 0);
}

// The truth's open-addressing table against std::map, over enough rows to grow it several times.
BOOST_AUTO_TEST_CASE(truth_table_adds_finds_and_refuses_duplicates) {
  Truth t;
  std::map<std::string, int> ref;
  for (int i = 0; i < 5000; ++i) {
    const std::string image = "v" + std::to_string(i % 97) + "/" + std::to_string(i) + ".jpg";
    Labels l;
    l.ex = static_cast<int8_t>(i % 8);
    BOOST_TEST(t.add(image, l) == nullptr);
    ref[image] = i;
  }
  BOOST_TEST(t.size() == 5000u);
  for (const auto& [image, i] : ref) {
    const long row = t.find(image);
    BOOST_REQUIRE(row >= 0);
    BOOST_TEST(t.labels(row).ex == i % 8);
  }
  BOOST_TEST(t.find("v1/5000.jpg") == -1);
  BOOST_TEST(t.find("") == -1);
  const std::string* dup = t.add("v3/3.jpg", Labels());
  BOOST_REQUIRE(dup != nullptr);
  BOOST_TEST(*dup == "v3/3.jpg");
  BOOST_TEST(t.size() == 5000u);
  BOOST_TEST(Truth().find("x") == -1);
}

BOOST_AUTO_TEST_CASE(video_and_frame_of_an_image_path) {
  BOOST_TEST(video_of("vid/00012.jpg") == "vid");
  BOOST_TEST(video_of("a/b/7.png") == "a/b");
  BOOST_TEST(video_of("7.png") == "");
  BOOST_TEST(*frame_of("vid/00012.jpg") == 12);
  BOOST_TEST(*frame_of("a/b/7") == 7);
  BOOST_TEST(*frame_of("0.jpg") == 0);
  BOOST_TEST(!frame_of("vid/frame12.jpg").has_value());
  BOOST_TEST(!frame_of("vid/.jpg").has_value());
  BOOST_TEST(!frame_of("vid/-3.jpg").has_value());
  BOOST_TEST(!frame_of("vid/99999999999999999999999.jpg").has_value());
}
