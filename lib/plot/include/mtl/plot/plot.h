// Figures of scores and training runs, drawn with OpenCV's imgproc and written as PNG files.
// Links mtl_core and OpenCV (core, imgproc) only, not LibTorch: mtl-score uses it.
//
// Why OpenCV and not a plotting program (gnuplot, matplotlib) driven from share/: OpenCV is
// already a dependency, so the figures cost no new package on a cluster node or the GPU machine,
// no second interpreter and no start-up of one; they come out the same on every machine (no font
// or backend configuration); and errors and atomic writes stay in the toolkit's own code. The
// price is the axes, ticks and legends written here, and OpenCV's Hershey stroke fonts, which are
// drawn supersampled so that they read cleanly.
#pragma once
#include <string>
#include <vector>

#include "mtl/core/metrics.h"
#include "mtl/core/training_log.h"

namespace mtl {
namespace plot {

// The files mtl-score --plot PREFIX writes: PREFIX-confusion.png and PREFIX-au-f1.png.
std::string confusion_path(const std::string& prefix);
std::string au_f1_path(const std::string& prefix);

// Checks, before any work, that both score plots can be written beside `inputs`
// (check_output_path). Throws UsageError or OutputError.
void check_score_plot_paths(const std::string& prefix, const std::vector<std::string>& inputs);

// Writes the plots of the tasks scored in `s`: the expression confusion matrix when P_EX is
// present, the per-AU F1 bars when P_AU is. Returns the paths written (none when neither task was
// scored). Throws OutputError.
std::vector<std::string> write_score_plots(const Scores& s, const std::string& prefix);

// The 8x8 expression confusion matrix (rows: truth, columns: prediction) with counts, shaded by
// the share of each row.
void write_confusion_plot(const Scores& s, const std::string& path);

// Bars of the 12 AUs' F1, with their mean (P_AU) as a dashed line.
void write_au_f1_plot(const Scores& s, const std::string& path);

// One training run to draw.
struct Run {
  TrainingLog log;
  std::string label;
};

// Labels for runs read from `paths`: each file's name, or its whole path where two names collide.
std::vector<std::string> default_labels(const std::vector<std::string>& paths);

// Training curves: one row of panels per task among the runs (AU, EX, VA), with the training
// (solid) and validation (dashed) loss on the left and the validation score on the right, one
// colour per run, the best epoch marked; a legend of the runs below. `title` may be empty.
void write_curves_plot(const std::vector<Run>& runs, const std::string& path, const std::string& title);

}  // namespace plot
}  // namespace mtl
