// Built against the installed library by `make installcheck` (and so by make distcheck), with the
// flags of the installed mtl-toolkit.pc: prints the toolkit's version, which the Makefile compares.
#include <cstdio>

#include <mtl/core/version.h>

int main() {
  std::puts(mtl::toolkit_version());
  return 0;
}
