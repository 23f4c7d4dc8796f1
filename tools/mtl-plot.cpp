// mtl-plot: the trainers' per-epoch logs (JSON lines) -> a PNG figure of the training curves;
// with --timeline, mtl-faces' frames and mtl-predict's lines of a video -> a figure (and a CSV
// table) of one face's answers over time.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "cli.h"
#include "mtl/core/atomic_file.h"
#include "mtl/core/error.h"
#include "mtl/core/face_lines.h"
#include "mtl/core/log.h"
#include "mtl/core/predictions.h"
#include "mtl/core/training_log.h"
#include "mtl/plot/plot.h"

namespace {

// The figure's font (OpenCV's Hershey fonts) draws ASCII only.
void warn_non_ascii(const std::string& what, const std::string& s) {
  if (std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; }))
    mtl::logging::warn(what + ": the figure's font draws ASCII only; other characters appear as '?'");
}

}  // namespace

int main(int argc, char** argv) {
  return mtl::cli::run("mtl-plot", [&] {
    mtl::cli::Parser p("mtl-plot", "LOG.jsonl...  |  --timeline FACES.jsonl PRED.jsonl",
                       "Draws the training and validation curves of runs from the trainers' logs (--log):\n"
                       "a row of panels per head, the loss left, the validation score right, a colour per run.\n"
                       "With --timeline: one face of a video over time, from mtl-faces' frames and the\n"
                       "predictions for their crops (valence, arousal, expression, AUs), as a figure and a CSV table.",
                       0);
    std::string output, title, csv, video;
    int track = 0;
    p.add()
      ("o,output", "the figure, a PNG file (required)", cxxopts::value(output), "FILE")
      ("label", "the legend's name of a run, once per LOG in order (default: the file names)",
       cxxopts::value<std::vector<std::string>>(), "NAME")
      ("title", "the figure's title (default: Training curves; Timeline of VIDEO)", cxxopts::value(title), "TEXT")
      ("logs", "training logs, JSON lines", cxxopts::value<std::vector<std::string>>());
    p.add("Timeline")
      ("timeline", "the operands are FACES.jsonl (of mtl-faces) and PRED.jsonl (of mtl-predict or "
                   "mtl-smooth; '-': stdin), joined by crop = image")
      ("csv", "also write the joined rows, one per frame, as a CSV table", cxxopts::value(csv), "FILE")
      ("video", "the video of FACES to draw (needed when it holds several)", cxxopts::value(video), "NAME")
      ("track", "the track to follow (mtl-faces --faces all; default: each frame's lowest)",
       cxxopts::value(track), "K");
    p.positional("logs");
    auto r = p.parse(argc, argv);
    if (output.empty()) throw mtl::UsageError("-o is required");
    const auto operands = r.count("logs") ? r["logs"].as<std::vector<std::string>>() : std::vector<std::string>{};

    if (r.count("timeline")) {
      if (r.count("label")) throw mtl::UsageError("--label names training runs; --timeline takes none");
      if (operands.size() != 2)
        throw mtl::UsageError("--timeline takes two files, FACES.jsonl (mtl-faces) and PRED.jsonl (mtl-predict), not " +
                              std::to_string(operands.size()));
      const std::string &faces_path = operands[0], &pred_path = operands[1];
      if (faces_path == "-" && pred_path == "-") throw mtl::UsageError("only one of FACES and PRED can be read from stdin ('-')");
      if (r.count("track") && track < 1) throw mtl::UsageError("--track must be a track id from 1, not " + std::to_string(track));
      if (r.count("video") && video.empty()) throw mtl::UsageError("--video needs a video's name");
      mtl::check_output_path("-o", output, operands, mtl::OutputKind::FileOrStream);
      if (!csv.empty()) {
        if (csv == output) throw mtl::UsageError("--csv and -o name the same file " + csv);
        mtl::check_output_path("--csv", csv, operands, mtl::OutputKind::FileOrStream);
      }
      warn_non_ascii("--title '" + title + "'", title);
      const auto faces = mtl::read_face_lines(faces_path);
      const auto preds = mtl::read_predictions(pred_path);
      const auto t = mtl::plot::join_timeline(faces, faces_path == "-" ? "<stdin>" : faces_path, preds,
                                              pred_path == "-" ? "<stdin>" : pred_path, video,
                                              r.count("track") ? std::optional<int>(track) : std::nullopt);
      warn_non_ascii("video '" + t.video + "'", title.empty() ? t.video : "");
      mtl::plot::write_timeline_plot(t, output, title);
      mtl::logging::info("wrote " + output + " (" + std::to_string(t.frames.size()) +
                         (t.frames.size() == 1 ? " frame" : " frames") + " of '" + t.video + "')");
      if (!csv.empty()) {
        mtl::write_file_atomically(csv, mtl::plot::timeline_csv(t));
        mtl::logging::info("wrote " + csv);
      }
      return 0;
    }

    for (const char* o : {"csv", "video", "track"})
      if (r.count(o)) throw mtl::UsageError(std::string("--") + o + " goes with --timeline");
    if (operands.empty()) throw mtl::UsageError("no training log given");
    const auto& paths = operands;
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
    warn_non_ascii("--title '" + title + "'", title);
    for (const auto& l : labels) warn_non_ascii("label '" + l + "'", l);
    std::vector<mtl::plot::Run> runs;
    for (size_t i = 0; i < paths.size(); ++i) runs.push_back({mtl::read_training_log(paths[i]), labels[i]});
    mtl::plot::write_curves_plot(runs, output, title);
    mtl::logging::info("wrote " + output);
    return 0;
  });
}
