// A TorchScript RetinaFace detector (share/mtl/convert_retinaface.py makes one): frames in, faces
// with a box, a score and five landmarks out, on the CPU or a CUDA device. The header is free of
// LibTorch.
//
// A batch of frames of any sizes is letterboxed to one S x S input: each frame is scaled by
// S / max(width, height) (bilinear, OpenCV's INTER_LINEAR), placed at the top left, and the rest is
// zero once the mean is taken off (BGR minus the record's mean, not scaled). The detector's outputs
// are decoded on its priors (strides and anchor sizes from its record); faces scoring above the
// threshold go through greedy non-maximum suppression and are mapped back to the frame's pixels.
#pragma once
#include <array>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mtl/vision/faces.h"

namespace cv {
class Mat;
}

namespace mtl {

// What convert_retinaface.py records inside the detector (the archive's extra file mtl_detector.json).
struct DetectorRecord {
  std::string kind;                       // "retinaface"
  std::array<float, 3> mean{};            // subtracted from B, G, R
  std::vector<int> strides;               // 8, 16, 32
  std::vector<std::vector<int>> min_sizes;  // anchor sides per stride, in input pixels
  float center_variance = 0.1f, size_variance = 0.2f;
  int default_size = 640;
  int size_multiple = 32;                 // S must be a multiple of this
  std::string source_sha256;              // of the ONNX model it was converted from
};

struct DetectOptions {
  int size = 0;              // S; 0: the record's default
  float score = 0.95f;       // keep faces scoring above this
  float nms = 0.4f;          // a face overlapping a better one by more than this IoU is dropped
  float min_face = 0;        // drop faces whose box's shorter side is below this (pixels of the frame)
  int max_candidates = 5000; // the best-scoring candidates kept before suppression
  // Checks the values (0 < score < 1, 0 < nms <= 1, min_face >= 0). Throws UsageError naming the option.
  void check() const;
};

class FaceDetector {
 public:
  // Loads the detector at `path` onto `device` ("cpu" or "cuda", resolved) in evaluation mode and
  // probes it with one blank input. Throws InputError naming the file when it is no TorchScript,
  // has no detector record (not made by convert_retinaface.py), or gives outputs of other shapes.
  FaceDetector(const std::string& path, const std::string& device);
  ~FaceDetector();
  FaceDetector(const FaceDetector&) = delete;
  FaceDetector& operator=(const FaceDetector&) = delete;

  // The faces in each of `frames` (8-bit BGR), run as one batch. Throws UsageError when o.size is
  // not a multiple of the record's size_multiple, InputError naming the file when the forward fails.
  std::vector<std::vector<Detection>> detect(const std::vector<cv::Mat>& frames, const DetectOptions& o);

  const DetectorRecord& record() const { return record_; }
  const std::string& path() const { return path_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
  DetectorRecord record_;
  std::map<int, std::vector<std::array<float, 4>>> priors_;  // per input size: centre x, y, width, height (fractions of S)
  const std::vector<std::array<float, 4>>& priors(int size);
};

}  // namespace mtl
