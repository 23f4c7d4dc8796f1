#include "mtl/core/version.h"

#ifndef MTL_VERSION
#error "MTL_VERSION must be defined by the build"
#endif

namespace mtl {

const char* toolkit_version() { return MTL_VERSION; }

}  // namespace mtl
