// Unit tests of thresholds files and their use on prediction lines (thresholds.cpp).
#include "helpers.h"

#include "mtl/core/predictions.h"
#include "mtl/core/thresholds.h"

using namespace mtl;
using namespace mtl_test;

namespace {
const std::string kAuNames = R"("au_names":["AU1","AU2","AU4","AU6","AU7","AU10","AU12","AU15","AU23","AU24","AU25","AU26"])";

std::string thresholds_error(const std::string& text) {
  try {
    parse_thresholds(text, "t.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

BOOST_AUTO_TEST_CASE(thresholds_file_read_and_written) {
  const std::string head = R"({"format":"mtl-thresholds","version":1,)" + kAuNames;
  auto t = parse_thresholds(head + R"(,"au_thresholds":[0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1,0.25]})", "t.json");
  BOOST_TEST(t.au[0] == 0.0f);
  BOOST_TEST(t.au[3] == 0.3f);
  BOOST_TEST(t.au[11] == 0.25f);
  BOOST_TEST(!t.ex_offsets.has_value());
  t = parse_thresholds(head + R"(,"au_thresholds":[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5],)"
                              R"("ex_offsets":[-1,0,0.5,2,0,0,0,-0.125]})", "t.json");
  BOOST_REQUIRE(t.ex_offsets.has_value());
  BOOST_TEST((*t.ex_offsets)[0] == -1.0f);
  BOOST_TEST((*t.ex_offsets)[7] == -0.125f);
  // Written with the fewest digits that read back as the same floats.
  const std::string text = thresholds_json(t);
  BOOST_TEST(text.find("0.5,0.5") != std::string::npos, text);
  auto back = parse_thresholds(text, "back.json");
  BOOST_TEST(back.au == t.au);
  BOOST_TEST(*back.ex_offsets == *t.ex_offsets);
  BOOST_TEST(Thresholds::uniform(0.3f).au[7] == 0.3f);
}

BOOST_AUTO_TEST_CASE(thresholds_file_errors) {
  const std::string v = R"("au_thresholds":[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5])";
  const std::string head = R"({"format":"mtl-thresholds","version":1,)" + kAuNames + ",";
  BOOST_TEST(thresholds_error("{\n\"format\": ,}").find("t.json: line 2: invalid JSON: ") == 0);
  BOOST_TEST(thresholds_error("[1,2]") == "t.json: not a thresholds file: the JSON is not an object");
  // A number past double's range is nlohmann's out_of_range, not a parse_error (found by fuzz_smoothing).
  BOOST_TEST(thresholds_error(R"({"format":"mtl-thresholds","version":1e999})").find("t.json: invalid JSON: ") == 0);
  BOOST_TEST(thresholds_error(R"({"format":"x","version":1})") ==
             "t.json: not a thresholds file: \"format\" is not \"mtl-thresholds\"");
  BOOST_TEST(thresholds_error(R"({"format":"mtl-thresholds","version":3})") ==
             "t.json: thresholds format version 3, this toolkit reads version 1");
  BOOST_TEST(thresholds_error(R"({"format":"mtl-thresholds","version":1,)" + v + "}") ==
             "t.json: missing key \"au_names\"");
  BOOST_TEST(thresholds_error(head + R"("au_thresholds":[0.5]})") ==
             "t.json: \"au_thresholds\" must be an array of 12 numbers or nulls");
  BOOST_TEST(thresholds_error(head + R"("au_thresholds":[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,-0.1]})") ==
             "t.json: \"au_thresholds\"[11] = -0.1 is out of range [0, 1]");
  BOOST_TEST(thresholds_error(head + R"("au_thresholds":[0.5,"0.5",0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]})") ==
             "t.json: \"au_thresholds\"[1] is not a number or null");
  BOOST_TEST(thresholds_error(head + v + R"(,"ex_offsets":[0,0,0,0,0,0,0,1e300]})") ==
             "t.json: \"ex_offsets\"[7] = 1e+300 is out of range for a float");
  BOOST_TEST(thresholds_error(head + v + R"(,"extra":1})") == "t.json: unknown key \"extra\"");
  BOOST_TEST(thresholds_error(R"({"format":"mtl-thresholds","version":1,"au_names":["AU1"],)" + v + "}") ==
             "t.json: \"au_names\" must be an array of 12 names");
}

BOOST_AUTO_TEST_CASE(thresholds_applied_to_a_prediction) {
  Prediction p;
  p.au = std::array<int, kNumAU>{};
  p.au_prob = std::array<float, kNumAU>{0.1f, 0.3f, 0.5f, 0.7f, 0.9f, 0.2f, 0.2f, 0.2f, 0.2f, 0.2f, 0.2f, 0.2f};
  p.ex = 5;  // as decided on the logits
  p.ex_prob = std::array<float, kNumEX>{0.4f, 0.3f, 0.1f, 0.1f, 0.05f, 0.05f, 0.0f, 0.0f};
  Thresholds t = Thresholds::uniform(0.5f);
  t.au[0] = 0.1f;  // >=: 0.1 is present at 0.1
  t.au[3] = 0.8f;
  apply_thresholds(p, t);
  const std::array<int, kNumAU> want{1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0};
  BOOST_TEST(*p.au == want);
  BOOST_TEST(*p.ex == 5);  // no offsets: the expression is left as it was
  // log 0.4 - 1 = -1.92 < log 0.3 = -1.20 < log 0.1 + 1.2 = -1.10: class 2.
  t.ex_offsets = std::array<float, kNumEX>{-1.0f, 0.0f, 1.2f, 0.0f, 0.0f, 0.0f, 50.0f, 0.0f};
  apply_thresholds(p, t);
  BOOST_TEST(*p.ex == 2);  // class 6 has probability 0: log 0 = -inf whatever its offset
  Prediction va_only;
  va_only.va = std::array<float, 2>{0.1f, 0.2f};
  apply_thresholds(va_only, t);
  BOOST_TEST(!va_only.au.has_value());
  BOOST_TEST(!va_only.ex.has_value());
}

// A thresholds file's null AUs (not tuned) keep the thresholds a line records, or a head's own.
BOOST_AUTO_TEST_CASE(thresholds_left_null_keep_the_heads_own) {
  const std::string head = R"({"format":"mtl-thresholds","version":1,)" + kAuNames;
  const Thresholds t =
      parse_thresholds(head + R"(,"au_thresholds":[null,0.2,null,null,null,null,null,null,null,null,null,0.9]})", "t.json");
  BOOST_TEST(!t.au_set[0]);
  BOOST_TEST(t.au_set[1]);
  BOOST_TEST(t.any_au_set());
  BOOST_TEST(thresholds_json(t).find(R"("au_thresholds":[null,0.2,null,null,null,null,null,null,null,null,null,0.9])") !=
             std::string::npos);
  BOOST_TEST(!parse_thresholds(head + R"(,"au_thresholds":[null,null,null,null,null,null,null,null,null,null,null,null]})",
                               "t.json").any_au_set());
  BOOST_TEST(thresholds_error(head + R"(,"au_thresholds":[null,"x",null,null,null,null,null,null,null,null,null,null]})") ==
             "t.json: \"au_thresholds\"[1] is not a number or null");
  // A line decided at 0.3 (a head trained with --threshold 0.3 records it): the null AUs stay at 0.3.
  Prediction p;
  p.au_prob = std::array<float, kNumAU>{0.25f, 0.25f, 0.35f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.95f};
  p.au = std::array<int, kNumAU>{0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  p.au_thresholds.emplace().fill(0.3f);
  apply_thresholds(p, t);
  BOOST_TEST(*p.au == (std::array<int, kNumAU>{0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1}));
  BOOST_TEST(*p.au_thresholds ==
             (std::array<float, kNumAU>{0.3f, 0.2f, 0.3f, 0.3f, 0.3f, 0.3f, 0.3f, 0.3f, 0.3f, 0.3f, 0.3f, 0.9f}));
  // A line without "au_thresholds" was decided at 0.5; decided at 0.5 again, it records none.
  Prediction q;
  q.au_prob = p.au_prob;
  apply_thresholds(q, Thresholds::uniform(0.5f));
  BOOST_TEST(!q.au_thresholds.has_value());
  BOOST_TEST((*q.au)[11] == 1);
  // over(): the head's own where the file says nothing, offsets included.
  Thresholds own = Thresholds::uniform(0.3f);
  own.ex_offsets = std::array<float, kNumEX>{0, 1, 0, 0, 0, 0, 0, 0};
  const Thresholds r = t.over(own);
  BOOST_TEST(r.au[0] == 0.3f);
  BOOST_TEST(r.au[1] == 0.2f);
  BOOST_TEST(r.au_set[0]);
  BOOST_TEST(*r.ex_offsets == *own.ex_offsets);
  // The offsets a line records decide it again when a file has none.
  Prediction e;
  e.ex_prob = std::array<float, kNumEX>{0.4f, 0.3f, 0.1f, 0.1f, 0.05f, 0.05f, 0.0f, 0.0f};
  e.ex = 0;
  e.ex_offsets = std::array<float, kNumEX>{0, 1, 0, 0, 0, 0, 0, 0};
  apply_thresholds(e, t);
  BOOST_TEST(*e.ex == 1);  // log 0.3 + 1 > log 0.4
}

// The thresholds a line records are read, written where mtl-predict puts them, and kept as spelled.
BOOST_AUTO_TEST_CASE(prediction_lines_record_their_thresholds) {
  const std::string z = "[0,0,0,0,0,0,0,0,0,0,0,0]";
  std::istringstream in(R"({"image":"v/1.jpg","au":)" + z + R"(,"au_prob":[0.4,0,0,0,0,0,0,0,0,0,0,0],"ex":0,)"
                        R"("ex_prob":[0.4,0.3,0.1,0.1,0.05,0.05,0,0],"subject":"S1"})");
  std::string line;
  std::getline(in, line);
  Prediction p = parse_prediction_line(line, "p.jsonl", 1, true);
  BOOST_TEST(!p.au_thresholds.has_value());
  Thresholds t = Thresholds::uniform(0.35f);
  t.ex_offsets = std::array<float, kNumEX>{0, 1, 0, 0, 0, 0, 0, 0};
  apply_thresholds(p, t);
  const std::string out = format_prediction(p);
  BOOST_TEST(out == R"({"image":"v/1.jpg","au":[1,0,0,0,0,0,0,0,0,0,0,0],"au_prob":[0.4,0,0,0,0,0,0,0,0,0,0,0],)"
                    R"("au_thresholds":[0.35,0.35,0.35,0.35,0.35,0.35,0.35,0.35,0.35,0.35,0.35,0.35],"ex":1,)"
                    R"("ex_prob":[0.4,0.3,0.1,0.1,0.05,0.05,0,0],"ex_offsets":[0,1,0,0,0,0,0,0],"subject":"S1"})",
             out);
  // Read back: the recorded thresholds, which a second pass keeps byte for byte.
  Prediction back = parse_prediction_line(out, "p.jsonl", 1, true);
  BOOST_TEST((*back.au_thresholds)[3] == 0.35f);
  BOOST_TEST((*back.ex_offsets)[1] == 1.0f);
  apply_thresholds(back, Thresholds{});  // every AU null, no offsets: decided with what the line records
  BOOST_TEST(format_prediction(back) == out);
}
