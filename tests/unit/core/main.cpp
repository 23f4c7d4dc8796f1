// The core layer's unit tests: one program, test_core (CTest unit.core), linked against mtl_core
// alone (no LibTorch, OpenCV or cxxopts). Each file beside this one tests one part of lib/core,
// named after it: a new case goes into the file of the core file it tests.
#define BOOST_TEST_MODULE mtl_core
#include <boost/test/unit_test.hpp>
