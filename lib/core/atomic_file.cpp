// Write-to-temporary-then-rename, with the data and the rename flushed to disk.
#include "mtl/core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "mtl/core/error.h"

namespace mtl {
namespace {

// fsync of an existing file or folder; returns errno or 0.
int sync_path(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return errno;
  int err = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return err;
}

std::string folder_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

AtomicFile::AtomicFile(std::string path, Temp temp) : path_(std::move(path)), temp_(temp_name(path_)) {
  static std::atomic<unsigned> counter{0};
  if (temp == Temp::Unique) temp_ += "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

AtomicFile::~AtomicFile() {
  if (!done_) std::remove(temp_.c_str());
}

void AtomicFile::commit() {
  if (int err = sync_path(temp_, O_RDONLY))
    throw OutputError(temp_ + ": cannot flush to disk: " + std::strerror(err));
  if (std::rename(temp_.c_str(), path_.c_str()) != 0)
    throw OutputError(path_ + ": cannot rename " + temp_ + " into place: " + std::strerror(errno));
  done_ = true;
  // The rename itself is durable only once the folder is flushed; some file systems refuse, which
  // leaves the file complete but the rename possibly undone by a crash: not worth failing over.
  sync_path(folder_of(path_), O_RDONLY | O_DIRECTORY);
}

void write_atomically(const std::string& path, const std::function<void(const std::string& temp)>& write) {
  AtomicFile f(path, AtomicFile::Temp::Unique);
  write(f.temp_path());
  f.commit();
}

void check_output_path(const std::string& option, const std::string& path, const std::vector<std::string>& inputs) {
  struct stat out {};
  const bool exists = ::stat(path.c_str(), &out) == 0;
  for (const auto& in : inputs) {
    struct stat st {};
    const bool same = in == path || (exists && ::stat(in.c_str(), &st) == 0 && st.st_dev == out.st_dev &&
                                     st.st_ino == out.st_ino);
    if (same) throw UsageError(option + " " + path + " is also an input (" + in + "); it would be overwritten");
  }
  if (exists && !S_ISREG(out.st_mode))
    throw OutputError(path + ": exists and is not a regular file; give " + option + " a file name");
  struct stat dir {};
  const std::string folder = folder_of(path);
  if (::stat(folder.c_str(), &dir) != 0 || !S_ISDIR(dir.st_mode))
    throw OutputError(path + ": cannot write: folder " + folder + " does not exist");
}

}  // namespace mtl
