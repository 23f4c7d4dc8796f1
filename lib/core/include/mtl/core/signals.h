// Stop signals: long-running steps poll stop_signal() between batches, save what they have, and
// throw Interrupted, so that a batch job can be requeued (exit 128 + signal).
#pragma once

namespace mtl {

// Installs SIGINT, SIGTERM and SIGHUP handlers that only record the signal (SIGHUP only where it
// is not ignored, as under nohup). A second signal ends the process.
void install_stop_signals();
// The signal received since install_stop_signals() (0 if none).
int stop_signal();

}  // namespace mtl
