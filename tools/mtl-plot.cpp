// mtl-plot: the trainers' per-epoch logs (JSON lines) -> a PNG figure of the training curves.
#include <algorithm>
#include <string>
#include <vector>

#include "cli.h"
#include "mtl/core/atomic_file.h"
#include "mtl/core/error.h"
#include "mtl/core/log.h"
#include "mtl/core/training_log.h"
#include "mtl/plot/plot.h"

int main(int argc, char** argv) {
  return mtl::cli::run("mtl-plot", [&] {
    mtl::cli::Parser p("mtl-plot", "LOG.jsonl...",
                       "Draws the training and validation curves of runs from the trainers' logs (--log):\n"
                       "a row of panels per head, the loss left, the validation score right, a colour per run.",
                       0);
    std::string output, title;
    p.add()
      ("o,output", "the figure, a PNG file (required)", cxxopts::value(output), "FILE")
      ("label", "the legend's name of a run, once per LOG in order (default: the file names)",
       cxxopts::value<std::vector<std::string>>(), "NAME")
      ("title", "the figure's title (default: Training curves)", cxxopts::value(title), "TEXT")
      ("logs", "training logs, JSON lines", cxxopts::value<std::vector<std::string>>());
    p.positional("logs");
    auto r = p.parse(argc, argv);
    if (output.empty()) throw mtl::UsageError("-o is required");
    if (!r.count("logs")) throw mtl::UsageError("no training log given");
    const auto paths = r["logs"].as<std::vector<std::string>>();
    auto labels = mtl::plot::default_labels(paths);
    if (r.count("label")) {
      labels = r["label"].as<std::vector<std::string>>();
      if (labels.size() != paths.size())
        throw mtl::UsageError(std::to_string(labels.size()) + " --label for " + std::to_string(paths.size()) +
                              " logs: give one per log, or none");
    }
    for (const auto& path : paths)
      if (path == "-") throw mtl::UsageError("logs are read from files, not from stdin ('-')");
    mtl::check_output_path("-o", output, paths, mtl::OutputKind::FileOrStream);
    // The figure's font (OpenCV's Hershey fonts) draws ASCII only.
    auto non_ascii = [](const std::string& s) {
      return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
    };
    if (non_ascii(title)) mtl::logging::warn("--title '" + title + "': the figure's font draws ASCII only; other characters appear as '?'");
    for (const auto& l : labels)
      if (non_ascii(l)) mtl::logging::warn("label '" + l + "': the figure's font draws ASCII only; other characters appear as '?'");
    std::vector<mtl::plot::Run> runs;
    for (size_t i = 0; i < paths.size(); ++i) runs.push_back({mtl::read_training_log(paths[i]), labels[i]});
    mtl::plot::write_curves_plot(runs, output, title);
    mtl::logging::info("wrote " + output);
    return 0;
  });
}
