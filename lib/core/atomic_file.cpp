// Safe outputs: write-to-temporary-then-rename with the data and the rename flushed to disk, through
// symbolic links to their targets, streams written directly; the checks before any work; the lock
// that keeps a second run off an output.
#include "mtl/core/atomic_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
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

std::string base_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// This host's name as it goes into temporary file names (no '/').
const std::string& host_name() {
  static const std::string name = [] {
    char buf[256] = {};
    std::string h = ::gethostname(buf, sizeof buf - 1) == 0 && buf[0] ? buf : "localhost";
    for (char& c : h)
      if (c == '/') c = '_';
    return h;
  }();
  return name;
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// Removes "BASE.part-HOST-PID-N" beside `path` where HOST is this host and no process PID exists.
void remove_dead_temps(const std::string& path) {
  const std::string prefix = base_of(path) + ".part-", folder = folder_of(path);
  DIR* dir = ::opendir(folder.c_str());
  if (!dir) return;  // the write itself will say what is wrong with the folder
  while (const dirent* e = ::readdir(dir)) {
    const std::string name = e->d_name;
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    // HOST-PID-N, read from the right: a host name may hold '-'.
    const std::string rest = name.substr(prefix.size());
    const auto n_at = rest.rfind('-');
    if (n_at == std::string::npos || n_at == 0) continue;
    const auto pid_at = rest.rfind('-', n_at - 1);
    if (pid_at == std::string::npos) continue;
    const std::string host = rest.substr(0, pid_at), pid = rest.substr(pid_at + 1, n_at - pid_at - 1);
    if (host != host_name() || !all_digits(pid) || !all_digits(rest.substr(n_at + 1)) || pid.size() > 9) continue;
    if (::kill(static_cast<pid_t>(std::stol(pid)), 0) != 0 && errno == ESRCH)
      std::remove((folder + "/" + name).c_str());
  }
  ::closedir(dir);
}

}  // namespace

AtomicFile::AtomicFile(std::string path, Temp temp) : path_(std::move(path)), temp_(temp_name(path_)) {
  static std::atomic<unsigned> counter{0};
  if (temp == Temp::Unique) {
    remove_dead_temps(path_);
    temp_ += "-" + host_name() + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  }
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

std::string resolve_links(const std::string& path) {
  std::string at = path;
  for (int hops = 0; hops < 40; ++hops) {
    struct stat st {};
    if (::lstat(at.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return at;
    std::string target(static_cast<size_t>(st.st_size > 0 ? st.st_size : 4096) + 1, '\0');
    const ssize_t n = ::readlink(at.c_str(), target.data(), target.size());
    if (n < 0) throw OutputError(at + ": cannot read the symbolic link: " + std::strerror(errno));
    target.resize(static_cast<size_t>(n));
    at = !target.empty() && target[0] == '/' ? target : folder_of(at) + "/" + target;
  }
  throw OutputError(path + ": too many levels of symbolic links");
}

bool is_stream_output(const std::string& path) {
  for (const char* prefix : {"/dev/stdout", "/dev/stderr", "/dev/fd/", "/proc/self/fd/"})
    if (path.compare(0, std::strlen(prefix), prefix) == 0) return true;
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode));
}

void write_atomically(const std::string& path, const std::function<void(const std::string& temp)>& write) {
  if (is_stream_output(path)) {  // nothing to replace: a rename would put a file where the stream was
    write(path);
    return;
  }
  AtomicFile f(resolve_links(path), AtomicFile::Temp::Unique);
  write(f.temp_path());
  f.commit();
}

void write_through(const std::string& file, const std::function<void(const ByteSink&)>& produce) {
  const bool stream = is_stream_output(file);
  const int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC | (stream ? O_APPEND : O_CREAT | O_TRUNC | O_NOFOLLOW), 0666);
  if (fd < 0) throw OutputError(file + ": cannot create: " + std::strerror(errno));
  int failed = 0;  // the errno of the first failed write
  const ByteSink sink = [&](const void* data, size_t size) {
    const char* bytes = static_cast<const char*>(data);
    for (size_t done = 0; done < size && !failed;) {
      const ssize_t n = ::write(fd, bytes + done, size - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) failed = n < 0 ? errno : EIO;
      else done += static_cast<size_t>(n);
    }
  };
  try {
    produce(sink);
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::close(fd) != 0 && errno != EINTR && !failed) failed = errno;
  if (failed) throw OutputError(file + ": cannot write: " + std::strerror(failed));
}

void write_file_atomically(const std::string& path, const std::string& bytes) {
  write_atomically(path, [&](const std::string& temp) {
    write_through(temp, [&](const ByteSink& sink) { sink(bytes.data(), bytes.size()); });
  });
}

void check_output_path(const std::string& option, const std::string& path, const std::vector<std::string>& inputs,
                       OutputKind kind) {
  struct stat out {};
  const bool exists = ::stat(path.c_str(), &out) == 0;
  for (const auto& in : inputs) {
    struct stat st {};
    const bool same = in == path || (exists && ::stat(in.c_str(), &st) == 0 && st.st_dev == out.st_dev &&
                                     st.st_ino == out.st_ino);
    if (same) throw UsageError(option + " " + path + " is also an input (" + in + "); it would be overwritten");
  }
  const bool stream = is_stream_output(path);
  if (stream && kind == OutputKind::FileOrStream) return;
  if (exists && !S_ISREG(out.st_mode))
    throw OutputError(path + ": exists and is not a regular file; give " + option + " a file name");
  if (stream)  // /dev/stdout redirected to a file: this output has files beside it (OUT.resume, OUT.part)
    throw OutputError(path + ": a stream, not a file of its own; give " + option + " a file name");
  struct stat dir {};
  const std::string folder = folder_of(resolve_links(path));
  if (::stat(folder.c_str(), &dir) != 0 || !S_ISDIR(dir.st_mode))
    throw OutputError(path + ": cannot write: folder " + folder + " does not exist");
}

OutputLock::OutputLock(const std::string& output, const std::string& option) : path_(lock_name(output)) {
  for (;;) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw OutputError(path_ + ": cannot create the lock file: " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      ::close(fd_);
      if (err == EWOULDBLOCK)
        throw OutputError(output + ": another run is writing it now (it holds " + path_ +
                          "); wait for it to end or give " + option + " another file");
      throw OutputError(path_ + ": cannot lock: " + std::strerror(err));
    }
    // The holder before us removes the file as it releases the lock: when the name no longer
    // points at the file we locked, we locked a removed file and must try again.
    struct stat locked {}, named {};
    if (::fstat(fd_, &locked) == 0 && ::stat(path_.c_str(), &named) == 0 && locked.st_dev == named.st_dev &&
        locked.st_ino == named.st_ino)
      return;
    ::close(fd_);
  }
}

OutputLock::~OutputLock() {
  ::unlink(path_.c_str());  // while still holding the lock (see the constructor)
  ::close(fd_);
}

}  // namespace mtl
