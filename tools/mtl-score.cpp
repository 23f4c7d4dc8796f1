// mtl-score: predictions (JSONL) + truth -> P_AU, P_EX, P_VA, P_MTL.
#include <iostream>

#include <exception>
#include <future>

#include "cli.h"
#include "mtl/core/error.h"
#include "mtl/core/log.h"
#include "mtl/core/score.h"
#include "mtl/plot/plot.h"

int main(int argc, char** argv) {
  return mtl::cli::run("mtl-score", [&] {
    mtl::cli::Parser p("mtl-score", "[PRED.jsonl|-]",
                       "Scores predictions against the truth with the ABAW multi-task measures: mean F1 over 12 "
                       "AUs, macro F1 over 8 expressions, mean CCC of valence and arousal, and their sum P_MTL.",
                       0);
    std::string truth_path, plot_prefix;
    p.add()
      ("truth", "ABAW annotation file or feature store holding the labels (required)", cxxopts::value(truth_path))
      ("json", "print one JSON object instead of a table")
      ("strict", "fail when a prediction has no truth or a labelled image has no prediction")
      ("plot", "also write PREFIX-confusion.png (expressions) and PREFIX-au-f1.png (AUs)",
       cxxopts::value(plot_prefix), "PREFIX")
      ("predictions", "predictions, JSON lines ('-' or none: stdin)", cxxopts::value<std::vector<std::string>>());
    p.positional("predictions");
    auto r = p.parse(argc, argv);
    if (truth_path.empty()) throw mtl::UsageError("--truth is required");
    if (r.count("predictions") > 1) throw mtl::UsageError("one prediction file expected");
    std::string pred_path = r.count("predictions") ? r["predictions"].as<std::vector<std::string>>()[0] : "-";
    if (r.count("plot")) mtl::plot::check_score_plot_paths(plot_prefix, {truth_path, pred_path});
    // The two files are read at once, on two threads; an error in the truth is reported first.
    auto truth_job = std::async(std::launch::async, [&] { return mtl::read_truth(truth_path); });
    std::vector<mtl::Prediction> preds;
    std::exception_ptr pred_error;
    try {
      preds = mtl::read_predictions(pred_path);
    } catch (...) {
      pred_error = std::current_exception();
    }
    mtl::Truth truth = truth_job.get();
    if (pred_error) std::rethrow_exception(pred_error);
    const std::string pred_name = pred_path == "-" ? "<stdin>" : pred_path;
    auto report = mtl::score(preds, truth, pred_name);
    // Scores of nothing, or of predictions for another split, must not pass unseen.
    if (report.matched == 0)
      throw mtl::InputError(pred_name + ": none of its " + std::to_string(report.predictions) +
                            " predictions is of an image in " + truth_path);
    if (report.predictions_without_truth && !r.count("strict"))
      mtl::logging::warn(pred_name + ": " + std::to_string(report.predictions_without_truth) + " of " +
                         std::to_string(report.predictions) + " predictions are of images not in " + truth_path);
    if (r.count("strict") && (report.predictions_without_truth || report.truth_without_predictions))
      throw mtl::InputError(std::to_string(report.predictions_without_truth) + " predictions without truth and " +
                            std::to_string(report.truth_without_predictions) +
                            " images of the truth without a prediction (--strict)");
    if (r.count("plot") && mtl::plot::write_score_plots(report.scores, plot_prefix).empty())
      mtl::logging::warn("--plot: no AU or expression predictions scored, so no plot written");
    std::cout << (r.count("json") ? mtl::format_json(report) : mtl::format_table(report));
    return 0;
  });
}
