// Figures of scores, training runs and a video's answers over time, drawn with OpenCV's imgproc
// and written as PNG files.
// Links mtl_core and OpenCV (core, imgproc) only, not LibTorch: mtl-score uses it.
//
// Why OpenCV and not a plotting program (gnuplot, matplotlib) driven from share/: OpenCV is
// already a dependency, so the figures cost no new package on a cluster node or the GPU machine,
// no second interpreter and no start-up of one; they come out the same on every machine (no font
// or backend configuration); and errors and atomic writes stay in the toolkit's own code. The
// price is the axes, ticks and legends written here, and OpenCV's Hershey stroke fonts, which are
// drawn supersampled so that they read cleanly.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "mtl/core/face_lines.h"
#include "mtl/core/metrics.h"
#include "mtl/core/predictions.h"
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

// ---- mtl-plot --timeline: one face of one video over time (timeline_join.cpp, timeline.cpp).

// One frame of the video as mtl-faces looked at it, with the chosen face and its prediction.
struct TimelineFrame {
  long frame = 0;
  std::optional<double> time;   // seconds; none for a photo or a folder of images
  bool face = false;            // the chosen track has a face in this frame
  std::string crop;             // that face's crop (mtl-faces' "crop")
  std::optional<Prediction> pred;  // the prediction whose "image" is the crop; none: no face, or no line for it
  int line = 0;                 // the frame's line in FACES
};

// A video's frames, in frame order, joined with the predictions.
struct Timeline {
  std::string video;
  std::optional<int> track;     // the track asked for; none: each frame's smallest track id
  std::vector<TimelineFrame> frames;
  bool timed = false;           // every frame has a time: the x axis is seconds, else frame numbers
  // The tasks that at least one joined prediction holds: "au_prob", "ex" or "ex_prob", "va".
  bool au = false, ex = false, va = false;
  long faces = 0, predicted = 0;  // frames with a face, and with a prediction too
};

// Joins mtl-faces' frames (`faces`, read from `faces_name`) with mtl-predict's lines (`preds`,
// read from `preds_name`) by the face's "crop" == the prediction's "image". `video`: the video to
// take ("": the only one; several need a name). `track`: the track to follow (none: in each frame
// the face of the smallest track id). Throws UsageError naming the videos or tracks there are for
// several videos and no `video`, or a `video` or `track` that FACES lacks; InputError "name:line:
// ..." for a frame of the video given twice, an image predicted twice, a FACES without frames, or
// faces of which none has a prediction (the paths do not match). Logs a warning when some do not.
Timeline join_timeline(const std::vector<FaceFrame>& faces, const std::string& faces_name,
                       const std::vector<Prediction>& preds, const std::string& preds_name, const std::string& video,
                       std::optional<int> track);

// The expression a prediction says: its "ex", else the argmax of its "ex_prob"; none without either.
std::optional<int> timeline_expression(const Prediction& p);

// The CSV text: a header "video,frame,time,face,AU1,...,AU26,expression,valence,arousal" and one
// row per frame: the time (empty when none), the crop (empty without a face), the AU
// probabilities, the expression's name, valence and arousal (empty without a prediction or where
// it lacks the task). Numbers in their shortest exact form; fields quoted as RFC 4180 says where needed.
std::string timeline_csv(const Timeline& t);

// The figure: valence and arousal as two curves in [-1, 1], the expression as a band coloured by
// class with a legend, the 12 AUs as a heat strip (colour: probability 0 to 1), against time in
// seconds (frame numbers without times), sharing the x axis; frames without a face or without a
// prediction shaded grey and left out of the curves. Tasks the predictions lack are left out.
// 1000 pixels wide; its height: timeline_height. `title` empty: the video's name (and track).
void write_timeline_plot(const Timeline& t, const std::string& path, const std::string& title);
// The figure's height in pixels for the tasks it draws (mtl-plot(1) gives the sum).
int timeline_height(bool au, bool ex, bool va);

}  // namespace plot
}  // namespace mtl
