// mtl-tune: validation predictions + truth -> decision thresholds (a thresholds file); applies
// them to a prediction stream (--apply) or stores them in head checkpoints (--store).
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli.h"
#include "mtl/core/atomic_file.h"
#include "mtl/core/error.h"
#include "mtl/core/log.h"
#include "mtl/core/tuning.h"
#include "mtl/pipeline/tune.h"

namespace {

// --tasks au,ex: which parts to tune.
void parse_tasks(const std::string& list, mtl::TuneOptions& o) {
  o.au = o.ex = false;
  std::stringstream s(list);
  for (std::string t; std::getline(s, t, ',');) {
    if (t == "au") o.au = true;
    else if (t == "ex") o.ex = true;
    else throw mtl::UsageError("--tasks: '" + t + "' is not au or ex");
  }
  if (!o.au && !o.ex) throw mtl::UsageError("--tasks: give au, ex or au,ex");
}

int tune(const std::string& truth_path, const std::string& pred_path, const std::string& output, mtl::TuneOptions o) {
  mtl::check_output_path("-o", output, {truth_path, pred_path}, mtl::OutputKind::FileOrStream);
  const mtl::Truth truth = mtl::read_truth(truth_path);
  o.predictions_name = pred_path == "-" ? "<stdin>" : pred_path;
  mtl::TuneReport report;
  const mtl::Thresholds t = mtl::tune_thresholds(mtl::read_predictions(pred_path), truth, o, &report);
  if (report.without_truth)
    mtl::logging::warn(o.predictions_name + ": " + std::to_string(report.without_truth) + " of " +
                       std::to_string(report.predictions) + " predictions are of images not in " + truth_path);
  if (o.au && report.au_rows == 0)
    mtl::logging::warn("no AU thresholds tuned (each AU keeps the head's own): no prediction with \"au_prob\" has AU labels");
  if (o.ex && report.ex_rows == 0)
    mtl::logging::warn("no expression offsets: no prediction with \"ex_prob\" has an expression label");
  int moved = 0;
  for (const auto& a : report.au) moved += a.tuned;
  if (report.videos == 1)
    mtl::logging::warn(o.predictions_name + ": " +
                       (report.without_video == report.matched
                            ? "the image paths carry no video (no folder, as in VIDEO/00001.jpg)"
                            : "the images with truth are of one video") +
                       ": the bootstrap resamples videos, and one video gives it nothing to hold out, so nothing is tuned");
  mtl::logging::info(std::to_string(moved) + " of 12 AU thresholds tuned (the others keep the head's own)" +
                     (report.ex_rows ? report.ex_tuned ? "; expression offsets written" :
                                       "; no expression offsets (no gain on the videos left out)" : ""));
  mtl::logging::debug("\n" + mtl::format_tune_report(report));
  mtl::write_file_atomically(output, mtl::thresholds_json(t));
  mtl::logging::info("wrote " + output + " (" + std::to_string(report.matched) + " rows of " +
                     std::to_string(report.videos) + " videos)");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return mtl::cli::run("mtl-tune", [&] {
    mtl::cli::Parser p("mtl-tune",
                       "--truth TRUTH -o OUT [PRED.jsonl|-] | --apply F [PRED.jsonl|-] | --store F CKPT.pt...",
                       "Tunes decision thresholds on validation predictions: one per AU for F1, offsets on the "
                       "expression log-probabilities for macro F1; applies them to predictions or stores them in "
                       "checkpoints.",
                       mtl::cli::kSeed);
    std::string truth, output, apply, store, tasks = "au,ex";
    mtl::TuneOptions o;
    p.add()
      ("truth", "tune: ABAW annotation file or feature store with the labels", cxxopts::value(truth))
      ("o,output", "tune: thresholds file to write", cxxopts::value(output))
      ("tasks", "tune: the parts to tune, au and/or ex (the rest keep the heads' own)",
       cxxopts::value(tasks)->default_value(tasks))
      ("bootstrap", "tune: resamples of the videos",
       cxxopts::value(o.bootstrap)->default_value(mtl::cli::default_text(o.bootstrap)), "B")
      ("min-positives", "tune: an AU with fewer positive labels keeps the head's own threshold",
       cxxopts::value(o.min_positives)->default_value(mtl::cli::default_text(o.min_positives)), "N")
      ("apply", "decide predictions again with thresholds file F, stdin or PRED to stdout", cxxopts::value(apply), "F")
      ("store", "write thresholds file F into AU and EX checkpoints", cxxopts::value(store), "F")
      ("operands", "predictions (JSON lines; '-' or none: stdin), or checkpoints with --store",
       cxxopts::value<std::vector<std::string>>());
    p.positional("operands");
    auto r = p.parse(argc, argv);
    const auto ops = r.count("operands") ? r["operands"].as<std::vector<std::string>>() : std::vector<std::string>{};
    if (!truth.empty() + !apply.empty() + !store.empty() != 1)
      throw mtl::UsageError("give one of --truth (tune), --apply or --store");
    if (truth.empty() && (!output.empty() || r.count("tasks") || r.count("bootstrap") || r.count("min-positives")))
      throw mtl::UsageError("-o, --tasks, --bootstrap and --min-positives are for tuning (--truth)");
    if (!store.empty()) {
      if (ops.empty()) throw mtl::UsageError("--store: no checkpoint given");
      for (const auto& line : mtl::store_thresholds(mtl::read_thresholds(store), store, ops)) mtl::logging::info(line);
      return 0;
    }
    if (ops.size() > 1) throw mtl::UsageError("one prediction file expected");
    const std::string pred = ops.empty() ? "-" : ops[0];
    if (!apply.empty()) {
      const mtl::Thresholds t = mtl::read_thresholds(apply);
      std::ios::sync_with_stdio(false);  // std::cin's own buffer: in_avail() tells when the input waits
      std::ifstream in;
      if (pred != "-") {
        in.open(pred, std::ios::binary);
        if (!in) throw mtl::InputError(pred + ": cannot open: " + std::strerror(errno));
      }
      const std::string name = pred == "-" ? "<stdin>" : pred;
      if (size_t n = mtl::apply_thresholds_stream(pred == "-" ? std::cin : in, name, t, std::cout))
        mtl::logging::warn(name + ": " + std::to_string(n) + " rows without \"au_prob\" or \"ex_prob\" passed unchanged " +
                           "(the thresholds decide from probabilities)");
      return 0;
    }
    if (output.empty()) throw mtl::UsageError("--truth: give the thresholds file to write with -o");
    // Refused before any input is read.
    if (o.bootstrap < 1) throw mtl::UsageError("--bootstrap must be at least 1");
    if (o.min_positives < 0) throw mtl::UsageError("--min-positives must not be negative");
    parse_tasks(tasks, o);
    o.seed = p.common().seed;
    return tune(truth, pred, output, o);
  });
}
