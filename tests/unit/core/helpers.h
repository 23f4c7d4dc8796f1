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

}  // namespace mtl_test
