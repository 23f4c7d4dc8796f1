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
  // ("OUT.part-HOST-PID-N") lets two runs given the same output never write into one file.
  enum class Temp { Fixed, Unique };
  // Plans to write `path` through a temporary file beside it. Creates nothing yet, but with
  // Temp::Unique removes the unique temporary files of `path` that processes of this host which
  // no longer exist left behind (a run killed by SIGKILL while writing); those of live processes
  // and of other hosts (a shared file system) are left alone.
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
// A symbolic link is followed: the temporary file goes beside the link's final target and replaces
// the target; the link stays. A stream (see is_stream_output) is written directly: `write`
// receives `path` itself.
void write_atomically(const std::string& path, const std::function<void(const std::string& temp)>& write);

// Where a writer puts its bytes, piece by piece. It takes every piece: LibTorch's archive writers
// end the process on a short count (their zip writer throws from a destructor).
using ByteSink = std::function<void(const void* data, size_t n)>;

// Writes the bytes `produce` hands to its sink into `file`: a file (created, or truncated: a
// temporary file of write_atomically or AtomicFile, which a killed run of the same host and PID
// may have left; never through a symbolic link; mode 0666 less the umask), or, when `file` is a stream
// (is_stream_output), appended to it (/dev/stdout redirected with >> keeps what was there). The
// first failed write is remembered, later pieces are dropped, and once `produce` returns it is
// thrown: OutputError "file: cannot write: No space left on device". Exceptions of `produce` pass.
void write_through(const std::string& file, const std::function<void(const ByteSink&)>& produce);

// Writes `bytes` as the whole file `path`, atomically as above (write_through on the temporary file). A failed write stops at once with
// its reason: OutputError "TEMP: cannot write: No space left on device".
void write_file_atomically(const std::string& path, const std::string& bytes);

// Whether `path` names a stream rather than a file to replace: /dev/stdout, /dev/stderr, /dev/fd/N,
// /proc/self/fd/N, or (after symbolic links) an existing FIFO or character device such as /dev/null.
bool is_stream_output(const std::string& path);

// The file `path` names once symbolic links are followed, the last component included (a dangling
// link gives its missing target). Throws OutputError on a loop of links.
std::string resolve_links(const std::string& path);

// Says that one run is writing an output: an exclusive flock on "OUTPUT.lock", held while the
// object lives, so that a second run given the same output stops at once instead of racing the
// first (the last to finish would win, and both would write OUTPUT's side files). The lock file is
// removed on release; one left by a killed run holds no lock and is taken over.
class OutputLock {
 public:
  // Throws OutputError (exit 4) "OUTPUT: another run is writing it now ..." when the lock is
  // held, naming `option` ("-o", "--log") as the way out.
  OutputLock(const std::string& output, const std::string& option);
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

  static std::string lock_name(const std::string& output) { return output + ".lock"; }

 private:
  std::string path_;
  int fd_ = -1;
};

// Which outputs a program takes: files only (with side files or a resumable .part: the trainers,
// mtl-extract), or files and streams (a whole file written once: mtl-tune -o, mtl-export -o, ...).
enum class OutputKind { File, FileOrStream };

// Checks an output before any work is done, so that a run cannot end by destroying something:
// throws UsageError when `path` is one of `inputs` (the same file, by device and inode, or the
// same name), and OutputError when its folder does not exist or `path` exists but is not a
// regular file (a device, a folder, a FIFO), unless `kind` takes streams and it is one.
// `option` names it in messages ("-o", "--log").
void check_output_path(const std::string& option, const std::string& path, const std::vector<std::string>& inputs,
                       OutputKind kind = OutputKind::File);

}  // namespace mtl
