// Unit tests of SHA-256 (checksum.cpp) against known vectors.
#include "helpers.h"

#include "mtl/core/checksum.h"

using namespace mtl;
using namespace mtl_test;

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
