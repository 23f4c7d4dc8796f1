// Messages on stderr and the progress bar.
#include "mtl/core/log.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>

namespace mtl {
namespace logging {
namespace {

std::string g_program = "mtl";
int g_verbosity = 1;
std::mutex g_mutex;    // one writer of stderr at a time
size_t g_drawn = 0;    // characters of a progress line now on the terminal (0: none)

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

// Erases the progress line on the terminal, if one is drawn. Called with g_mutex held.
void erase_line() {
  if (g_drawn == 0) return;
  std::cerr << '\r' << std::string(g_drawn, ' ') << '\r';
  g_drawn = 0;
}

// Draws `text` as the terminal's progress line, over the one drawn before.
void draw_line(const std::string& text) {
  std::lock_guard<std::mutex> lock(g_mutex);
  const size_t old = g_drawn;
  std::cerr << '\r' << text;
  if (old > text.size()) std::cerr << std::string(old - text.size(), ' ') << '\r' << text;
  std::cerr << std::flush;
  g_drawn = text.size();
}

void message(const std::string& text) {
  std::lock_guard<std::mutex> lock(g_mutex);
  erase_line();
  std::cerr << text << "\n";
}

std::string format_rate(double per_second) {
  char b[32];
  std::snprintf(b, sizeof b, per_second >= 100 ? "%.0f" : "%.1f", per_second);
  return b;
}

bool stderr_is_terminal() { return isatty(2) != 0; }

}  // namespace

void set_program(const std::string& name) { g_program = name; }
const std::string& program() { return g_program; }

void set_verbosity(int v) { g_verbosity = v; }
int verbosity() { return g_verbosity; }

void info(const std::string& msg) {
  if (g_verbosity >= 1) message(g_program + ": " + msg);
}
void debug(const std::string& msg) {
  if (g_verbosity >= 2) message(g_program + ": " + msg);
}
void warn(const std::string& msg) { message(g_program + ": warning: " + msg); }

double progress_interval() {
  const char* v = std::getenv("MTL_PROGRESS_INTERVAL");
  if (!v || !*v) return 30;
  char* end = nullptr;
  const double s = std::strtod(v, &end);
  return (*end == '\0' && std::isfinite(s) && s >= 0) ? s : 30;
}

// Seconds between redraws of a terminal's progress line: 0.1, or less when progress_interval() is.
static double redraw_seconds() { return std::min(0.1, progress_interval()); }

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const long t = std::lround(seconds);
  char b[48];
  if (t >= 3600) std::snprintf(b, sizeof b, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  else std::snprintf(b, sizeof b, "%ld:%02ld", t / 60, t % 60);
  return b;
}

Progress::Progress(std::string label, size_t total, std::string unit, size_t already)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total), already_(already),
      tty_(stderr_is_terminal()), enabled_(g_verbosity >= 1), start_(now_seconds()), last_(start_) {}

Progress::~Progress() { finish(); }

// "1200/5000 images (24%), 40.1 images/s, ETA 1:35", after the label and a bar on a terminal.
std::string Progress::line(size_t done, double elapsed) const {
  const double frac = total_ ? static_cast<double>(done) / total_ : 1.0;
  const double rate = elapsed > 0 ? (done - std::min(done, already_)) / elapsed : 0.0;
  std::string s;  // a batch log's line starts with the program's name instead
  if (tty_) {
    const int width = 24, fill = static_cast<int>(frac * width);
    s += label_ + " [" + std::string(fill, '#') + std::string(width - fill, '.') + "] ";
  }
  s += std::to_string(done) + "/" + std::to_string(total_) + " " + unit_ + " (" +
       std::to_string(static_cast<int>(100 * frac)) + "%), " + format_rate(rate) + " " + unit_ + "/s";
  if (done < total_) s += ", ETA " + (rate > 0 ? format_duration((total_ - done) / rate) : std::string("?"));
  return s;
}

void Progress::update(size_t done) {
  if (!enabled_ || finished_) return;
  const double now = now_seconds();
  if (tty_) {
    if (now - last_ < redraw_seconds() && done < total_) return;
    last_ = now;
    draw_line(line(done, now - start_));
  } else if (now - last_ >= progress_interval() && done < total_) {
    last_ = now;
    message(g_program + ": " + line(done, now - start_));
  }
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (!enabled_ || !tty_) return;
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_drawn) std::cerr << "\n";  // the last state stays on screen
  g_drawn = 0;
}

EpochProgress::EpochProgress(int last, size_t batches, bool epoch_lines)
    : last_(last), batches_(std::max<size_t>(batches, 1)), tty_(stderr_is_terminal()),
      enabled_(g_verbosity >= 1), epoch_lines_(epoch_lines), start_(now_seconds()) {}

EpochProgress::~EpochProgress() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (tty_) erase_line();
}

bool EpochProgress::due() const { return enabled_ && tty_ && now_seconds() - last_draw_ >= redraw_seconds(); }

// Seconds left: the time per batch so far times the batches still to run.
double EpochProgress::eta(int epoch, size_t done) const {
  const size_t ran = batches_run_ + done;
  if (ran == 0) return NAN;
  const double per_batch = (now_seconds() - start_) / ran;
  const double left = static_cast<double>(batches_ > done ? batches_ - done : 0) +
                      static_cast<double>(last_ - epoch) * static_cast<double>(batches_);
  return per_batch * left;
}

void EpochProgress::batch(int epoch, size_t done, double loss) {
  if (!due()) return;
  last_draw_ = now_seconds();
  char b[64];
  std::snprintf(b, sizeof b, "loss %.4f", loss);
  draw_line("epoch " + std::to_string(epoch) + "/" + std::to_string(last_) + " batch " + std::to_string(done) +
            "/" + std::to_string(std::max(batches_, done)) + ", " + b + ", ETA " + format_duration(eta(epoch, done)));
}

void EpochProgress::end_epoch(int epoch, size_t batches, const std::string& summary) {
  batches_run_ += batches;
  batches_ = std::max<size_t>(batches, 1);  // measured: the estimate was a guess
  if (!enabled_) return;
  if (!epoch_lines_) {  // the epoch's JSON line, on stderr, says how it went
    std::lock_guard<std::mutex> lock(g_mutex);
    erase_line();
    return;
  }
  std::string eta_text = epoch < last_ ? ", ETA " + format_duration(eta(epoch + 1, 0)) : "";
  message(g_program + ": epoch " + std::to_string(epoch) + "/" + std::to_string(last_) + ": " + summary + eta_text);
}

}  // namespace logging
}  // namespace mtl
