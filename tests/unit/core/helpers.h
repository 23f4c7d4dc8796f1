// Helpers shared by the core layer's unit tests (tests/unit/core/*.cpp, one program: test_core).
#pragma once
#include <boost/test/unit_test.hpp>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>

#include "mtl/core/error.h"

namespace mtl_test {

inline bool exists(const std::string& p) { return std::ifstream(p).good(); }

// A path under /tmp of this test process.
inline std::string temp_path(const std::string& name) {
  return "/tmp/mtl-test-" + std::to_string(getpid()) + "-" + name;
}

// Runs `f`, which must throw E with `part` in its message.
template <typename E>
void check_throws_message(const std::function<void()>& f, const std::string& part) {
  try {
    f();
    BOOST_ERROR("no exception; expected one saying: " + part);
  } catch (const E& e) {
    BOOST_TEST(std::string(e.what()).find(part) != std::string::npos, e.what());
  }
}

}  // namespace mtl_test
