// mtl-smooth: predictions (JSONL) smoothed over the frames of each video, or the smoothing tuned.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli.h"
#include "mtl/core/atomic_file.h"
#include "mtl/core/error.h"
#include "mtl/core/log.h"
#include "mtl/core/smoothing.h"

namespace {

// The comma-separated items of `text`.
// The items of a comma-separated list given to `option`; an empty list is a usage error.
std::vector<std::string> items(const std::string& option, const std::string& text) {
  std::vector<std::string> out;
  std::stringstream s(text);
  for (std::string item; std::getline(s, item, ',');) out.push_back(item);
  if (out.empty()) throw mtl::UsageError(option + ": an empty list");
  return out;
}

// The smoothing of --filter, --window and --tasks.
mtl::Smoothing from_options(const std::string& name, const std::string& win, const std::string& tasks) {
  const mtl::TaskSmoothing ts{mtl::parse_filter("--filter", name),
                              win.empty() ? 1 : mtl::parse_window("--window", win)};
  if (win.empty() && ts.filter != mtl::Filter::None) throw mtl::UsageError("--filter " + name + " needs --window");
  mtl::Smoothing s;
  for (const std::string& t : items("--tasks", tasks)) {
    if (t != "au" && t != "ex" && t != "va") throw mtl::UsageError("--tasks: unknown task '" + t + "' (au, ex, va)");
    (t == "au" ? s.au : t == "ex" ? s.ex : s.va) = ts;
  }
  return s;
}

void report(const char* task, const mtl::TaskTuning& t, const mtl::TaskSmoothing& best) {
  for (const auto& [ts, v] : t.tried)
    mtl::logging::debug(std::string(task) + " " + mtl::filter_name(ts.filter) + " " + std::to_string(ts.window) + ": " +
                        std::to_string(v));
  mtl::logging::info(mtl::tuning_summary(task, t, best));
}

// --tune: picks each task's smoothing of the predictions in `pred` against `truth_path` and writes
// the parameters file `out` (atomically).
void tune_to_file(const std::string& pred, const std::string& truth_path, const std::string& out,
                  const std::optional<mtl::Thresholds>& t, mtl::TuningRecord& rec) {
  std::vector<std::string> inputs = {pred, truth_path};  // every file read: -o must be none of them
  if (!rec.thresholds.empty()) inputs.push_back(rec.thresholds);
  mtl::check_output_path("-o", out, inputs, mtl::OutputKind::FileOrStream);
  const mtl::Truth truth = mtl::read_truth(truth_path);
  rec.result = mtl::tune_smoothing(mtl::read_predictions(pred), pred == "-" ? "<stdin>" : pred, truth,
                                   t ? &*t : nullptr, rec.search);
  report("P_AU", rec.result.au, rec.result.best.au);
  report("P_EX", rec.result.ex, rec.result.best.ex);
  report("P_VA", rec.result.va, rec.result.best.va);
  mtl::write_file_atomically(out, mtl::smoothing_json(rec.result.best, &rec));
}

}  // namespace

int main(int argc, char** argv) {
  return mtl::cli::run("mtl-smooth", [&] {
    mtl::cli::Parser p("mtl-smooth", "[PRED.jsonl|-]",
                       "Smooths predictions over the frames of each video (VIDEO/NNNNN.jpg) and decides them again, "
                       "or tunes each task's filter and window on validation predictions (--tune).", 0);
    std::string tune, out, params, name, win, tasks = "au,ex,va", thr, filters = "mean,median,exp",
                                              windows = "3,5,9,15,25,41";
    double tolerance = mtl::SmoothingSearch{}.tolerance;
    p.add()
      ("filter", "smooth with FILTER: none, mean, median or exp", cxxopts::value(name), "FILTER")
      ("window", "the filter's window in frames (odd)", cxxopts::value(win), "W")
      ("tasks", "the tasks --filter smooths", cxxopts::value(tasks)->default_value(tasks), "LIST")
      ("params", "smooth as a parameters file says (from --tune)", cxxopts::value(params), "FILE")
      ("thresholds", "decide with these thresholds (mtl-tune) after smoothing", cxxopts::value(thr), "FILE")
      ("sort", "accept the videos' rows in any order (holds every row in memory)")
      ("tune", "pick each task's filter and window against the truth (annotations or store)",
       cxxopts::value(tune), "TRUTH")
      ("o,output", "the parameters file --tune writes", cxxopts::value(out), "FILE")
      ("filters", "the filters --tune tries besides none", cxxopts::value(filters)->default_value(filters), "LIST")
      ("windows", "the windows --tune tries", cxxopts::value(windows)->default_value(windows), "LIST")
      ("tolerance", "--tune keeps the simplest setting within T of the best score",
       cxxopts::value(tolerance)->default_value(mtl::cli::default_text(tolerance)), "T")
      ("predictions", "predictions, JSON lines ('-' or none: stdin)", cxxopts::value<std::vector<std::string>>());
    p.positional("predictions");
    auto r = p.parse(argc, argv);
    if (!tune.empty() + !params.empty() + !name.empty() != 1)
      throw mtl::UsageError("give one of --filter, --params and --tune");
    if (!win.empty() && name.empty()) throw mtl::UsageError("--window is for --filter");
    if (r.count("tasks") && name.empty()) throw mtl::UsageError("--tasks is for --filter");
    if (tune.empty() != out.empty()) throw mtl::UsageError(tune.empty() ? "-o is for --tune" : "--tune needs -o");
    if ((r.count("filters") || r.count("windows") || r.count("tolerance")) && tune.empty())
      throw mtl::UsageError("--filters, --windows and --tolerance are for --tune");
    if (!(tolerance >= 0 && tolerance <= 1)) throw mtl::UsageError("--tolerance: a score difference from 0 to 1");
    if (r.count("sort") && !tune.empty()) throw mtl::UsageError("--tune reads the rows in any order: no --sort");
    if (r.count("predictions") > 1) throw mtl::UsageError("one prediction file expected");
    const std::string pred = r.count("predictions") ? r["predictions"].as<std::vector<std::string>>()[0] : "-";
    mtl::TuningRecord rec{pred, tune, thr, {{}, {}, tolerance}, {}};
    for (const auto& f : items("--filters", filters)) rec.search.filters.push_back(mtl::parse_filter("--filters", f));
    for (const auto& w : items("--windows", windows)) rec.search.windows.push_back(mtl::parse_window("--windows", w));
    const mtl::Smoothing opt = name.empty() ? mtl::Smoothing{} : from_options(name, win, tasks);
    std::optional<mtl::Thresholds> t;
    if (!thr.empty()) t = mtl::read_thresholds(thr);
    if (!tune.empty()) return tune_to_file(pred, tune, out, t, rec), 0;
    const mtl::Smoothing s = params.empty() ? opt : mtl::read_smoothing(params);
    std::ifstream file;
    if (pred != "-") {
      file.open(pred, std::ios::binary);
      if (!file) throw mtl::InputError(pred + ": cannot open: " + std::strerror(errno));
    }
    mtl::smooth_stream(pred == "-" ? std::cin : file, pred == "-" ? "<stdin>" : pred, std::cout, s, t ? &*t : nullptr,
                       r.count("sort") > 0);
    return 0;
  });
}
