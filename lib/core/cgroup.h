// Private to mtl_core: the cgroup (v2) folders that hold this process's limits.
#pragma once
#include <fstream>
#include <string>
#include <vector>

namespace mtl {
namespace detail {

// /sys/fs/cgroup/<this process's cgroup> and each parent up to the root, innermost first; empty
// without a unified (v2) hierarchy. A job's limit often sits on a parent (Slurm, containers).
inline std::vector<std::string> cgroup_v2_folders() {
  std::ifstream f("/proc/self/cgroup");
  std::string path;
  bool found = false;
  for (std::string line; std::getline(f, line);)
    if (line.rfind("0::", 0) == 0) {
      path = line.substr(3);
      found = true;
    }
  std::vector<std::string> folders;
  if (!found) return folders;
  while (!path.empty() && path != "/") {
    folders.push_back("/sys/fs/cgroup" + path);
    path = path.substr(0, path.find_last_of('/'));
  }
  folders.push_back("/sys/fs/cgroup");
  return folders;
}

}  // namespace detail
}  // namespace mtl
