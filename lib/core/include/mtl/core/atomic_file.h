// Outputs written under a temporary name beside the final one and renamed into place when
// complete, so that a killed or failed run never leaves a file at the final path that looks whole.
#pragma once
#include <functional>
#include <string>

namespace mtl {

class AtomicFile {
 public:
  // Plans to write `path` through `path` + ".part". Creates nothing yet.
  explicit AtomicFile(std::string path);
  // Removes the temporary file unless it was committed or kept.
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // The temporary name used for `path`.
  static std::string temp_name(const std::string& path) { return path + ".part"; }

  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_; }

  // Flushes the temporary file to disk, renames it to path() and flushes the folder.
  // The caller has closed the file. Throws OutputError naming the file.
  void commit();
  // Leaves the temporary file in place (a stopped run that records how far it got).
  void keep() { done_ = true; }

 private:
  std::string path_, temp_;
  bool done_ = false;
};

// Writes a whole file atomically: `write` receives the temporary file's path and must create it
// and close it; then the file is committed. On an exception the temporary file is removed.
void write_atomically(const std::string& path, const std::function<void(const std::string& temp)>& write);

}  // namespace mtl
