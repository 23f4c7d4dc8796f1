// Unit tests of the files under share/mtl (share.cpp).
#include "helpers.h"

#include "mtl/core/labels.h"
#include "mtl/core/share.h"

using namespace mtl;
using namespace mtl_test;

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
