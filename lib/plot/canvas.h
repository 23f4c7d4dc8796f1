// A white canvas to draw figures on, in output pixels (private to mtl_plot). It draws at kScale
// times the output size and shrinks the result with area averaging, so that lines and OpenCV's
// Hershey text come out smooth at any weight.
#pragma once
#include <string>
#include <vector>
#include <opencv2/core.hpp>

namespace mtl {
namespace plot {

// An sRGB colour.
struct Rgb {
  int r, g, b;
};

// Colours shared by the figures.
namespace colour {
constexpr Rgb kText{34, 34, 34};
constexpr Rgb kMuted{110, 110, 110};
constexpr Rgb kAxis{60, 60, 60};
constexpr Rgb kGrid{225, 225, 225};
constexpr Rgb kWhite{255, 255, 255};
}  // namespace colour

// The run colours: Okabe and Ito's palette for colour-blind readers (yellow left out: too faint on
// white), in the order used for runs 1, 2, ...
const std::vector<Rgb>& run_colours();

// The colour of `v` in [0, 1] on a white-to-dark-blue scale whose brightness falls strictly.
Rgb blues(double v);

enum class Align { Left, Centre, Right };
enum class VAlign { Top, Middle, Baseline, Bottom };

class Canvas {
 public:
  Canvas(int width, int height);
  int width() const { return width_; }
  int height() const { return height_; }

  void line(cv::Point2d a, cv::Point2d b, Rgb c, double thickness = 1);
  void polyline(const std::vector<cv::Point2d>& pts, Rgb c, double thickness = 1);
  // A polyline drawn in dashes of `dash` pixels with gaps of `gap`, the pattern running on across vertices.
  void dashed(const std::vector<cv::Point2d>& pts, Rgb c, double thickness = 1, double dash = 7, double gap = 4);
  void fill_rect(cv::Point2d a, cv::Point2d b, Rgb c);
  void frame_rect(cv::Point2d a, cv::Point2d b, Rgb c, double thickness = 1);
  void disc(cv::Point2d centre, double radius, Rgb c);

  // Text whose capital letters are `size` pixels high, placed at `at` by the alignments.
  void text(const std::string& s, cv::Point2d at, double size, Rgb c, Align h = Align::Left,
            VAlign v = VAlign::Baseline, bool bold = false);
  // Text turned a quarter to the left (read from bottom to top), centred on `at`.
  void text_up(const std::string& s, cv::Point2d at, double size, Rgb c, bool bold = false);
  // The width in pixels of `s` at `size`.
  static double text_width(const std::string& s, double size, bool bold = false);

  // The figure at its output size (8-bit BGR, OpenCV's order).
  cv::Mat finish() const;

 private:
  cv::Mat img_;  // kScale times the output size
  int width_, height_;
};

}  // namespace plot
}  // namespace mtl
