// Unit tests of memory sizes (memory.cpp).
#include "helpers.h"

#include "mtl/core/memory.h"

using namespace mtl;
using namespace mtl_test;

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
