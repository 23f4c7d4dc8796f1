// Unit tests of the plot layer and of what it reads from the core: the confusion counts, the
// training-log reader, nice ticks, the colour scale, the PNG encoder (decoded back with OpenCV's
// imgcodecs, an independent decoder, which only this test links) and the timeline's join.
#define BOOST_TEST_MODULE mtl_plot
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <random>
#include <unistd.h>

#include "axes.h"
#include "canvas.h"
#include "mtl/core/error.h"
#include "mtl/core/metrics.h"
#include "mtl/core/training_log.h"
#include "mtl/plot/plot.h"
#include "mtl/plot/png.h"

using namespace mtl;

namespace {
// The message of the InputError that parsing `text` throws, or "" when it parses.
std::string log_error(const std::string& text) {
  try {
    parse_training_log(text, "r.log");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}
const std::string kLine1 = R"({"task":"au","epoch":1,"train_loss":0.5,"val_loss":0.4,"val_score":0.2,"best_epoch":1,"wall_s":1.5})";
const std::string kLine2 = R"({"task":"au","epoch":2,"train_loss":0.3,"val_loss":0.35,"val_score":0.1,"best_epoch":1,"wall_s":1.4})";
}  // namespace

BOOST_AUTO_TEST_CASE(confusion_counts_hand_worked) {
  // truth 0 0 1 2 2 2, predicted 0 1 1 2 0 0: row 0 = {1,1}, row 1 = {0,1}, row 2 = {2,0,1}.
  ScoreAccumulator acc;
  const int t[] = {0, 0, 1, 2, 2, 2}, p[] = {0, 1, 1, 2, 0, 0};
  for (int i = 0; i < 6; ++i) acc.add_ex(t[i], p[i]);
  const Scores s = acc.compute();
  BOOST_TEST(s.ex_confusion[0][0] == 1u);
  BOOST_TEST(s.ex_confusion[0][1] == 1u);
  BOOST_TEST(s.ex_confusion[1][1] == 1u);
  BOOST_TEST(s.ex_confusion[2][0] == 2u);
  BOOST_TEST(s.ex_confusion[2][2] == 1u);
  size_t total = 0;
  for (const auto& row : s.ex_confusion)
    for (size_t v : row) total += v;
  BOOST_TEST(total == 6u);
  // Its diagonal agrees with the per-class F1: class 2 has TP 1, FN 2, FP 0: F1 2/4.
  BOOST_TEST(std::abs(s.ex_f1[2] - 0.5) < 1e-12);
}

BOOST_AUTO_TEST_CASE(training_log_reads_the_trainers_lines) {
  const TrainingLog log = parse_training_log(kLine1 + "\n" + kLine2 + "\n", "r.log");
  BOOST_TEST((log.task == Task::AU));
  BOOST_TEST(log.has_val);
  BOOST_REQUIRE(log.epochs.size() == 2u);
  BOOST_TEST(log.epochs[1].epoch == 2);
  BOOST_TEST(log.epochs[1].train_loss == 0.3);
  BOOST_TEST(*log.epochs[0].val_score == 0.2);
  BOOST_TEST(log.epochs[1].best_epoch == 1);
  // Without validation, and with a key the reader does not know (ignored); CRLF line ends.
  const TrainingLog v = parse_training_log(
      "{\"task\":\"va\",\"epoch\":3,\"train_loss\":1,\"best_epoch\":0,\"wall_s\":0.1,\"lr\":0.01}\r\n", "v.log");
  BOOST_TEST((v.task == Task::VA));
  BOOST_TEST(!v.has_val);
  BOOST_TEST(!v.epochs[0].val_score.has_value());
  // mtl-train-joint's lines: the three heads together.
  const TrainingLog j = parse_training_log(
      R"({"task":"joint","epoch":1,"train_loss":1.2,"val_loss":1.5,"val_score":1.6,"best_epoch":1,"wall_s":0.1})", "j.log");
  BOOST_TEST(!j.task.has_value());
  BOOST_TEST(*j.epochs[0].val_score == 1.6);
  BOOST_TEST(log_error(kLine1 + "\n" + R"({"task":"joint","epoch":2,"train_loss":1,"val_loss":1,"val_score":1,"best_epoch":0,"wall_s":1})") ==
             "r.log: line 2: the task is joint, but line 1's is au");
}

BOOST_AUTO_TEST_CASE(training_log_errors_name_the_line) {
  BOOST_TEST(log_error("") == "r.log: an empty training log");
  BOOST_TEST(log_error(kLine1 + "\n{\"task\":\n").find("r.log: line 2: invalid JSON") == 0u);
  // Without its newline, a broken last line is one a trainer is writing: left out, unless it is the only one.
  BOOST_TEST(parse_training_log(kLine1 + "\n{\"task\":", "r.log").epochs.size() == 1u);
  BOOST_TEST(log_error("{\"task\":").find("r.log: line 1: invalid JSON") == 0u);
  BOOST_TEST(log_error(kLine1 + "\n\n" + kLine2) == "r.log: line 2: empty line");
  BOOST_TEST(log_error("[1,2]") == "r.log: line 1: expected a JSON object");
  BOOST_TEST(log_error(R"({"task":"xx","epoch":1})") ==
             "r.log: line 1: \"task\" must be \"au\", \"ex\", \"va\" or \"joint\"");
  BOOST_TEST(log_error(R"({"task":"ex","epoch":1,"best_epoch":1,"wall_s":1})") == "r.log: line 1: no \"train_loss\"");
  BOOST_TEST(log_error(R"({"task":"ex","epoch":0,"train_loss":1,"best_epoch":0,"wall_s":1})") ==
             "r.log: line 1: \"epoch\" must be an integer of at least 1");
  BOOST_TEST(log_error(R"({"task":"ex","epoch":1.5,"train_loss":1,"best_epoch":0,"wall_s":1})") ==
             "r.log: line 1: \"epoch\" must be an integer of at least 1");
  BOOST_TEST(log_error(R"({"task":"ex","epoch":1,"train_loss":"1","best_epoch":0,"wall_s":1})") ==
             "r.log: line 1: \"train_loss\" is not a number");
  BOOST_TEST(log_error(R"({"task":"ex","epoch":1,"train_loss":1e999,"best_epoch":0,"wall_s":1})").find(
                 "r.log: line 1: ") == 0u);
  BOOST_TEST(log_error(kLine2 + "\n" + kLine1) == "r.log: line 2: epoch 1 after epoch 2 (two runs in one log?)");
  std::string ex2 = kLine2;
  ex2.replace(ex2.find("\"au\""), 4, "\"ex\"");
  BOOST_TEST(log_error(kLine1 + "\n" + ex2) == "r.log: line 2: the task is ex, but line 1's is au");
  BOOST_TEST(log_error(kLine1 + "\n" + R"({"task":"au","epoch":2,"train_loss":1,"best_epoch":0,"wall_s":1})") ==
             "r.log: line 2: no validation scores, but line 1 has them");
  BOOST_TEST(log_error(R"({"task":"au","epoch":1,"train_loss":1,"val_loss":1,"best_epoch":0,"wall_s":1})") ==
             "r.log: line 1: no \"val_score\"");
  BOOST_CHECK_THROW(read_training_log("/nonexistent/r.log"), InputError);
}

BOOST_AUTO_TEST_CASE(nice_ticks_hand_worked) {
  // 0.27..0.39 in about 5 steps: raw step 0.024, so 0.025 from 0.25 to 0.4, printed with 3 decimals.
  plot::Ticks t = plot::nice_ticks(0.27, 0.39, 5);
  BOOST_REQUIRE(t.at.size() == 7u);
  BOOST_TEST(std::abs(t.at[0] - 0.25) < 1e-12);
  BOOST_TEST(std::abs(t.at[6] - 0.4) < 1e-12);
  BOOST_TEST(t.decimals == 3);
  // Epochs 1..15 in about 8 steps: a step of 2 from 0 to 16.
  t = plot::nice_ticks(1, 15, 8, true);
  BOOST_TEST(t.at.front() == 0.0);
  BOOST_TEST(t.at.back() == 16.0);
  BOOST_TEST(t.at.size() == 9u);
  BOOST_TEST(t.decimals == 0);
  // One epoch: whole numbers around it.
  t = plot::nice_ticks(1, 1, 8, true);
  BOOST_TEST(t.lo <= 0.0);
  BOOST_TEST(t.hi >= 2.0);
  for (double v : t.at) BOOST_TEST(v == std::round(v));
  // A constant loss still gets a range, and negative zero prints as 0.
  t = plot::nice_ticks(-0.2, -0.2, 5);
  BOOST_TEST(t.lo < -0.2);
  BOOST_TEST(t.hi > -0.2);
  BOOST_TEST(plot::tick_label(-0.0000001, 2) == "0.00");
  BOOST_TEST(plot::tick_label(-1.5, 1) == "-1.5");
}

BOOST_AUTO_TEST_CASE(blues_darken_strictly) {
  int last = 1 << 30;
  for (int i = 0; i <= 100; ++i) {
    const plot::Rgb c = plot::blues(i / 100.0);
    const int brightness = c.r + c.g + c.b;
    BOOST_TEST(brightness < last);
    last = brightness;
  }
  BOOST_TEST(plot::blues(-1).g == plot::blues(0).g);  // clamped
}

BOOST_AUTO_TEST_CASE(png_round_trips_through_opencv) {
  std::mt19937 rng(5);
  for (cv::Size size : {cv::Size(1, 1), cv::Size(37, 11), cv::Size(300, 200)}) {
    cv::Mat img(size, CV_8UC3);
    for (int y = 0; y < img.rows; ++y)
      for (int x = 0; x < img.cols; ++x)  // a smooth part, a flat part and noise: every filter gets used
        img.at<cv::Vec3b>(y, x) = x < img.cols / 3 ? cv::Vec3b(x, y, x + y)
                                  : x < 2 * img.cols / 3 ? cv::Vec3b(200, 10, 30)
                                                         : cv::Vec3b(rng(), rng(), rng());
    const std::string png = plot::encode_png(img);
    const cv::Mat back = cv::imdecode(std::vector<uchar>(png.begin(), png.end()), cv::IMREAD_UNCHANGED);
    BOOST_REQUIRE(back.type() == CV_8UC3);
    BOOST_REQUIRE(back.size() == img.size());
    BOOST_TEST(cv::norm(back, img, cv::NORM_INF) == 0.0);
  }
  BOOST_CHECK_THROW(plot::encode_png(cv::Mat(2, 2, CV_8UC1)), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(png_written_atomically) {
  char dir[] = "/tmp/mtl-plot-test.XXXXXX";
  BOOST_REQUIRE(mkdtemp(dir));
  const std::string path = std::string(dir) + "/a.png";
  plot::write_png(cv::Mat(4, 5, CV_8UC3, cv::Scalar(1, 2, 3)), path);
  const cv::Mat back = cv::imread(path, cv::IMREAD_UNCHANGED);
  BOOST_TEST(back.cols == 5);
  BOOST_TEST((back.at<cv::Vec3b>(3, 4) == cv::Vec3b(1, 2, 3)));
  BOOST_CHECK_THROW(plot::write_png(back, std::string(dir) + "/missing/b.png"), OutputError);
  std::remove(path.c_str());
  BOOST_TEST(rmdir(dir) == 0);  // nothing else (no temporary file) was left in it
}

BOOST_AUTO_TEST_CASE(default_labels_are_file_names_unless_they_collide) {
  const auto l = plot::default_labels({"a/au.log", "b/au.log", "c/ex.log", "va.log"});
  BOOST_TEST(l[0] == "a/au.log");
  BOOST_TEST(l[1] == "b/au.log");
  BOOST_TEST(l[2] == "ex.log");
  BOOST_TEST(l[3] == "va.log");
}

namespace {
FaceFrame frame_of_faces(long frame, std::vector<int> tracks, int line) {
  FaceFrame f;
  f.video = "v";
  f.frame = frame;
  f.time = (frame - 1) / 10.0;
  f.line = line;
  for (int k : tracks) {
    FaceRecord r;
    r.track = k;
    r.crop = "v_t" + std::to_string(k) + "/" + std::to_string(frame) + ".jpg";
    f.faces.push_back(r);
  }
  return f;
}
Prediction prediction_of(const std::string& image, float v, int line) {
  Prediction p;
  p.image = image;
  p.va = std::array<float, 2>{v, -v};
  p.ex_prob = std::array<float, kNumEX>{0.1f, 0.1f, 0.1f, 0.3f, 0.1f, 0.1f, 0.1f, 0.1f};
  p.line = line;
  return p;
}
std::string join_error(const std::vector<FaceFrame>& f, const std::vector<Prediction>& p, const std::string& video,
                       std::optional<int> track) {
  try {
    plot::join_timeline(f, "f.jsonl", p, "p.jsonl", video, track);
  } catch (const Error& e) {
    return std::to_string(e.code()) + " " + e.what();
  }
  return "";
}
}  // namespace

BOOST_AUTO_TEST_CASE(timeline_joins_faces_and_predictions_by_crop) {
  // Frames given out of order; frame 2 without a face; track 2 listed first in frame 3.
  const std::vector<FaceFrame> f = {frame_of_faces(3, {2, 1}, 1), frame_of_faces(1, {1}, 2), frame_of_faces(2, {}, 3),
                                    frame_of_faces(4, {2}, 4)};
  const std::vector<Prediction> p = {prediction_of("v_t1/3.jpg", 0.3f, 1), prediction_of("v_t1/1.jpg", 0.1f, 2),
                                     prediction_of("v_t2/4.jpg", 0.4f, 3), prediction_of("other/1.jpg", 0.9f, 4)};
  const plot::Timeline t = plot::join_timeline(f, "f.jsonl", p, "p.jsonl", "", std::nullopt);
  BOOST_TEST(t.video == "v");
  BOOST_REQUIRE(t.frames.size() == 4u);
  BOOST_TEST(t.frames[0].frame == 1);
  BOOST_TEST(t.frames[2].crop == "v_t1/3.jpg");  // the lowest track, not the first listed
  BOOST_TEST(!t.frames[1].face);
  BOOST_TEST(t.frames[3].crop == "v_t2/4.jpg");  // track 2 where it is the only one
  BOOST_TEST((t.faces == 3 && t.predicted == 3 && t.va && t.ex && !t.au && t.timed));
  BOOST_TEST((*t.frames[2].pred->va)[0] == 0.3f);
  BOOST_TEST(*plot::timeline_expression(*t.frames[0].pred) == 3);  // the argmax of ex_prob
  const std::string csv = plot::timeline_csv(t);
  BOOST_TEST(csv.find("\nv,2,0.1,,,,,,,,,,,,,,,,\n") != std::string::npos);
  BOOST_TEST(csv.find("\nv,3,0.2,v_t1/3.jpg,,,,,,,,,,,,,Fear,0.3,-0.3\n") != std::string::npos);
  // Track 2: frames 1 and 2 without its face.
  const plot::Timeline t2 = plot::join_timeline(f, "f.jsonl", p, "p.jsonl", "v", 2);
  BOOST_TEST((!t2.frames[0].face && t2.frames[2].crop == "v_t2/3.jpg" && !t2.frames[2].pred && t2.predicted == 1));
  // Refusals, with their exit codes.
  BOOST_TEST(join_error(f, p, "w", std::nullopt) == "2 --video 'w': f.jsonl has no such video; it holds 'v'");
  BOOST_TEST(join_error(f, p, "", 3) == "2 --track 3: video 'v' of f.jsonl has no such track; its tracks are 1, 2");
  auto two = f;
  two.push_back(frame_of_faces(1, {}, 5));
  two.back().video = "w";
  BOOST_TEST(join_error(two, p, "", std::nullopt) == "2 f.jsonl holds 2 videos ('v', 'w'): choose one with --video");
  auto dup = f;
  dup.push_back(frame_of_faces(3, {}, 5));
  BOOST_TEST(join_error(dup, p, "", std::nullopt) == "3 f.jsonl:5: frame 3 of video 'v' again (also on line 1)");
  auto pdup = p;
  pdup.push_back(prediction_of("v_t1/1.jpg", 0.5f, 5));
  BOOST_TEST(join_error(f, pdup, "", std::nullopt) == "3 p.jsonl:5: image 'v_t1/1.jpg' again (also on line 2)");
  BOOST_TEST(join_error(f, {p[3]}, "", std::nullopt).rfind("3 p.jsonl: no prediction for any face of video 'v'", 0) == 0);
  BOOST_TEST(join_error({}, p, "", std::nullopt) == "3 f.jsonl: no frames (mtl-faces writes one line per frame)");
}
