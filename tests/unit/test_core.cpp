// Unit tests of the core layer, linked against mtl_core alone (no LibTorch, OpenCV or cxxopts):
// the input-list parser, the metrics, prediction lines, the HDF5 feature store, task names and
// atomic files.
#define BOOST_TEST_MODULE mtl_core
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <unistd.h>

#include "mtl/core/annotations.h"
#include "mtl/core/atomic_file.h"
#include "mtl/core/checksum.h"
#include "mtl/core/error.h"
#include "mtl/core/feature_store.h"
#include "mtl/core/metrics.h"
#include "mtl/core/predictions.h"
#include "mtl/core/score.h"
#include "mtl/core/task.h"
#include "mtl/core/thresholds.h"
#include "mtl/core/tuning.h"

using namespace mtl;

namespace {
const char* kHeader = "image,valence,arousal,expression,AU1,AU2,AU4,AU6,AU7,AU10,AU12,AU15,AU23,AU24,AU25,AU26\n";

InputList parse(const std::string& text) {
  std::istringstream in(text);
  return parse_input_list(in, "ann.txt");
}

// The message of the InputError that parsing `text` throws ("" when none).
std::string parse_error(const std::string& text) {
  try {
    parse(text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

bool exists(const std::string& p) { return std::ifstream(p).good(); }

std::string temp_path(const std::string& name) {
  return "/tmp/mtl-test-" + std::to_string(getpid()) + "-" + name;
}
}  // namespace

// ------------------------------------------------------------------------------------ parser
BOOST_AUTO_TEST_CASE(annotation_rows_and_missing_labels) {
  auto l = parse(std::string(kHeader) +
                 "v1/00001.jpg,0.25,-0.5,4,0,0,0,1,0,0,1,0,0,0,1,0\n"
                 "v1/00002.jpg,-5,-5,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1\n");
  BOOST_TEST(l.labelled);
  BOOST_REQUIRE_EQUAL(l.images.size(), 2u);
  const auto& a = l.images[0];
  BOOST_TEST(a.path == "v1/00001.jpg");
  BOOST_TEST(a.line == 2);
  BOOST_TEST(a.labels.va[0] == 0.25f);
  BOOST_TEST(a.labels.va[1] == -0.5f);
  BOOST_TEST(a.labels.ex == 4);
  BOOST_TEST(a.labels.au[3] == 1);   // AU6
  BOOST_TEST(a.labels.au[6] == 1);   // AU12
  BOOST_TEST(a.labels.au[10] == 1);  // AU25
  BOOST_TEST(a.labels.au[0] == 0);
  BOOST_TEST(a.labels.has_au());
  BOOST_TEST(a.labels.has_ex());
  BOOST_TEST(a.labels.has_va());
  const auto& b = l.images[1];
  BOOST_TEST(!b.labels.has_au());
  BOOST_TEST(!b.labels.has_ex());
  BOOST_TEST(!b.labels.has_va());
}

BOOST_AUTO_TEST_CASE(header_variants_crlf_bom) {
  // The short header of some releases, CRLF line ends and a byte-order mark.
  auto l = parse("\xEF\xBB\xBFimage,valence,arousal,expression,aus\r\nv/1.jpg,0,0,0,1,1,1,1,1,1,1,1,1,1,1,1\r\n\r\n");
  BOOST_TEST(l.labelled);
  BOOST_REQUIRE_EQUAL(l.images.size(), 1u);
  BOOST_TEST(l.images[0].labels.au[11] == 1);
  BOOST_TEST(l.images[0].path == "v/1.jpg");
}

BOOST_AUTO_TEST_CASE(plain_list) {
  auto l = parse("a/1.jpg\n\nb/2.jpg\r\n");
  BOOST_TEST(!l.labelled);
  BOOST_REQUIRE_EQUAL(l.images.size(), 2u);
  BOOST_TEST(l.images[1].path == "b/2.jpg");
  BOOST_TEST(l.images[1].line == 3);
  BOOST_TEST(!l.images[0].labels.has_au());
}

BOOST_AUTO_TEST_CASE(malformed_rows_name_file_line_and_field) {
  std::string h = kHeader;
  BOOST_TEST(parse_error(h + "v/1.jpg,0.1,0.2,3,0,0,0,0,0,0,0,0,0,0,0\n") ==
             "ann.txt:2: expected 16 comma-separated fields (image,valence,arousal,expression,AU1..AU26), found 15");
  BOOST_TEST(parse_error(h + "v/1.jpg,0.1,abc,3,0,0,0,0,0,0,0,0,0,0,0,0\n") ==
             "ann.txt:2: field 3 (arousal): 'abc' is not a number");
  BOOST_TEST(parse_error(h + "v/0.jpg,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\nv/1.jpg,0,0,9,0,0,0,0,0,0,0,0,0,0,0,0\n") ==
             "ann.txt:3: field 4 (expression): 9 is not a class code 0-7 or the missing-value code -1");
  BOOST_TEST(parse_error(h + "v/1.jpg,1.5,0,1,0,0,0,0,0,0,0,0,0,0,0,0\n").find("ann.txt:2: field 2 (valence)") == 0);
  BOOST_TEST(parse_error(h + "v/1.jpg,0,0,1,0,0,0,0,0,0,2,0,0,0,0,0\n") ==
             "ann.txt:2: field 11 (AU12): 2 is not 0, 1 or the missing-value code -1");
  BOOST_TEST(parse_error(h + "v/1.jpg,0,0,1.5,0,0,0,0,0,0,0,0,0,0,0,0\n") ==
             "ann.txt:2: field 4 (expression): '1.5' is not an integer");
  BOOST_TEST(parse_error(h + ",0,0,1,0,0,0,0,0,0,0,0,0,0,0,0\n") == "ann.txt:2: field 1 (image): empty path");
  // An annotation row without the header is not taken for an image path.
  BOOST_TEST(parse_error("v/1.jpg,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0\n").find("ann.txt:1: looks like an annotation row") == 0);
}

BOOST_AUTO_TEST_CASE(an_image_listed_twice_names_both_lines) {
  std::string h = kHeader;
  const std::string row = ",0,0,1,0,0,0,0,0,0,0,0,0,0,0,0\n";
  BOOST_TEST(parse_error(h + "v/1.jpg" + row + "v/2.jpg" + row + "v/1.jpg" + row) ==
             "ann.txt:4: image 'v/1.jpg' is listed twice (also on line 2)");
  BOOST_TEST(parse_error("a.jpg\nb.jpg\n\nb.jpg\n") == "ann.txt:4: image 'b.jpg' is listed twice (also on line 2)");
  BOOST_TEST(parse_error("a.jpg\na.jpg/\nA.jpg\n").empty());  // other paths, though alike
}

BOOST_AUTO_TEST_CASE(paths_that_stay_inside_the_root) {
  for (const char* p : {"a.jpg", "v/a.jpg", "./v/a.jpg", "v/../a.jpg", "v//a.jpg", "v/w/../../a.jpg", "..a.jpg", "v/..."})
    BOOST_TEST(path_stays_inside(p), p);
  for (const char* p : {"", "/a.jpg", "../a.jpg", "..", "v/../../a.jpg", "./../a.jpg", "v/../w/../../a.jpg", "//a.jpg"})
    BOOST_TEST(!path_stays_inside(p), p);
}

BOOST_AUTO_TEST_CASE(missing_file_is_an_input_error) {
  BOOST_CHECK_THROW(read_input_list("/nonexistent/ann.txt"), InputError);
}

// ----------------------------------------------------------------------------------- metrics
BOOST_AUTO_TEST_CASE(f1_hand_worked) {
  // TP 1, FP 1, FN 1: 2 / (2 + 1 + 1).
  BOOST_TEST(f1_binary({1, 1, 0, 0}, {1, 0, 1, 0}) == 0.5);
  // TP 2, FP 0, FN 1: 4 / 5.
  BOOST_TEST(f1_binary({1, 1, 1, 0}, {1, 1, 0, 0}) == 0.8);
  // No true and no predicted positives: 0, as scikit-learn.
  BOOST_TEST(f1_binary({0, 0, 0}, {0, 0, 0}) == 0.0);
  // Predicted positives only.
  BOOST_TEST(f1_binary({0, 0}, {1, 1}) == 0.0);
  BOOST_CHECK_THROW(f1_binary({0}, {0, 1}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(macro_f1_hand_worked) {
  // truth 0 0 1 2, pred 0 1 1 2: class 0 F1 2/3, class 1 F1 2/3, class 2 F1 1, classes 3-7 0.
  ScoreAccumulator acc;
  int t[] = {0, 0, 1, 2}, p[] = {0, 1, 1, 2};
  for (int i = 0; i < 4; ++i) acc.add_ex(t[i], p[i]);
  auto s = acc.compute();
  BOOST_REQUIRE(s.p_ex.has_value());
  BOOST_TEST(std::abs(s.ex_f1[0] - 2.0 / 3) < 1e-12);
  BOOST_TEST(std::abs(s.ex_f1[1] - 2.0 / 3) < 1e-12);
  BOOST_TEST(s.ex_f1[2] == 1.0);
  BOOST_TEST(s.ex_f1[5] == 0.0);
  BOOST_TEST(std::abs(*s.p_ex - (2.0 / 3 + 2.0 / 3 + 1.0) / 8) < 1e-12);
  BOOST_TEST(!s.p_au.has_value());
  BOOST_TEST(!s.p_mtl().has_value());
}

BOOST_AUTO_TEST_CASE(ccc_hand_worked) {
  BOOST_TEST(std::abs(ccc({1, 2, 3}, {1, 2, 3}) - 1.0) < 1e-12);
  BOOST_TEST(std::abs(ccc({1, 2, 3}, {3, 2, 1}) + 1.0) < 1e-12);
  // x = (0,1), y = (1,2): var 1/4 each, cov 1/4, mean gap 1: 0.5 / 1.5.
  BOOST_TEST(std::abs(ccc({0, 1}, {1, 2}) - 1.0 / 3) < 1e-12);
  // A constant prediction has no covariance: CCC 0.
  BOOST_TEST(ccc({1, 2, 3}, {2, 2, 2}) == 0.0);
  // Both constant and equal: the denominator is 0; reported as 0.
  BOOST_TEST(ccc({2, 2}, {2, 2}) == 0.0);
}

BOOST_AUTO_TEST_CASE(au_scores_skip_missing_labels) {
  ScoreAccumulator acc;
  std::array<int8_t, kNumAU> t;
  t.fill(-1);
  t[0] = 1;
  std::array<int, kNumAU> p{};
  p[0] = 1;
  acc.add_au(t, p);
  auto s = acc.compute();
  BOOST_TEST(s.n_au == 1u);
  BOOST_TEST(s.au_f1[0] == 1.0);
  BOOST_TEST(std::abs(*s.p_au - 1.0 / 12) < 1e-12);
}

// ------------------------------------------------------------------------------- predictions
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

// ------------------------------------------------------------------------------------ checksum
BOOST_AUTO_TEST_CASE(sha256_known_vectors) {
  Sha256 a;
  BOOST_TEST(a.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 b;
  b.update("abc", 3);
  BOOST_TEST(b.hex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// FIPS 180-2's long vector, one million 'a', fed in uneven pieces and read back from a file.
BOOST_AUTO_TEST_CASE(sha256_million_a_in_pieces_and_from_a_file) {
  const std::string million(1000000, 'a');
  const std::string expect = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
  Sha256 h;
  for (size_t at = 0, step = 1; at < million.size(); at += step, step = step * 3 + 1)
    h.update(million.data() + at, std::min(step, million.size() - at));
  BOOST_TEST(h.hex() == expect);
  const std::string path = temp_path("million-a");
  std::ofstream(path, std::ios::binary) << million;
  BOOST_TEST(sha256_file(path) == expect);
  std::remove(path.c_str());
  BOOST_CHECK_THROW(sha256_file(path), InputError);
}

// ------------------------------------------------------------------------------ feature store
namespace {
FeatureRows make_rows(int first, int n, int dim, int logits_dim) {
  FeatureRows r;
  r.dim = dim;
  r.logits_dim = logits_dim;
  for (int i = first; i < first + n; ++i) {
    r.image.push_back("vid/" + std::to_string(i) + ".jpg");
    Labels l;
    if (i % 2 == 0) l.au.fill(static_cast<int8_t>(i % 3 == 0));
    l.ex = static_cast<int8_t>(i % 9 - 1);
    if (i != 1) l.va = {0.5f - (i % 10) * 0.1f, -0.25f};
    r.labels.push_back(l);
    for (int d = 0; d < dim; ++d) r.features.push_back(i * 100 + d + 0.5f);
    for (int d = 0; d < logits_dim; ++d) r.logits.push_back(-i - d * 0.25f);
  }
  return r;
}
}  // namespace

BOOST_AUTO_TEST_CASE(store_round_trip) {
  const std::string path = temp_path("store.h5");
  StoreInfo info;
  info.backbone = "bb.pt";
  info.backbone_sha256 = "abc";
  info.input_size = 224;
  info.mean = {0.485f, 0.456f, 0.406f};
  info.std = {0.229f, 0.224f, 0.225f};
  info.feature_dim = 5;
  info.logits_dim = 8;
  info.labelled = true;
  info.toolkit_version = "test";
  {
    FeatureStoreWriter w(path, info);
    w.append(make_rows(0, 3, 5, 8), 3);
  }
  // Stopped before finish(): only the .part exists, and it says it is unfinished.
  BOOST_TEST(!exists(path));
  BOOST_CHECK_THROW(FeatureStoreReader r(AtomicFile::temp_name(path)), InputError);
  BOOST_TEST(FeatureStoreReader(AtomicFile::temp_name(path), /*allow_partial=*/true).rows() == 3u);
  {
    FeatureStoreWriter w(path, info);  // resumes
    w.append(make_rows(3, 300, 5, 8), 304, {"vid/bad.jpg"});  // past one chunk of 256 rows
    w.finish();
  }
  FeatureStoreReader r(path);
  BOOST_TEST(r.rows() == 303u);
  BOOST_TEST(r.info().complete);
  BOOST_TEST(r.info().feature_dim == 5);
  BOOST_TEST(r.info().logits_dim == 8);
  BOOST_TEST(r.info().backbone == "bb.pt");
  BOOST_TEST(r.info().mean[1] == 0.456f);
  BOOST_TEST(r.skipped() == std::vector<std::string>{"vid/bad.jpg"});
  auto all = r.read_all();
  auto want = make_rows(0, 303, 5, 8);
  BOOST_TEST(all.image == want.image);
  BOOST_TEST(all.features == want.features);
  BOOST_TEST(all.logits == want.logits);
  for (size_t i = 0; i < 303; ++i) {
    BOOST_TEST(all.labels[i].au == want.labels[i].au);
    BOOST_TEST(all.labels[i].ex == want.labels[i].ex);
    BOOST_TEST(all.labels[i].va == want.labels[i].va);
  }
  auto mid = r.read(250, 10);
  BOOST_TEST(mid.image[0] == "vid/250.jpg");
  BOOST_TEST(mid.features[5] == 251 * 100 + 0.5f);
  BOOST_CHECK_THROW(r.read(300, 10), std::out_of_range);
  std::remove(path.c_str());
}

BOOST_AUTO_TEST_CASE(store_float16) {
  const std::string path = temp_path("half.h5");
  StoreInfo info;
  info.feature_dim = 3;
  info.half = true;
  {
    FeatureStoreWriter w(path, info);
    FeatureRows r;
    r.dim = 3;
    r.image = {"a.jpg"};
    r.labels.resize(1);
    r.features = {0.5f, -2.0f, 1.0f / 3};
    w.append(r, 1);
    w.finish();
  }
  FeatureStoreReader r(path);
  BOOST_TEST(r.info().half);
  auto rows = r.read_all();
  BOOST_TEST(rows.features[0] == 0.5f);
  BOOST_TEST(rows.features[1] == -2.0f);
  BOOST_TEST(std::abs(rows.features[2] - 1.0f / 3) < 1e-3);  // float16 keeps 11 bits
  std::remove(path.c_str());
}

namespace {
StoreInfo small_info() {
  StoreInfo info;
  info.backbone_sha256 = "abc";
  info.input_sha256 = "list-1";
  info.feature_dim = 4;
  info.logits_dim = 2;
  return info;
}
}  // namespace

BOOST_AUTO_TEST_CASE(store_resumes_an_interrupted_run) {
  const std::string path = temp_path("resume.h5");
  const StoreInfo info = small_info();
  {  // an interrupted run: 5 rows and one skipped input committed, never finished
    FeatureStoreWriter w(path, info);
    w.append(make_rows(0, 3, 4, 2), 4, {"vid/skip.jpg"});
    w.append(make_rows(3, 2, 4, 2), 6);
    // While it runs, a second run on the same output is refused and changes nothing.
    BOOST_CHECK_THROW(FeatureStoreWriter(path, info), OutputError);
    BOOST_TEST(w.rows() == 5u);
  }
  {  // the rerun goes on after the committed rows
    FeatureStoreWriter w(path, info);
    BOOST_TEST(w.rows() == 5u);
    BOOST_TEST(w.inputs_done() == 6u);
    BOOST_TEST(w.skipped() == 1u);
    w.append(make_rows(5, 4, 4, 2), 10, {"vid/skip2.jpg"});
    w.finish();
  }
  FeatureStoreReader r(path);
  BOOST_TEST(r.rows() == 9u);
  BOOST_TEST(r.info().input_sha256 == "list-1");
  BOOST_TEST((r.skipped() == std::vector<std::string>{"vid/skip.jpg", "vid/skip2.jpg"}));
  auto all = r.read_all();
  auto want = make_rows(0, 9, 4, 2);
  BOOST_TEST(all.image == want.image);
  BOOST_TEST(all.features == want.features);
  BOOST_TEST(all.logits == want.logits);
  std::remove(path.c_str());
}

BOOST_AUTO_TEST_CASE(store_restarts_when_settings_differ) {
  const std::string path = temp_path("restart.h5");
  StoreInfo info = small_info();
  {
    FeatureStoreWriter w(path, info);
    w.append(make_rows(0, 3, 4, 2), 3);
  }
  info.input_sha256 = "list-2";  // another input list: the .part is not resumed
  {
    FeatureStoreWriter w(path, info);
    BOOST_TEST(w.rows() == 0u);
    BOOST_TEST(w.inputs_done() == 0u);
  }
  {  // --no-resume starts afresh even when the settings match
    FeatureStoreWriter w(path, info);
    w.append(make_rows(0, 2, 4, 2), 3, {"vid/x.jpg"});
  }
  {  // committed paths that are, in order, the first inputs: resumed
    FeatureStoreWriter w(path, info, true, {"vid/0.jpg", "vid/x.jpg", "vid/1.jpg", "vid/2.jpg"});
    BOOST_TEST(w.rows() == 2u);
  }
  {  // committed paths that are not (a damaged .part, or another list): started afresh
    FeatureStoreWriter w(path, info, true, {"vid/1.jpg", "vid/0.jpg", "vid/x.jpg"});
    BOOST_TEST(w.rows() == 0u);
    w.append(make_rows(0, 2, 4, 2), 2);
  }
  {
    FeatureStoreWriter w(path, info, /*resume=*/false);
    BOOST_TEST(w.rows() == 0u);
    w.discard();
  }
  BOOST_TEST(!exists(AtomicFile::temp_name(path)));
  BOOST_TEST(!exists(path));
}

// A failed write can damage the heap of the committed image paths. Reading them back fails part-way,
// after HDF5 allocated the paths read so far: the .part is started afresh, and (checked by the
// sanitizer build's LeakSanitizer) those paths are freed.
BOOST_AUTO_TEST_CASE(store_with_a_damaged_path_heap_starts_afresh) {
  const std::string path = temp_path("heap.h5");
  const StoreInfo info = small_info();
  const FeatureRows rows = make_rows(0, 600, 4, 2);
  {  // appended in batches, as mtl-extract does: the paths fill several global heap collections
    FeatureStoreWriter w(path, info);
    for (int i = 0; i < 600; i += 16) w.append(make_rows(i, std::min(16, 600 - i), 4, 2), std::min(i + 16, 600));
  }
  // The signature of the collection that holds the last path is spoiled.
  const std::string part = AtomicFile::temp_name(path);
  std::string bytes;
  {
    std::ifstream in(part, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const size_t heap = bytes.rfind("GCOL", bytes.find(rows.image.back()));
  BOOST_REQUIRE(heap != std::string::npos && heap > bytes.find(rows.image.front()));
  bytes[heap] = 'X';
  std::ofstream(part, std::ios::binary) << bytes;
  {
    FeatureStoreWriter w(path, info, true, rows.image);
    BOOST_TEST(w.rows() == 0u);
    w.append(rows, 600);
    w.finish();
  }
  BOOST_TEST(FeatureStoreReader(path).read_all().image == rows.image);
  std::remove(path.c_str());
}

BOOST_AUTO_TEST_CASE(store_refuses_other_files) {
  BOOST_CHECK_THROW(FeatureStoreReader("/nonexistent.h5"), InputError);
  const std::string path = temp_path("text.h5");
  FILE* f = std::fopen(path.c_str(), "w");
  std::fputs("hello", f);
  std::fclose(f);
  try {
    FeatureStoreReader r(path);
    BOOST_FAIL("no error");
  } catch (const InputError& e) {
    BOOST_TEST(std::string(e.what()).find("not an HDF5 file") != std::string::npos);
  }
  std::remove(path.c_str());
}

// Rows with a label out of range or a non-finite feature are refused on reading, naming the row.
BOOST_AUTO_TEST_CASE(store_reader_refuses_bad_rows) {
  StoreInfo info;
  info.input_size = 224;
  info.feature_dim = 3;
  info.labelled = true;
  struct Case {
    std::function<void(FeatureRows&)> spoil;
    std::string want;
  };
  const std::vector<Case> cases = {
      {[](FeatureRows& r) { r.labels[2].ex = 8; }, "row 2 (vid/2.jpg): expression label 8 is not 0-7 or -1 (missing)"},
      {[](FeatureRows& r) { r.labels[1].au[11] = -2; }, "row 1 (vid/1.jpg): AU label AU26 is -2, not 0, 1 or -1 (missing)"},
      {[](FeatureRows& r) { r.labels[0].va[1] = -1.5f; }, "row 0 (vid/0.jpg): arousal label -1.500000 is outside [-1, 1]"},
      {[](FeatureRows& r) { r.features[3 * 3 + 2] = std::nanf(""); }, "row 3 (vid/3.jpg): feature column 2 is nan"},
      {[](FeatureRows& r) { r.features[0] = -INFINITY; }, "row 0 (vid/0.jpg): feature column 0 is -inf"},
  };
  for (const auto& c : cases) {
    const std::string path = temp_path("bad.h5");
    {
      FeatureStoreWriter w(path, info, false);
      FeatureRows r = make_rows(0, 5, 3, 0);
      for (auto& l : r.labels) l.ex = std::max<int8_t>(l.ex, 0);
      c.spoil(r);
      w.append(r, 5);
      w.finish();
    }
    FeatureStoreReader reader(path);
    try {
      reader.read_all();
      BOOST_ERROR("no error for " + c.want);
    } catch (const InputError& e) {
      BOOST_TEST(std::string(e.what()).find(path + ": " + c.want) == 0, e.what());
    }
    BOOST_TEST(reader.read(4, 1).size() == 1u);  // the rows after it are still readable alone
    std::remove(path.c_str());
  }
}

// -------------------------------------------------------------------------------------- tasks
BOOST_AUTO_TEST_CASE(task_names_round_trip) {
  for (Task t : kAllTasks) BOOST_TEST((parse_task(task_name(t)) == t));
  BOOST_TEST(!parse_task("AU").has_value());
  BOOST_TEST(!parse_task("").has_value());
  BOOST_TEST(std::string(task_score_name(Task::EX)) == "P_EX");
  Labels l;
  BOOST_TEST(!has_label(Task::AU, l));
  l.au.fill(0);
  l.au[3] = 1;
  BOOST_TEST(has_label(Task::AU, l));
  BOOST_TEST(!has_label(Task::EX, l));
  l.va = {0.1f, -5.0f};  // arousal missing
  BOOST_TEST(!has_label(Task::VA, l));
}

// ------------------------------------------------------------------------------- atomic files
namespace {
std::string slurp(const std::string& p) {
  std::ifstream f(p);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}
}  // namespace

BOOST_AUTO_TEST_CASE(atomic_file_commit_keep_and_abandon) {
  const std::string path = temp_path("atomic.txt");
  std::ofstream(path) << "old";
  {  // abandoned: the old file stays, the temporary one is removed
    AtomicFile f(path);
    std::ofstream(f.temp_path()) << "half";
    BOOST_TEST(exists(f.temp_path()));
  }
  BOOST_TEST(slurp(path) == "old");
  BOOST_TEST(!exists(AtomicFile::temp_name(path)));
  {  // kept: the temporary file stays for a resume, the old file is untouched
    AtomicFile f(path);
    std::ofstream(f.temp_path()) << "partial";
    f.keep();
  }
  BOOST_TEST(slurp(AtomicFile::temp_name(path)) == "partial");
  std::remove(AtomicFile::temp_name(path).c_str());
  // committed through write_atomically
  write_atomically(path, [](const std::string& tmp) { std::ofstream(tmp) << "new"; });
  BOOST_TEST(slurp(path) == "new");
  BOOST_TEST(!exists(AtomicFile::temp_name(path)));
  // an exception in the writer leaves the old file and no temporary file
  BOOST_CHECK_THROW(write_atomically(path,
                                     [](const std::string& tmp) {
                                       std::ofstream(tmp) << "broken";
                                       throw OutputError("disk full");
                                     }),
                    OutputError);
  BOOST_TEST(slurp(path) == "new");
  BOOST_TEST(!exists(AtomicFile::temp_name(path)));
  // committing a temporary file that was never written is an output error naming it
  AtomicFile missing(temp_path("never.txt"));
  try {
    missing.commit();
    BOOST_FAIL("no error");
  } catch (const OutputError& e) {
    BOOST_TEST(std::string(e.what()).find(missing.temp_path()) == 0);
  }
  std::remove(path.c_str());
}

// ----------------------------------------------------------------------------------- CPU budget
#include <sched.h>
#include <cstdlib>

#include "mtl/core/cpus.h"

BOOST_AUTO_TEST_CASE(cgroup_cpu_max_lines) {
  BOOST_TEST(!cpus_from_cpu_max("max 100000").has_value());
  BOOST_TEST(*cpus_from_cpu_max("100000 100000") == 1);
  BOOST_TEST(*cpus_from_cpu_max("150000 100000") == 2);  // 1.5 CPUs: round up
  BOOST_TEST(*cpus_from_cpu_max("20000 100000") == 1);   // a fifth of a CPU: still one thread
  BOOST_TEST(*cpus_from_cpu_max("400000 100000") == 4);
  BOOST_TEST(!cpus_from_cpu_max("").has_value());
  BOOST_TEST(!cpus_from_cpu_max("garbage").has_value());
}

BOOST_AUTO_TEST_CASE(cpu_budget_sources) {
  ::unsetenv("OMP_NUM_THREADS");
  ::unsetenv("SLURM_CPUS_PER_TASK");
  cpu_set_t saved;
  BOOST_REQUIRE(sched_getaffinity(0, sizeof saved, &saved) == 0);
  CpuBudget b = available_cpus();
  BOOST_TEST(b.count >= 1);
  BOOST_TEST(b.count <= CPU_COUNT(&saved));
  // Pinned to one CPU (as taskset -c N does), the budget is one thread from the affinity mask.
  cpu_set_t one;
  CPU_ZERO(&one);
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &saved)) {
      CPU_SET(c, &one);
      break;
    }
  BOOST_REQUIRE(sched_setaffinity(0, sizeof one, &one) == 0);
  b = available_cpus();
  BOOST_REQUIRE(sched_setaffinity(0, sizeof saved, &saved) == 0);
  BOOST_TEST(b.count == 1);
  BOOST_TEST(b.source == "affinity mask");
  // The environment wins when set: Slurm's per-task CPUs, then OpenMP's count.
  ::setenv("SLURM_CPUS_PER_TASK", "5", 1);
  b = available_cpus();
  BOOST_TEST(b.count == 5);
  BOOST_TEST(b.source == "SLURM_CPUS_PER_TASK");
  ::setenv("OMP_NUM_THREADS", "3,1", 1);
  BOOST_TEST(available_cpus().count == 3);
  BOOST_TEST(available_cpus().source == "OMP_NUM_THREADS");
  ::setenv("OMP_NUM_THREADS", "zero", 1);  // not a count: ignored
  BOOST_TEST(available_cpus().source == "SLURM_CPUS_PER_TASK");
  ::unsetenv("OMP_NUM_THREADS");
  ::unsetenv("SLURM_CPUS_PER_TASK");
}

// ------------------------------------------------------------------------------- memory sizes
#include "mtl/core/memory.h"

BOOST_AUTO_TEST_CASE(memory_sizes) {
  BOOST_TEST(*parse_size("512M") == 512u * 1024 * 1024);
  BOOST_TEST(*parse_size("4G") == 4ull * 1024 * 1024 * 1024);
  BOOST_TEST(*parse_size("100k") == 102400u);
  BOOST_TEST(*parse_size("2GiB") == 2ull << 30);
  BOOST_TEST(*parse_size("1000") == 1000u);
  BOOST_TEST(*parse_size("64KB") == 65536u);
  for (const char* bad : {"", "M", "1.5G", "-1G", "12Q", "G4"}) BOOST_TEST(!parse_size(bad).has_value(), bad);
  BOOST_TEST(format_size(512u << 20) == "512.0M");
  BOOST_TEST(format_size(1000) == "1000B");
  BOOST_TEST(available_memory() > 0u);
  BOOST_TEST(total_memory() >= available_memory());  // all there is, and what is free of it now
}

#include "mtl/core/labels.h"
#include "mtl/core/share.h"

// A program run from the build folder finds share/mtl in the source tree; its AU names file lists
// the same names as the library's table.
BOOST_AUTO_TEST_CASE(share_file_from_the_build_tree) {
  const std::string path = mtl::share_file("au_names.txt");
  std::ifstream in(path);
  BOOST_REQUIRE_MESSAGE(in, path);
  std::string name;
  for (const char* want : mtl::au_names()) {
    BOOST_REQUIRE(std::getline(in, name));
    BOOST_CHECK_EQUAL(name, want);
  }
  const std::string missing = mtl::share_file("no-such-file");
  BOOST_CHECK(missing.size() > 12 && missing.compare(missing.size() - 12, 12, "no-such-file") == 0);
}

// ------------------------------------------------------------------------------------ thresholds
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

// ----------------------------------------------------------------------------- threshold tuning
namespace {

// Predictions and truth of `videos` identical videos: AU 0 has the rows (probability, label) of
// `au0` in every video, the other AUs are unlabelled. Identical videos make every bootstrap
// resample give the same F1 curve, so the median equals the search on all rows.
struct TuneCase {
  std::vector<Prediction> preds;
  Truth truth;
  void add(const std::string& image, const std::array<float, kNumAU>& prob, const Labels& l) {
    Prediction p;
    p.image = image;
    p.line = static_cast<int>(preds.size()) + 1;
    p.au_prob = prob;
    p.au = std::array<int, kNumAU>{};
    preds.push_back(p);
    truth.add(image, l);
  }
};

TuneCase au0_case(const std::vector<std::pair<float, int>>& au0, int videos) {
  TuneCase c;
  c.truth.source = "truth";
  for (int v = 0; v < videos; ++v)
    for (size_t i = 0; i < au0.size(); ++i) {
      std::array<float, kNumAU> prob{};
      prob[0] = au0[i].first;
      Labels l;
      l.au[0] = static_cast<int8_t>(au0[i].second);
      c.add("v" + std::to_string(v) + "/" + std::to_string(i) + ".jpg", prob, l);
    }
  return c;
}

// F1 of AU 0 over the case's rows at threshold t, by metrics.h's f1_binary.
double au0_f1(const std::vector<std::pair<float, int>>& au0, float t) {
  std::vector<int> y, p;
  for (const auto& [prob, label] : au0) y.push_back(label), p.push_back(prob >= t);
  return f1_binary(y, p);
}

std::vector<std::pair<float, int>> rows_of(const std::vector<float>& pos, const std::vector<float>& neg) {
  std::vector<std::pair<float, int>> r;
  for (float p : pos) r.emplace_back(p, 1);
  for (float p : neg) r.emplace_back(p, 0);
  return r;
}

}  // namespace

BOOST_AUTO_TEST_CASE(tune_au_threshold_at_a_known_peak) {
  // F1 over the grid (worked in Python): 0.50 -> 0.700, 0.55 -> 0.737, 0.60 -> 0.706; the 3-point
  // average also peaks at 0.55 (0.714).
  const auto rows = rows_of({0.33f, 0.58f, 0.63f, 0.66f, 0.71f, 0.74f, 0.81f, 0.92f},
                            {0.05f, 0.12f, 0.21f, 0.34f, 0.38f, 0.44f, 0.52f, 0.57f, 0.61f, 0.69f, 0.77f});
  TuneCase c = au0_case(rows, 4);
  TuneOptions o;
  o.min_positives = 8;
  TuneReport r;
  const Thresholds t = tune_thresholds(c.preds, c.truth, o, &r);
  BOOST_TEST(t.au[0] == 0.55f);
  BOOST_TEST(r.au[0].tuned);
  BOOST_TEST(r.au[0].positives == 32u);
  BOOST_TEST(r.au[0].f1_before == au0_f1(rows, 0.5f), boost::test_tools::tolerance(1e-12));
  BOOST_TEST(r.au[0].f1_tuned == au0_f1(rows, 0.55f), boost::test_tools::tolerance(1e-12));
  BOOST_TEST(r.au[0].f1_tuned == 14.0 / 19.0, boost::test_tools::tolerance(1e-12));  // TP 7, FP 4, FN 1
  for (int i = 1; i < kNumAU; ++i) BOOST_TEST(t.au[i] == 0.5f);  // no labels: kept
  BOOST_TEST(!t.ex_offsets.has_value());  // no ex_prob: no offsets
  BOOST_TEST(r.videos == 4u);
  // 32 positives are too few for min_positives 33: AU 0 keeps 0.5.
  o.min_positives = 33;
  BOOST_TEST(tune_thresholds(c.preds, c.truth, o, &r).au[0] == 0.5f);
  BOOST_TEST(!r.au[0].tuned);
  o.min_positives = 8;
  o.au = false;  // --tasks ex: the AUs keep 0.5
  BOOST_TEST(tune_thresholds(c.preds, c.truth, o).au[0] == 0.5f);
  // Lines decided with 0.55 already (a head trained at 0.55, or lines tuned before): the search
  // finds nothing better than what they were decided with, so AU 0 is left to the head (null),
  // and the F1 as predicted is that at 0.55.
  o.au = true;
  std::array<float, kNumAU> own;
  own.fill(0.5f);
  own[0] = 0.55f;
  for (auto& p : c.preds) p.au_thresholds = own;
  const Thresholds kept = tune_thresholds(c.preds, c.truth, o, &r);
  BOOST_TEST(!kept.au_set[0]);
  BOOST_TEST(!r.au[0].tuned);
  BOOST_TEST(r.au[0].oob_gain <= 0.0);
  BOOST_TEST(r.au[0].f1_before == au0_f1(rows, 0.55f), boost::test_tools::tolerance(1e-12));
  BOOST_TEST(r.au[0].f1_tuned == r.au[0].f1_before);
  // Lines decided with 0.3: the search's 0.55 beats them out of bag and is kept.
  own[0] = 0.3f;
  for (auto& p : c.preds) p.au_thresholds = own;
  BOOST_TEST(tune_thresholds(c.preds, c.truth, o, &r).au[0] == 0.55f);
  BOOST_TEST(r.au[0].tuned);
  BOOST_TEST(r.au[0].f1_before == au0_f1(rows, 0.3f), boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(tune_au_plateau_beats_spike_and_ties_go_to_half) {
  // Raw F1 peaks alone at 0.40 (1.0, its neighbours 0.857 and 0.667); the smoothed curve peaks at
  // 0.35 ((0.75 + 0.857 + 1) / 3 = 0.869 against (0.857 + 1 + 0.667) / 3 = 0.841).
  const auto spike = rows_of({0.72f, 0.40f, 0.42f, 0.44f, 0.46f, 0.48f}, {0.1f, 0.2f, 0.38f, 0.38f, 0.30f, 0.3f});
  TuneCase c = au0_case(spike, 5);
  TuneOptions o;
  o.min_positives = 1;
  BOOST_TEST(tune_thresholds(c.preds, c.truth, o).au[0] == 0.35f);
  // Separable rows: F1 is 1 from 0.15 to 0.90, so every smoothed value from 0.20 to 0.85 ties: 0.5.
  TuneCase sep = au0_case(rows_of({0.95f, 0.91f}, {0.1f, 0.12f}), 6);
  BOOST_TEST(tune_thresholds(sep.preds, sep.truth, o).au[0] == 0.5f);
  // F1 is 1 from 0.05 to 0.30 (positives at 0.33, a negative at 0.01), the smoothed curve from 0.05
  // to 0.25 (at 0.30: (1 + 1 + 0) / 3): of those, 0.25 is the nearest 0.5.
  TuneCase low = au0_case(rows_of({0.33f, 0.34f}, {0.01f}), 6);
  BOOST_TEST(tune_thresholds(low.preds, low.truth, o).au[0] == 0.25f);
}

namespace {

// An expression row: truth `y`, probabilities `p` (the argmax as "ex").
void add_ex_row(TuneCase& c, const std::string& image, int y, const std::array<float, kNumEX>& p) {
  Prediction pr;
  pr.image = image;
  pr.line = static_cast<int>(c.preds.size()) + 1;
  pr.ex_prob = p;
  pr.ex = static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin());
  c.preds.push_back(pr);
  Labels l;
  l.ex = static_cast<int8_t>(y);
  c.truth.add(image, l);
}

double macro_f1_of(const std::vector<Prediction>& preds, const Truth& truth) {
  std::vector<int> y, p;
  for (const auto& pr : preds) y.push_back(truth.labels(truth.find(pr.image)).ex), p.push_back(*pr.ex);
  double s = 0;
  for (double f : f1_per_class(y, p, kNumEX)) s += f;
  return s / kNumEX;
}

}  // namespace

BOOST_AUTO_TEST_CASE(tune_ex_offsets_fix_a_biased_class) {
  // Anger rows (truth 1) get p = 0.5 Neutral, 0.3 Anger: all are predicted Neutral. An Anger offset
  // o with log(0.5/0.3) = 0.51 < o < log(0.7/0.2) = 1.25 (Neutral rows: 0.7 Neutral, 0.2 Anger)
  // decides every row right: on the grid 0.75 and 1.0, of which 0.75 is the nearer 0.
  TuneCase c;
  c.truth.source = "truth";
  const float r0 = 0.1f / 6, r1 = 0.2f / 6;
  for (int v = 0; v < 6; ++v)
    for (int i = 0; i < 5; ++i) {
      const std::string base = "v" + std::to_string(v) + "/" + std::to_string(i);
      add_ex_row(c, base + "0.jpg", 0, {0.7f, 0.2f, r0, r0, r0, r0, r0, r0});
      add_ex_row(c, base + "1.jpg", 1, {0.5f, 0.3f, r1, r1, r1, r1, r1, r1});
    }
  TuneReport r;
  const Thresholds t = tune_thresholds(c.preds, c.truth, TuneOptions{}, &r);
  BOOST_REQUIRE(t.ex_offsets.has_value());
  const std::array<float, kNumEX> want{0, 0.75f, 0, 0, 0, 0, 0, 0};
  BOOST_TEST(*t.ex_offsets == want);
  BOOST_TEST(r.ex_rows == 60u);
  // Before: Neutral F1 = 2*30 / (2*30 + 30) = 2/3, the rest 0; after: two classes at F1 1.
  BOOST_TEST(r.ex_f1_before == macro_f1_of(c.preds, c.truth), boost::test_tools::tolerance(1e-12));
  BOOST_TEST(r.ex_f1_before == (2.0 / 3) / 8, boost::test_tools::tolerance(1e-12));
  auto tuned = c.preds;
  for (auto& p : tuned) apply_thresholds(p, t);
  BOOST_TEST(r.ex_f1_after == macro_f1_of(tuned, c.truth), boost::test_tools::tolerance(1e-12));
  BOOST_TEST(r.ex_f1_after == 2.0 / 8, boost::test_tools::tolerance(1e-12));
  // No AU probabilities: every AU at 0.5; --tasks au: no offsets.
  for (float a : t.au) BOOST_TEST(a == 0.5f);
  TuneOptions au_only;
  au_only.ex = false;
  BOOST_TEST(!tune_thresholds(c.preds, c.truth, au_only).ex_offsets.has_value());
}

BOOST_AUTO_TEST_CASE(tune_ex_small_gains_keep_zero_offsets) {
  // Balanced, well-predicted rows: no offset raises macro F1 by more than 1e-3, all stay 0.
  TuneCase c;
  c.truth.source = "truth";
  for (int v = 0; v < 4; ++v)
    for (int k = 0; k < kNumEX; ++k) {
      std::array<float, kNumEX> p;
      p.fill(0.3f / 7);
      p[k] = 0.7f;
      add_ex_row(c, "v" + std::to_string(v) + "/" + std::to_string(k) + ".jpg", k, p);
    }
  TuneReport r;
  const Thresholds t = tune_thresholds(c.preds, c.truth, TuneOptions{}, &r);
  // Every resample keeps zero offsets, so they gain nothing on the videos left out: none written.
  BOOST_TEST(!t.ex_offsets.has_value());
  BOOST_TEST(!r.ex_tuned);
  BOOST_TEST(r.ex_oob_gain == 0.0);
  BOOST_TEST(r.ex_f1_after == r.ex_f1_before);
}

BOOST_AUTO_TEST_CASE(tune_keeps_half_when_thresholds_do_not_carry_over_to_other_videos) {
  // Video 0 (40 rows) has its positives at 0.3 and negatives at 0.2; videos 1-4 (4 rows each)
  // have positives at 0.6 and negatives at 0.45. On all rows together F1 is highest at a low
  // threshold (0.25: video 0 all right, 8 false positives elsewhere: 2*28/(2*28+8) = 0.875 against
  // 0.5: 8 true positives of 28, 2*8/(2*8+20) = 0.444), but a threshold tuned with video 0 in the
  // resample loses on videos 1-4 left out, and one tuned without it gains nothing on video 0's
  // absence: the out-of-bag gain is negative, and the AU keeps 0.5.
  TuneCase c;
  c.truth.source = "truth";
  auto add = [&](int v, int i, float prob, int label) {
    std::array<float, kNumAU> p{};
    p[0] = prob;
    Labels l;
    l.au[0] = static_cast<int8_t>(label);
    c.add("v" + std::to_string(v) + "/" + std::to_string(i) + ".jpg", p, l);
  };
  for (int i = 0; i < 40; ++i) add(0, i, i % 2 ? 0.3f : 0.2f, i % 2);
  for (int v = 1; v <= 4; ++v)
    for (int i = 0; i < 4; ++i) add(v, i, i % 2 ? 0.6f : 0.45f, i % 2);
  TuneReport r;
  TuneOptions o;
  o.bootstrap = 200;
  const Thresholds t = tune_thresholds(c.preds, c.truth, o, &r);
  std::vector<int> y, at_quarter, at_half;
  for (const auto& p : c.preds) {
    y.push_back(c.truth.labels(c.truth.find(p.image)).au[0]);
    at_quarter.push_back((*p.au_prob)[0] >= 0.25f);
    at_half.push_back((*p.au_prob)[0] >= 0.5f);
  }
  BOOST_TEST(f1_binary(y, at_quarter) == 0.875, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(f1_binary(y, at_half) == 16.0 / 36, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(r.au[0].oob_gain < 0.0);
  BOOST_TEST(!r.au[0].tuned);
  BOOST_TEST(t.au[0] == 0.5f);
}

BOOST_AUTO_TEST_CASE(tune_joins_on_the_truth_and_is_deterministic) {
  // Videos that differ, so that resamples differ: two runs with one seed give the same thresholds.
  TuneCase c;
  c.truth.source = "truth.txt";
  for (int v = 0; v < 8; ++v)
    for (int i = 0; i < 20; ++i) {
      std::array<float, kNumAU> prob;
      Labels l;
      for (int a = 0; a < kNumAU; ++a) {
        prob[a] = static_cast<float>(((v * 37 + i * 11 + a * 5) % 97) / 97.0);
        l.au[a] = static_cast<int8_t>((v + i + a) % 3 == 0 || prob[a] > 0.7f);
      }
      c.add("v" + std::to_string(v) + "/" + std::to_string(i) + ".jpg", prob, l);
    }
  TuneOptions o;
  const Thresholds a = tune_thresholds(c.preds, c.truth, o), b = tune_thresholds(c.preds, c.truth, o);
  BOOST_TEST(a.au == b.au);
  // A prediction without truth is counted, not used.
  auto extra = c.preds;
  extra.push_back(c.preds[0]);
  extra.back().image = "other/1.jpg";
  extra.back().au_prob->fill(0.99f);
  TuneReport r;
  BOOST_TEST(tune_thresholds(extra, c.truth, o, &r).au == a.au);
  BOOST_TEST(r.without_truth == 1u);
  BOOST_TEST(r.matched == 160u);
  // Nothing matched, an image predicted twice, a bad option: errors.
  std::vector<Prediction> none(1, extra.back());
  o.predictions_name = "p.jsonl";
  try {
    tune_thresholds(none, c.truth, o);
    BOOST_FAIL("no error for predictions without truth");
  } catch (const InputError& e) {
    BOOST_TEST(std::string(e.what()) == "p.jsonl: none of its 1 predictions is of an image in truth.txt");
  }
  auto twice = c.preds;
  twice.push_back(c.preds[3]);
  twice.back().line = 161;
  try {
    tune_thresholds(twice, c.truth, o);
    BOOST_FAIL("no error for an image predicted twice");
  } catch (const InputError& e) {
    BOOST_TEST(std::string(e.what()) == "p.jsonl:161: image 'v0/3.jpg' was already predicted on line 4");
  }
  o.bootstrap = 0;
  BOOST_CHECK_THROW(tune_thresholds(c.preds, c.truth, o), UsageError);
}

// ----------------------------------------------------------------------------- temporal smoothing
#include "mtl/core/smoothing.h"

namespace {
// The series of the smoothing tests: frames with a gap of one (3) and of three (6-8).
const std::vector<long> kFrames = {1, 2, 4, 5, 9};
const std::vector<double> kValues = {1, 3, 2, 6, 4};

void check_series(const std::vector<double>& got, const std::vector<double>& want) {
  BOOST_REQUIRE_EQUAL(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) BOOST_TEST(got[i] == want[i], boost::test_tools::tolerance(1e-12));
}

Prediction ex_row(const std::string& image, std::array<float, kNumEX> prob) {
  Prediction p;
  p.image = image;
  p.ex_prob = prob;
  p.ex = static_cast<int>(std::max_element(prob.begin(), prob.end()) - prob.begin());
  return p;
}

std::string smooth_text(const std::string& in, const Smoothing& s, bool sort_all = false) {
  std::istringstream i(in);
  std::ostringstream o;
  smooth_stream(i, "p.jsonl", o, s, nullptr, sort_all);
  return o.str();
}

std::string smooth_error(const std::string& in, bool sort_all = false) {
  try {
    smooth_text(in, Smoothing{{Filter::Mean, 3}, {}, {}}, sort_all);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string smoothing_error(const std::string& text) {
  try {
    parse_smoothing(text, "s.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}
}  // namespace

BOOST_AUTO_TEST_CASE(smoothing_mean_by_hand) {
  // W = 3, [f-1, f+1]: f=1 {1,2} (1+3)/2 = 2; f=2 {1,2} = 2 (3 is missing); f=4 {4,5} (2+6)/2 = 4;
  // f=5 {4,5} = 4; f=9 {9} = 4 (alone: its own value).
  check_series(smooth_series(kFrames, kValues, {Filter::Mean, 3}), {2, 2, 4, 4, 4});
  // W = 5, [f-2, f+2]: f=1 {1,2} = 2; f=2 {1,2,4} (1+3+2)/3 = 2; f=4 {2,4,5} (3+2+6)/3 = 11/3;
  // f=5 {4,5} = 4; f=9 {9} = 4.
  check_series(smooth_series(kFrames, kValues, {Filter::Mean, 5}), {2, 2, 11.0 / 3, 4, 4});
  // W = 1 and none change nothing.
  check_series(smooth_series(kFrames, kValues, {Filter::Mean, 1}), kValues);
  check_series(smooth_series(kFrames, kValues, {Filter::None, 9}), kValues);
}

BOOST_AUTO_TEST_CASE(smoothing_median_by_hand) {
  // W = 5: f=1 {1,3} even: (1+3)/2 = 2; f=2 {1,3,2} -> 2; f=4 {3,2,6} -> 3; f=5 {2,6} -> 4; f=9 {4}.
  check_series(smooth_series(kFrames, kValues, {Filter::Median, 5}), {2, 2, 3, 4, 4});
  // W = 7, [f-3, f+3]: f=1 {1,3,2} -> 2; f=2 {1,3,2,6} sorted 1 2 3 6: (2+3)/2 = 2.5; f=4 the same
  // four frames -> 2.5; f=5 {3,2,6} -> 3; f=9 {4}.
  check_series(smooth_series(kFrames, kValues, {Filter::Median, 7}), {2, 2.5, 2.5, 3, 4});
}

BOOST_AUTO_TEST_CASE(smoothing_exponential_by_hand_and_direct) {
  // W = 3: lambda = 1 - 2/4 = 0.5. At f=1 the distances are 0,1,3,4,8: weights 1, .5, .125,
  // .0625, .00390625 (sum 1.69140625); values 1*1 + 3*.5 + 2*.125 + 6*.0625 + 4*.00390625 = 3.140625.
  // At f=9 the distances are 8,7,5,4,0: sum of weights 1.10546875, weighted values 4.46484375.
  const auto got = smooth_series(kFrames, kValues, {Filter::Exp, 3});
  BOOST_TEST(got[0] == 3.140625 / 1.69140625, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(got[4] == 4.46484375 / 1.10546875, boost::test_tools::tolerance(1e-12));
  // Every point against the direct weighted sum over the series (the gaps decay by lambda^g).
  for (int w : {3, 5, 9, 41}) {
    const double lambda = 1.0 - 2.0 / (w + 1);
    const auto e = smooth_series(kFrames, kValues, {Filter::Exp, w});
    for (size_t i = 0; i < kFrames.size(); ++i) {
      double num = 0, den = 0;
      for (size_t j = 0; j < kFrames.size(); ++j) {
        const double wt = std::pow(lambda, std::abs(kFrames[i] - kFrames[j]));
        num += wt * kValues[j];
        den += wt;
      }
      BOOST_TEST(e[i] == num / den, boost::test_tools::tolerance(1e-12));
    }
  }
}

BOOST_AUTO_TEST_CASE(smoothing_edge_cases) {
  for (Filter f : {Filter::Mean, Filter::Median, Filter::Exp})
    check_series(smooth_series({7}, {0.25}, {f, 9}), {0.25});  // one frame: unchanged
  BOOST_CHECK_THROW(smooth_series({1, 2}, {1}, {Filter::Mean, 3}), std::invalid_argument);
  BOOST_CHECK_THROW(smooth_series({1, 2}, {1, 2}, {Filter::Mean, 4}), std::invalid_argument);
  BOOST_CHECK_THROW(smooth_series({1, 2}, {1, 2}, {Filter::Mean, 0}), std::invalid_argument);
  BOOST_TEST(filter_name(Filter::Median) == std::string("median"));
  BOOST_TEST((filter_from_name("exp") == Filter::Exp));
  BOOST_TEST(!filter_from_name("gauss").has_value());
}

BOOST_AUTO_TEST_CASE(smoothing_a_video_renormalises_and_decides_again) {
  // Median W = 3 at the middle frame: class 0 median(.6,.2,.5) = .5, class 1 median(.4,.8,.1) = .4,
  // class 2 median(0,0,.4) = 0: sum .9, renormalised to 5/9, 4/9, 0; its "ex" 1 becomes 0.
  std::vector<Prediction> rows = {ex_row("v/1.jpg", {.6f, .4f, 0, 0, 0, 0, 0, 0}),
                                  ex_row("v/2.jpg", {.2f, .8f, 0, 0, 0, 0, 0, 0}),
                                  ex_row("v/3.jpg", {.5f, .1f, .4f, 0, 0, 0, 0, 0})};
  // The middle row has valence-arousal, the others not: its series has one value, passed unchanged.
  rows[1].va = std::array<float, 2>{0.5f, -0.5f};
  Smoothing s{{}, {Filter::Median, 3}, {Filter::Mean, 3}};
  smooth_video(rows, {1, 2, 3}, s);
  BOOST_TEST((*rows[1].ex_prob)[0] == 5.0f / 9, boost::test_tools::tolerance(1e-6f));
  BOOST_TEST((*rows[1].ex_prob)[1] == 4.0f / 9, boost::test_tools::tolerance(1e-6f));
  BOOST_TEST((*rows[1].ex_prob)[2] == 0.0f);
  BOOST_TEST(*rows[1].ex == 1);  // not decided yet
  for (auto& p : rows) redecide(p, s, nullptr);
  BOOST_TEST(*rows[1].ex == 0);
  BOOST_TEST((*rows[1].va == std::array<float, 2>{0.5f, -0.5f}));
  BOOST_TEST(!rows[0].va.has_value());
  // AU: mean W = 3 of .2, .9, .2 at the middle is 1.3/3 = .433: the AU is absent after smoothing at
  // 0.5, present with a threshold of 0.4; the end frames (.2+.9)/2 = .55 become present at 0.5.
  std::vector<Prediction> au(3);
  for (size_t i = 0; i < 3; ++i) {
    au[i].image = "v/" + std::to_string(i + 1) + ".jpg";
    au[i].au_prob = std::array<float, kNumAU>{};
    (*au[i].au_prob)[0] = i == 1 ? 0.9f : 0.2f;
  }
  Smoothing sa{{Filter::Mean, 3}, {}, {}};
  std::vector<Prediction> copy = au;
  smooth_video(au, {1, 2, 3}, sa);
  BOOST_TEST((*au[1].au_prob)[0] == 1.3f / 3, boost::test_tools::tolerance(1e-6f));
  BOOST_TEST((*au[0].au_prob)[0] == 0.55f, boost::test_tools::tolerance(1e-6f));
  for (auto& p : au) redecide(p, sa, nullptr);
  BOOST_TEST((*au[1].au)[0] == 0);
  BOOST_TEST((*au[0].au)[0] == 1);
  Thresholds t = Thresholds::uniform(0.4f);
  redecide(au[1], sa, &t);
  BOOST_TEST((*au[1].au)[0] == 1);
  // Not smoothed and no thresholds: the decisions are left as they are.
  redecide(copy[1], Smoothing{}, nullptr);
  BOOST_TEST(!copy[1].au.has_value());
  // Only the expression smoothed, with offsets: the AUs keep the decisions the line has (here one
  // its thresholds would not give), and the expression is decided with the offsets.
  Prediction both = ex_row("v/1.jpg", {.3f, .7f, 0, 0, 0, 0, 0, 0});
  both.au_prob = std::array<float, kNumAU>{};
  both.au = std::array<int, kNumAU>{};
  (*both.au)[0] = 1;  // au_prob 0 at 0.5 would give 0
  std::array<float, kNumEX> off{};
  off[0] = 2.0f;  // log .3 + 2 > log .7
  both.ex_offsets = off;
  redecide(both, Smoothing{{}, {Filter::Median, 3}, {}}, nullptr);
  BOOST_TEST((*both.au)[0] == 1);
  BOOST_TEST(!both.au_thresholds.has_value());
  BOOST_TEST(*both.ex == 0);
}

BOOST_AUTO_TEST_CASE(smoothing_a_stream) {
  auto line = [](const std::string& image, float p) {
    Prediction q;
    q.image = image;
    q.au_prob = std::array<float, kNumAU>{};
    (*q.au_prob)[0] = p;
    q.au = std::array<int, kNumAU>{};
    (*q.au)[0] = p >= 0.5f;
    return format_prediction(q) + "\n";
  };
  const Smoothing s{{Filter::Mean, 3}, {}, {}};
  // Video a's frames out of order and a gap (1, 2, 4); video b of one frame.
  const std::string in = line("a/2.jpg", 0.6f) + line("a/1.jpg", 0.0f) + "\n" + line("a/4.jpg", 0.9f) + line("b/7.jpg", 0.3f);
  // a/1: (0 + .6)/2 = .3; a/2: (0 + .6)/2 = .3 (3 missing); a/4: alone, .9; b/7: alone, .3.
  const std::string want = line("a/1.jpg", 0.3f) + line("a/2.jpg", 0.3f) + line("a/4.jpg", 0.9f) + line("b/7.jpg", 0.3f);
  BOOST_TEST(smooth_text(in, s) == want);
  // Regrouped: a, b, a again.
  const std::string regrouped = line("a/1.jpg", 0.0f) + line("b/7.jpg", 0.3f) + line("a/2.jpg", 0.6f) + line("a/4.jpg", 0.9f);
  BOOST_TEST(smooth_error(regrouped).find("p.jsonl:3: video 'a' appears again after other videos (its rows began on "
                                          "line 1): the rows of each video must be consecutive: run mtl-smooth --sort") == 0,
             smooth_error(regrouped));
  BOOST_TEST(smooth_text(regrouped, s, true) == want);  // --sort takes it
  BOOST_TEST(smooth_error(line("a/1.jpg", 0) + line("a/2.jpg", 0) + line("a/0001.png", 0)) ==
             "p.jsonl:3: image 'a/0001.png': frame 1 of video 'a' appears twice (also on line 1)");
  BOOST_TEST(smooth_error(line("a/1.jpg", 0) + line("a/x1.jpg", 0)) ==
             "p.jsonl:2: image 'a/x1.jpg': its file name is not a frame number (VIDEO/NNNNN.jpg), so it cannot be smoothed");
  BOOST_TEST(smooth_error(line("a/1.jpg", 0) + "{\"image\": 3}\n").find("p.jsonl:2: ") == 0);
}

BOOST_AUTO_TEST_CASE(smoothing_file_read_and_written) {
  Smoothing s{{Filter::Exp, 9}, {Filter::Median, 15}, {}};
  const std::string text = smoothing_json(s);
  BOOST_TEST(text == R"({"format":"mtl-smoothing","version":1,"au":{"filter":"exp","window":9},)"
                     R"("ex":{"filter":"median","window":15},"va":{"filter":"none","window":1}})" "\n");
  const Smoothing back = parse_smoothing(text, "s.json");
  BOOST_TEST((back.au.filter == Filter::Exp && back.au.window == 9));
  BOOST_TEST((back.ex.filter == Filter::Median && back.ex.window == 15));
  BOOST_TEST((back.va.filter == Filter::None && back.va.window == 1));
  TuningRecord rec{"p.jsonl", "val.txt", "", {}, {}};
  rec.result.ex.before = 0.25;
  const Smoothing again = parse_smoothing(smoothing_json(s, &rec), "s.json");
  BOOST_TEST((again.ex.filter == Filter::Median && again.ex.window == 15));
  const Smoothing some = parse_smoothing(R"({"format":"mtl-smoothing","version":1,"va":{"filter":"mean","window":5}})", "s");
  BOOST_TEST((some.au.filter == Filter::None && some.va.filter == Filter::Mean && some.va.window == 5));
}

BOOST_AUTO_TEST_CASE(smoothing_file_errors) {
  const std::string head = R"({"format":"mtl-smoothing","version":1,)";
  BOOST_TEST(smoothing_error("{\n\"format\": ,}").find("s.json: line 2: invalid JSON: ") == 0);
  BOOST_TEST(smoothing_error(head + R"("au":{"filter":"mean","window":1e999}})") ==
             "s.json: invalid JSON: number overflow parsing '1e999'");
  BOOST_TEST(smoothing_error("[]") == "s.json: not a smoothing file: the JSON is not an object");
  BOOST_TEST(smoothing_error(R"({"format":"mtl-thresholds","version":1})") ==
             "s.json: not a smoothing file: \"format\" is not \"mtl-smoothing\"");
  BOOST_TEST(smoothing_error(R"({"format":"mtl-smoothing","version":2})") ==
             "s.json: smoothing format version 2, this toolkit reads version 1");
  BOOST_TEST(smoothing_error(head + R"("au":{"filter":"mean","window":4}})") ==
             "s.json: \"au\": \"window\" = 4 must be an odd number of frames from 1 to 100001");
  BOOST_TEST(smoothing_error(head + R"("au":{"filter":"mean","window":-3}})") ==
             "s.json: \"au\": \"window\" = -3 must be an odd number of frames from 1 to 100001");
  BOOST_TEST(smoothing_error(head + R"("au":{"filter":"mean","window":3.0}})") ==
             "s.json: \"au\": \"window\" = 3.0 is not an integer");
  BOOST_TEST(smoothing_error(head + R"("ex":{"filter":"gauss","window":3}})") ==
             "s.json: \"ex\": unknown filter \"gauss\" (none, mean, median or exp)");
  BOOST_TEST(smoothing_error(head + R"("ex":{"filter":"mean"}})") == "s.json: \"ex\": \"window\" is missing");
  BOOST_TEST(smoothing_error(head + R"("va":{"filter":"mean","window":3,"x":1}})") == "s.json: \"va\": unknown key \"x\"");
  BOOST_TEST(smoothing_error(head + R"("va":[]})") ==
             "s.json: \"va\" must be an object {\"filter\": NAME, \"window\": W}");
  BOOST_TEST(smoothing_error(head + R"("aus":{}})") == "s.json: unknown key \"aus\"");
  BOOST_TEST(smoothing_error(head + R"("tuning":1})") == "s.json: \"tuning\" must be an object");
}

BOOST_AUTO_TEST_CASE(smoothing_tuned_on_a_video) {
  // One video of 9 frames, all truly class 1; predicted .7 class 1 / .3 class 2, except frame 5 (.3/.7).
  // No smoothing: class 1 has TP 8, FN 1: F1 16/17; class 2 F1 0 (1 FP); the rest 0: P_EX = 16/17/8.
  // A mean over 3 frames puts frame 5 at (.7+.3+.7)/3 = .567 for class 1: all right, P_EX = 1/8.
  Truth truth;
  std::vector<Prediction> rows;
  for (int f = 9; f >= 1; --f) {  // in reverse: the tuning sorts the frames itself
    const std::string image = "v/" + std::to_string(f) + ".jpg";
    Labels l;
    l.ex = 1;
    truth.add(image, l);
    rows.push_back(f == 5 ? ex_row(image, {0, .3f, .7f, 0, 0, 0, 0, 0}) : ex_row(image, {0, .7f, .3f, 0, 0, 0, 0, 0}));
    rows.back().line = 10 - f;
  }
  const SmoothingTuning r = tune_smoothing(rows, "p.jsonl", truth, nullptr);
  BOOST_TEST(*r.ex.before == 16.0 / 17 / 8, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(*r.ex.after == 1.0 / 8, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(r.ex.rows == 9u);
  // Ties: mean, median and exp at W = 3 all fix frame 5; the first tried, mean, wins.
  BOOST_TEST((r.best.ex.filter == Filter::Mean && r.best.ex.window == 3));
  BOOST_TEST(r.ex.tried.size() == 1 + 3 * 6u);
  // Within a tolerance of 0.01 of the best (1/8 - 16/17/8 = 0.0074), none is kept.
  SmoothingSearch tolerant;
  tolerant.tolerance = 0.01;
  const SmoothingTuning kept = tune_smoothing(rows, "p.jsonl", truth, nullptr, tolerant);
  BOOST_TEST((kept.best.ex.filter == Filter::None && *kept.ex.after == *kept.ex.before));
  // Windows 9 and up only, median first: median 9 is the first of the best.
  SmoothingSearch wide;
  wide.filters = {Filter::Median, Filter::Mean};
  wide.windows = {15, 9};
  const SmoothingTuning w = tune_smoothing(rows, "p.jsonl", truth, nullptr, wide);
  BOOST_TEST((w.best.ex.filter == Filter::Median && w.best.ex.window == 9));
  BOOST_TEST(!r.au.before.has_value());  // no AU predictions: none
  BOOST_TEST((r.best.au.filter == Filter::None && r.best.va.filter == Filter::None));
  rows.push_back(rows.front());  // frame 9 twice
  rows.back().line = 10;
  BOOST_CHECK_THROW(tune_smoothing(rows, "p.jsonl", truth, nullptr), InputError);
}
