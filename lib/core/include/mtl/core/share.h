// Where the toolkit's data files (share/mtl: AU and class names, convert_hsemotion.py) are, for a
// program run from its build folder or from an install prefix, without the source tree.
#pragma once
#include <string>

namespace mtl {

// The path of share/mtl/`name`: next to the running program (<prefix>/bin/../share/mtl, so an
// installed tree can be moved), else the source tree the program was built from, else the install
// prefix it was configured for. Returns the last candidate when none exists (for messages). Never throws.
std::string share_file(const std::string& name);

}  // namespace mtl
