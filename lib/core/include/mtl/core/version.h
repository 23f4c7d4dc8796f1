// The toolkit's own version, recorded in every file it writes.
#pragma once

namespace mtl {

// The toolkit's version, e.g. "0.1.0".
const char* toolkit_version();

}  // namespace mtl
