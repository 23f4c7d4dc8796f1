// Finding share/mtl from the running program.
#include "mtl/core/share.h"

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mtl {
namespace {

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// The folder holding the running program, "" when /proc/self/exe cannot be read.
std::string program_dir() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  const std::string exe(buf, static_cast<size_t>(n));
  const auto slash = exe.rfind('/');
  return slash == std::string::npos ? "" : exe.substr(0, slash);
}

}  // namespace

std::string share_file(const std::string& name) {
  const std::string dir = program_dir();
  const std::string candidates[] = {dir.empty() ? "" : dir + "/../share/mtl/" + name,
                                    std::string(MTL_SOURCE_SHARE_DIR "/") + name,
                                    std::string(MTL_INSTALL_SHARE_DIR "/") + name};
  for (const auto& c : candidates)
    if (!c.empty() && exists(c)) return c;
  return candidates[2];
}

}  // namespace mtl
