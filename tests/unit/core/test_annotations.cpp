// Unit tests of the input-list parser (annotations.cpp).
#include "helpers.h"

#include "mtl/core/annotations.h"

using namespace mtl;
using namespace mtl_test;

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
}  // namespace

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
