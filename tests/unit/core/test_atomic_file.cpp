// Unit tests of whole files written atomically (atomic_file.cpp).
#include "helpers.h"

#include "mtl/core/atomic_file.h"

using namespace mtl;
using namespace mtl_test;

namespace {
std::string slurp(const std::string& p) {
  std::ifstream f(p);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}
}  // namespace

BOOST_AUTO_TEST_CASE(atomic_file_commit_keep_and_abandon) {
  const std::string path = temp_path("atomic.txt");
  std::ofstream(path) << "old";
  {  // abandoned: the old file stays, the temporary one is removed
    AtomicFile f(path);
    std::ofstream(f.temp_path()) << "half";
    BOOST_TEST(exists(f.temp_path()));
  }
  BOOST_TEST(slurp(path) == "old");
  BOOST_TEST(!exists(AtomicFile::temp_name(path)));
  {  // kept: the temporary file stays for a resume, the old file is untouched
    AtomicFile f(path);
    std::ofstream(f.temp_path()) << "partial";
    f.keep();
  }
  BOOST_TEST(slurp(AtomicFile::temp_name(path)) == "partial");
  std::remove(AtomicFile::temp_name(path).c_str());
  // committed through write_atomically
  write_atomically(path, [](const std::string& tmp) { std::ofstream(tmp) << "new"; });
  BOOST_TEST(slurp(path) == "new");
  BOOST_TEST(!exists(AtomicFile::temp_name(path)));
  // an exception in the writer leaves the old file and no temporary file
  BOOST_CHECK_THROW(write_atomically(path,
                                     [](const std::string& tmp) {
                                       std::ofstream(tmp) << "broken";
                                       throw OutputError("disk full");
                                     }),
                    OutputError);
  BOOST_TEST(slurp(path) == "new");
  BOOST_TEST(!exists(AtomicFile::temp_name(path)));
  // committing a temporary file that was never written is an output error naming it
  AtomicFile missing(temp_path("never.txt"));
  try {
    missing.commit();
    BOOST_FAIL("no error");
  } catch (const OutputError& e) {
    BOOST_TEST(std::string(e.what()).find(missing.temp_path()) == 0);
  }
  std::remove(path.c_str());
}

// write_through: a temporary file left by a killed run of the same host and PID (a restarted
// container) is overwritten, not refused; a symbolic link is not written through; on a full device
// every piece is taken and the first failure is reported after, naming the file.
BOOST_AUTO_TEST_CASE(write_through_overwrites_leftovers_and_reports_a_full_disk) {
  const std::string path = temp_path("through");
  { std::ofstream(path) << "left by a killed run of this host and PID"; }
  write_through(path, [](const ByteSink& sink) {
    sink("ab", 2);
    sink("c", 1);
  });
  BOOST_TEST(slurp(path) == "abc");
  const std::string link = temp_path("through-link");
  BOOST_REQUIRE(::symlink(path.c_str(), link.c_str()) == 0);
  BOOST_CHECK_THROW(write_through(link, [](const ByteSink& sink) { sink("x", 1); }), OutputError);
  BOOST_TEST(slurp(path) == "abc");  // the link's target is untouched
  std::remove(link.c_str());
  std::remove(path.c_str());
  if (!exists("/dev/full")) return;  // a root without /dev
  int pieces = 0;
  std::string message;
  try {
    write_through("/dev/full", [&](const ByteSink& sink) {
      sink("ab", 2), ++pieces;
      sink("c", 1), ++pieces;
    });
  } catch (const OutputError& e) {
    message = e.what();
  }
  BOOST_TEST(pieces == 2);
  BOOST_TEST(message == "/dev/full: cannot write: No space left on device");
}
