// Write-to-temporary-then-rename, with the data and the rename flushed to disk.
#include "mtl/core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

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

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)), temp_(temp_name(path_)) {}

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
  AtomicFile f(path);
  write(f.temp_path());
  f.commit();
}

}  // namespace mtl
