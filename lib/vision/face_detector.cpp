// The TorchScript RetinaFace runner: letterbox, forward, prior decoding, suppression.
#include "mtl/vision/face_detector.h"

#include <torch/script.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <numeric>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "mtl/core/error.h"
#include "mtl/core/log.h"
#include "torchscript_file.h"

namespace mtl {

struct FaceDetector::Impl {
  torch::jit::Module module;
  torch::Device device{torch::kCPU};
};

namespace {

const char kConvertHint[] = "; make one with share/mtl/convert_retinaface.py (see mtl-faces(1))";

DetectorRecord parse_record(const std::string& text, const std::string& path) {
  if (text.empty())
    throw InputError(path + ": no detector record (mtl_detector.json) in the archive: not a face detector" + kConvertHint);
  DetectorRecord r;
  try {
    const auto j = nlohmann::json::parse(text);
    if (j.value("format", std::string()) != "mtl-detector" || j.value("version", 0) != 1)
      throw InputError(path + ": its mtl_detector.json is not an mtl-detector version 1 record");
    r.kind = j.at("kind").get<std::string>();
    if (r.kind != "retinaface") throw InputError(path + ": a detector of kind \"" + r.kind + "\"; this toolkit runs \"retinaface\"");
    r.mean = j.at("mean").get<std::array<float, 3>>();
    const auto& p = j.at("priors");
    r.strides = p.at("strides").get<std::vector<int>>();
    r.min_sizes = p.at("min_sizes").get<std::vector<std::vector<int>>>();
    const auto v = p.at("variances").get<std::vector<float>>();
    if (v.size() != 2) throw InputError(path + ": its record's priors.variances must hold two numbers");
    r.center_variance = v[0], r.size_variance = v[1];
    r.default_size = j.value("default_size", 640);
    r.size_multiple = j.value("size_multiple", 32);
    r.source_sha256 = j.contains("source") ? j["source"].value("sha256", std::string()) : std::string();
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path + ": mtl_detector.json in the archive is malformed: " + e.what());
  }
  bool ok = !r.strides.empty() && r.strides.size() == r.min_sizes.size() && r.size_multiple > 0 && r.default_size > 0 &&
            r.default_size % r.size_multiple == 0;
  for (size_t i = 0; ok && i < r.strides.size(); ++i) {
    ok = r.strides[i] > 0 && r.strides[i] <= 1024 && !r.min_sizes[i].empty();
    for (int m : r.min_sizes[i]) ok = ok && m > 0;
  }
  if (!ok) throw InputError(path + ": its record's priors or sizes are not valid");
  return r;
}

// The three outputs (loc [B,N,4], conf [B,N,2], landmarks [B,N,10]) on the CPU, as float32, in that order.
std::array<torch::Tensor, 3> split_outputs(const c10::IValue& out, const std::string& path) {
  // A traced module returns a tuple or a list of the three.
  std::vector<c10::IValue> parts;
  if (out.isTuple()) parts = out.toTuple()->elements().vec();
  else if (out.isList()) parts = out.toListRef().vec();
  if (parts.size() != 3) throw InputError(path + ": the detector must return (loc, conf, landmarks)");
  std::array<torch::Tensor, 3> t;
  for (int i = 0; i < 3; ++i) {
    if (!parts[i].isTensor()) throw InputError(path + ": the detector's outputs must be tensors");
    t[i] = parts[i].toTensor().to(torch::kCPU, torch::kFloat32).contiguous();
  }
  const int64_t widths[3] = {4, 2, 10};
  for (int i = 0; i < 3; ++i)
    if (t[i].dim() != 3 || t[i].size(2) != widths[i] || t[i].size(0) != t[0].size(0) || t[i].size(1) != t[0].size(1))
      throw InputError(path + ": the detector's outputs are not loc [B,N,4], conf [B,N,2], landmarks [B,N,10]");
  return t;
}

// Letterboxes `frame` into the [3,S,S] float block `out` (zeroed by the caller); returns the scale.
float letterbox(const cv::Mat& frame, int s, const std::array<float, 3>& mean, float* out) {
  const float scale = static_cast<float>(s) / static_cast<float>(std::max(frame.cols, frame.rows));
  const int w = std::clamp(static_cast<int>(std::lround(frame.cols * static_cast<double>(scale))), 1, s);
  const int h = std::clamp(static_cast<int>(std::lround(frame.rows * static_cast<double>(scale))), 1, s);
  cv::Mat r;
  if (w == frame.cols && h == frame.rows)
    r = frame;
  else
    cv::resize(frame, r, cv::Size(w, h), 0, 0, cv::INTER_LINEAR);
  const size_t plane = static_cast<size_t>(s) * s;
  for (int y = 0; y < h; ++y) {
    const uint8_t* row = r.ptr<uint8_t>(y);
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) out[c * plane + static_cast<size_t>(y) * s + x] = row[3 * x + c] - mean[c];
  }
  return scale;
}

}  // namespace

void DetectOptions::check() const {
  if (!(score > 0 && score < 1)) throw UsageError("--score must be above 0 and below 1");
  if (!(nms > 0 && nms <= 1)) throw UsageError("--nms must be above 0 and at most 1");
  if (!(min_face >= 0) || !std::isfinite(min_face)) throw UsageError("--min-face must be 0 or more pixels");
  if (size < 0 || size > 4096) throw UsageError("--size must be from 32 to 4096 (0: the detector's own)");
}

FaceDetector::FaceDetector(const std::string& path, const std::string& device) : impl_(new Impl), path_(path) {
  impl_->device = device == "cuda" ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  std::string record;
  impl_->module = load_torchscript(path, impl_->device, "mtl_detector.json", record, "detector", kConvertHint);
  record_ = parse_record(record, path);
  impl_->module.eval();
  try {
    impl_->module = torch::jit::freeze(impl_->module);
  } catch (const c10::Error& e) {
    logging::debug(path + ": runs unfrozen: " + first_line(e));
  }
  cv::Mat blank(record_.size_multiple, record_.size_multiple, CV_8UC3, cv::Scalar(0, 0, 0));
  DetectOptions probe;
  probe.size = record_.default_size;
  detect({blank}, probe);
}

FaceDetector::~FaceDetector() = default;

const std::vector<std::array<float, 4>>& FaceDetector::priors(int size) {
  auto it = priors_.find(size);
  if (it != priors_.end()) return it->second;
  std::vector<std::array<float, 4>> p;
  for (size_t k = 0; k < record_.strides.size(); ++k) {
    const int step = record_.strides[k];
    const int cells = (size + step - 1) / step;
    for (int i = 0; i < cells; ++i)
      for (int j = 0; j < cells; ++j)
        for (int m : record_.min_sizes[k])
          p.push_back({(j + 0.5f) * step / size, (i + 0.5f) * step / size, static_cast<float>(m) / size,
                       static_cast<float>(m) / size});
  }
  return priors_.emplace(size, std::move(p)).first->second;
}

std::vector<std::vector<Detection>> FaceDetector::detect(const std::vector<cv::Mat>& frames, const DetectOptions& o) {
  const int s = o.size > 0 ? o.size : record_.default_size;
  if (s % record_.size_multiple != 0)
    throw UsageError("--size " + std::to_string(s) + " is not a multiple of " + std::to_string(record_.size_multiple) +
                     ", which the detector " + path_ + " needs");
  const int n = static_cast<int>(frames.size());
  std::vector<std::vector<Detection>> out(frames.size());
  if (n == 0) return out;
  c10::InferenceMode inference;
  auto input = torch::zeros({n, 3, s, s}, torch::TensorOptions().dtype(torch::kFloat32).pinned_memory(impl_->device.is_cuda()));
  std::vector<float> scale(frames.size());
  float* base = input.data_ptr<float>();
  for (int b = 0; b < n; ++b) {
    if (frames[b].empty() || frames[b].type() != CV_8UC3) throw std::invalid_argument("detect: an empty or non-BGR frame");
    scale[b] = letterbox(frames[b], s, record_.mean, base + static_cast<size_t>(b) * 3 * s * s);
  }
  c10::IValue result;
  try {
    result = impl_->module.forward({input.to(impl_->device, /*non_blocking=*/true)});
  } catch (const std::exception& e) {
    throw InputError(path_ + ": the detector's forward failed on input [" + std::to_string(n) + ",3," + std::to_string(s) +
                     "," + std::to_string(s) + "]: " + first_line(e));
  }
  const auto [loc, conf, lm] = split_outputs(result, path_);
  const auto& pri = priors(s);
  if (loc.size(0) != n || loc.size(1) != static_cast<int64_t>(pri.size()))
    throw InputError(path_ + ": the detector gave " + std::to_string(loc.size(1)) + " candidates for an input of " +
                     std::to_string(s) + "x" + std::to_string(s) + ", its priors number " + std::to_string(pri.size()));
  const int64_t np = loc.size(1);
  const float cv_ = record_.center_variance, sv = record_.size_variance;
  for (int b = 0; b < n; ++b) {
    const float* L = loc.data_ptr<float>() + b * np * 4;
    const float* C = conf.data_ptr<float>() + b * np * 2;
    const float* M = lm.data_ptr<float>() + b * np * 10;
    std::vector<int64_t> cand;
    for (int64_t i = 0; i < np; ++i)
      if (C[2 * i + 1] > o.score) cand.push_back(i);
    std::stable_sort(cand.begin(), cand.end(), [&](int64_t a, int64_t c) { return C[2 * a + 1] > C[2 * c + 1]; });
    if (static_cast<int>(cand.size()) > o.max_candidates) cand.resize(o.max_candidates);
    const float to_frame = s / scale[b];  // fractions of S -> pixels of the frame
    std::vector<Detection> found;
    for (int64_t i : cand) {
      const auto& p = pri[i];
      const float cx = p[0] + L[4 * i] * cv_ * p[2], cy = p[1] + L[4 * i + 1] * cv_ * p[3];
      const float w = p[2] * std::exp(L[4 * i + 2] * sv), h = p[3] * std::exp(L[4 * i + 3] * sv);
      Detection d;
      d.box = {(cx - w / 2) * to_frame, (cy - h / 2) * to_frame, (cx + w / 2) * to_frame, (cy + h / 2) * to_frame};
      d.score = C[2 * i + 1];
      for (int k = 0; k < kFaceLandmarks; ++k)
        d.landmarks[k] = {(p[0] + M[10 * i + 2 * k] * cv_ * p[2]) * to_frame, (p[1] + M[10 * i + 2 * k + 1] * cv_ * p[3]) * to_frame};
      bool keep = true;
      for (const Detection& k : found)
        if (box_iou(k.box, d.box) > o.nms) {
          keep = false;
          break;
        }
      if (keep) found.push_back(d);
    }
    for (const Detection& d : found)
      if (std::min(d.width(), d.height()) >= o.min_face) out[b].push_back(d);
  }
  return out;
}

}  // namespace mtl
