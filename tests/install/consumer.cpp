// A program outside the toolkit, built against the installed library by tests/e2e/install.sh (once
// through the CMake package, once through pkg-config). It extracts features with the library's
// run_extract and reads the store back, so the headers, the four layers and their dependencies
// must all be found and linked. Usage: consumer BACKBONE IMAGE_ROOT LIST OUT.h5
#include <exception>
#include <iostream>

#include "mtl/core/feature_store.h"
#include "mtl/core/version.h"
#include "mtl/pipeline/extract.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: consumer BACKBONE IMAGE_ROOT LIST OUT.h5\n";
    return 2;
  }
  try {
    mtl::ExtractOptions o;
    o.backbone = argv[1];
    o.image_root = argv[2];
    o.input = argv[3];
    o.output = argv[4];
    o.threads = 1;
    o.check();
    mtl::run_extract(o);
    mtl::FeatureStoreReader store(o.output);
    std::cout << "mtl-toolkit " << mtl::toolkit_version() << ": " << store.rows() << " rows of "
              << store.info().feature_dim << " features\n";
  } catch (const std::exception& e) {
    std::cerr << "consumer: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
