// Outputs written under a temporary name beside the final one and renamed into place when
// complete, so that a killed or failed run never leaves a file at the final path that looks whole.
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace mtl {

class AtomicFile {
 public:
  // How the temporary file is named: Fixed ("OUT.part") lets a rerun find and resume it; Unique
  // ("OUT.part-PID-N") lets two runs given the same output never write into one file.
  enum class Temp { Fixed, Unique };
  // Plans to write `path` through a temporary file beside it. Creates nothing yet.
  explicit AtomicFile(std::string path, Temp temp = Temp::Fixed);
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

// Writes a whole file atomically through a uniquely named temporary file: `write` receives its path
// and must create and close it; then the file is committed. On an exception it is removed.
void write_atomically(const std::string& path, const std::function<void(const std::string& temp)>& write);

// Checks an output before any work is done, so that a run cannot end by destroying something:
// throws UsageError when `path` is one of `inputs` (the same file, by device and inode, or the
// same name), and OutputError when its folder does not exist or `path` exists but is not a
// regular file (a device, a folder, a FIFO). `option` names it in messages ("-o", "--log").
void check_output_path(const std::string& option, const std::string& path, const std::vector<std::string>& inputs);

}  // namespace mtl
