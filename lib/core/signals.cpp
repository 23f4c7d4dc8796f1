// Stop signals: recorded by the handler, polled by the long-running loops.
#include "mtl/core/signals.h"

#include <signal.h>

#include <atomic>

namespace mtl {
namespace {

std::atomic<int> g_stop_signal{0};

extern "C" void on_stop_signal(int signo) {
  // A second signal ends the process at once, as users expect from a second Ctrl-C.
  if (g_stop_signal.exchange(signo) != 0) {
    signal(signo, SIG_DFL);
    raise(signo);
  }
}

}  // namespace

void install_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  // A closed terminal or ssh session (SIGHUP) stops a run as SIGTERM does, unless the run was
  // started to outlive it (nohup: SIGHUP ignored), which stays so.
  struct sigaction hup {};
  if (sigaction(SIGHUP, nullptr, &hup) == 0 && hup.sa_handler != SIG_IGN) sigaction(SIGHUP, &sa, nullptr);
}

int stop_signal() { return g_stop_signal.load(); }

}  // namespace mtl
