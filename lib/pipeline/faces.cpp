// mtl-faces: inputs -> decoded frames (a thread) -> the detector in batches -> the largest face or
// tracks -> aligned crops (written in parallel) -> one line per frame, kept per video for a rerun.
#include "mtl/pipeline/faces.h"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "mtl/core/annotations.h"
#include "mtl/core/atomic_file.h"
#include "mtl/core/checksum.h"
#include "mtl/core/cpus.h"
#include "mtl/core/error.h"
#include "mtl/core/log.h"
#include "mtl/core/signals.h"
#include "mtl/model/runtime.h"
#include "mtl/vision/image.h"

namespace fs = std::filesystem;

namespace mtl {
namespace {

const char kRecordDir[] = ".mtl-faces";  // inside the output folder: the finished videos' lines

bool is_image_name(const fs::path& p) {
  std::string e = p.extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return std::tolower(c); });
  return e == ".jpg" || e == ".jpeg" || e == ".png" || e == ".bmp" || e == ".tif" || e == ".tiff" || e == ".webp";
}

// One input: a video file, a photo, or a folder of images read as a video's frames.
struct Source {
  enum Kind { Video, Photo, Folder } kind = Video;
  std::string path, name;
  std::vector<std::string> images;  // a folder's, in name order
};

void check_utf8(const std::string& path, const std::string& where) {
  const size_t ok = valid_utf8_prefix(path);
  if (ok != path.size())
    throw InputError(where + ": the path is not valid UTF-8 (byte " + std::to_string(ok + 1) +
                     "); the lines are JSON, which holds UTF-8: rename it (convmv)");
}

// The inputs the arguments name ("-": one path per line of stdin), checked before any is read.
std::vector<Source> gather_sources(const std::vector<std::string>& args) {
  std::vector<std::pair<std::string, std::string>> paths;  // path, where it was named
  for (const std::string& a : args) {
    if (a != "-") {
      paths.emplace_back(a, a);
      continue;
    }
    std::string line;
    int n = 0;
    while (std::getline(std::cin, line)) {
      ++n;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      paths.emplace_back(line, "<stdin>:" + std::to_string(n));
    }
  }
  if (paths.empty()) throw UsageError("no input: give video files, images, folders of images, or - (paths on stdin)");
  std::vector<Source> out;
  std::map<std::string, std::string> names;  // name -> the input that took it
  for (const auto& [path, where] : paths) {
    check_utf8(path, where);
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (ec || !fs::exists(st)) throw InputError(path + ": no such file or folder" + (where != path ? " (" + where + ")" : ""));
    Source s;
    s.path = path;
    if (fs::is_directory(st)) {
      s.kind = Source::Folder;
      for (const auto& e : fs::directory_iterator(path, ec))
        if (e.is_regular_file() && is_image_name(e.path())) s.images.push_back(e.path().string());
      if (ec) throw InputError(path + ": cannot list the folder: " + ec.message());
      if (s.images.empty()) throw InputError(path + ": a folder without images (.jpg, .jpeg, .png, .bmp, .tif, .webp)");
      std::sort(s.images.begin(), s.images.end());
      s.name = fs::path(path).lexically_normal().filename().string();
      if (s.name.empty() || s.name == ".") s.name = fs::path(path).lexically_normal().parent_path().filename().string();
      if (s.name.empty() || s.name == "." || s.name == "..") s.name = fs::absolute(path).lexically_normal().filename().string();
    } else {
      if (!fs::is_regular_file(st)) throw InputError(path + ": not a regular file or folder");
      s.kind = is_image_name(path) ? Source::Photo : Source::Video;
      s.name = fs::path(path).stem().string();
    }
    if (s.name.empty() || s.name.front() == '.')
      throw InputError(path + ": its name \"" + s.name + "\" cannot name a crop folder");
    auto [it, fresh] = names.emplace(s.name, path);
    if (!fresh)
      throw InputError(path + " and " + it->second + " would both write their crops to " + s.name +
                       "/: run them with different -o folders, or rename one");
    out.push_back(std::move(s));
  }
  return out;
}

// A decoded frame, or the end of the input.
struct Frame {
  long number = 0;             // from 1
  std::optional<double> time;  // seconds
  cv::Mat bgr;
};

// Decodes one input's kept frames on a thread of its own into a bounded queue, so that memory holds
// a few batches whatever the video's length. An error is handed over to the consumer.
class FrameQueue {
 public:
  FrameQueue(const Source& s, long every, bool skip_bad, size_t capacity)
      : source_(s), every_(every), skip_bad_(skip_bad), capacity_(capacity), thread_([this] { run(); }) {}
  ~FrameQueue() {
    {
      std::lock_guard<std::mutex> l(m_);
      cancel_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  // The next frame; false at the end. Rethrows the decoder's error.
  bool pop(Frame& f) {
    std::unique_lock<std::mutex> l(m_);
    cv_.wait(l, [&] { return !q_.empty() || done_; });
    if (!q_.empty()) {
      f = std::move(q_.front());
      q_.pop_front();
      cv_.notify_all();
      return true;
    }
    if (error_) std::rethrow_exception(error_);
    return false;
  }
  long skipped_frames() const { return skipped_; }

 private:
  bool push(Frame f) {
    std::unique_lock<std::mutex> l(m_);
    cv_.wait(l, [&] { return q_.size() < capacity_ || cancel_; });
    if (cancel_) return false;
    q_.push_back(std::move(f));
    cv_.notify_all();
    return true;
  }
  void run() {
    try {
      if (source_.kind == Source::Video)
        read_video();
      else
        read_images();
    } catch (...) {
      std::lock_guard<std::mutex> l(m_);
      error_ = std::current_exception();
    }
    std::lock_guard<std::mutex> l(m_);
    done_ = true;
    cv_.notify_all();
  }
  void read_images() {
    const std::vector<std::string> one{source_.path};
    const auto& images = source_.kind == Source::Photo ? one : source_.images;
    for (size_t i = 0; i < images.size(); i += static_cast<size_t>(every_)) {
      Frame f;
      f.number = static_cast<long>(i) + 1;
      try {
        int h = 0, w = 0;
        std::vector<uint8_t> bgr = read_image_bgr(images[i], h, w);
        f.bgr = cv::Mat(h, w, CV_8UC3, bgr.data()).clone();
      } catch (const InputError& e) {
        if (!skip_bad_) throw;
        logging::warn(std::string(e.what()) + "; skipped (--skip-bad)");
        ++skipped_;
        continue;
      }
      if (!push(std::move(f))) return;
    }
  }
  void read_video() {
    cv::VideoCapture cap;
    try {
      cap.open(source_.path, cv::CAP_FFMPEG);
    } catch (const cv::Exception&) {
    }
    if (!cap.isOpened()) {
      const std::string what = source_.path + ": cannot open as a video (empty, damaged, or not a format FFmpeg reads)";
      if (!skip_bad_) throw InputError(what);
      logging::warn(what + "; skipped (--skip-bad)");
      ++skipped_;
      return;
    }
    const double fps = cap.get(cv::CAP_PROP_FPS);
    const long count = static_cast<long>(cap.get(cv::CAP_PROP_FRAME_COUNT));
    for (long n = 1;; ++n) {
      const bool keep = (n - 1) % every_ == 0;
      cv::Mat m;
      bool ok = false;
      try {
        ok = keep ? cap.read(m) : cap.grab();
      } catch (const cv::Exception&) {
        ok = false;
      }
      if (keep && ok && (m.empty() || m.type() != CV_8UC3)) ok = false;
      if (!ok) {
        // The end, or a frame that cannot be decoded. The container's count is an estimate (a
        // video of 95 frames said 98), so only a shortfall beyond it is taken for damage: more than
        // 8 frames and more than 5% of the count (a file cut short); a smaller one is warned about.
        const long missing = count - (n - 1);
        const std::string what = source_.path + ": frame " + std::to_string(n) + " cannot be decoded (the video says it has " +
                                 std::to_string(count) + " frames";
        if (n == 1 || (missing > 8 && missing * 20 > count)) {
          if (!skip_bad_) throw InputError(what + "; damaged or cut short)" + (n == 1 ? "" : "; --skip-bad keeps the frames before it"));
          logging::warn(what + "; damaged or cut short); " +
                        (n == 1 ? std::string("the video is skipped") : "its last " + std::to_string(missing) + " frames are skipped") +
                        " (--skip-bad)");
          skipped_ += std::max(missing, 1L);
        } else if (missing > 0) {
          logging::warn(what + ", a rough count, or the file is cut short); its " + std::to_string(n - 1) + " frames are kept");
        }
        return;
      }
      if (!keep) continue;
      Frame f;
      f.number = n;
      if (fps > 0 && std::isfinite(fps)) f.time = (n - 1) / fps;
      f.bgr = std::move(m);
      if (!push(std::move(f))) return;
    }
  }

  const Source& source_;
  const long every_;
  const bool skip_bad_;
  const size_t capacity_;
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<Frame> q_;
  bool done_ = false, cancel_ = false;
  std::exception_ptr error_;
  std::atomic<long> skipped_{0};
  std::thread thread_;  // last: started once the rest is in place
};

// What decides the crops, written to OUTPUT/.mtl-faces/settings.json: a rerun goes on only with
// the same.
// A float as the number its shortest text reads as (0.95, not 0.949999988079071).
double shortest(float v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::strtod(std::string(buf, r.ptr).c_str(), nullptr);
}

nlohmann::json run_settings(const FacesOptions& o, const DetectOptions& detect, const std::string& detector_sha256) {
  nlohmann::json t = nlohmann::json::array();
  for (const Point2& p : o.face_template.points) t.push_back({shortest(p.x), shortest(p.y)});
  return {{"detector_sha256", detector_sha256},
          {"template", {{"size", o.face_template.size}, {"points", t}}},
          {"faces", o.all_faces ? "all" : "largest"},
          {"every", o.every},
          {"size", detect.size},
          {"score", shortest(detect.score)},
          {"nms", shortest(detect.nms)},
          {"min_face", shortest(detect.min_face)},
          {"ext", o.ext},
          {"quality", o.quality},
          {"track_gap", o.track_gap}};
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Checks (or writes) the settings of the crops in the output folder. Another run's settings stop
// this one unless !o.resume, which makes every video again.
void check_settings(const FacesOptions& o, const std::string& dir, const nlohmann::json& settings) {
  const std::string path = dir + "/settings.json";
  std::error_code ec;
  if (fs::exists(path, ec)) {
    nlohmann::json old;
    try {
      old = nlohmann::json::parse(read_text(path));
    } catch (const nlohmann::json::exception&) {
      old = nullptr;
    }
    // Another run's settings matter once it finished a video (a record): before that, its crops
    // are made again anyway.
    bool finished = false;
    for (const auto& e : fs::directory_iterator(dir, ec)) finished = finished || e.path().extension() == ".jsonl";
    if (old != settings && o.resume && finished) {
      std::string diff;
      if (old.is_object())
        for (const auto& [k, v] : settings.items())
          if (!old.contains(k) || old[k] != v) diff += (diff.empty() ? "" : ", ") + k + ": " + (old.contains(k) ? old[k].dump() : "none") + " there, " + v.dump() + " here";
      throw UsageError(o.output + " holds crops made with other settings (" + (diff.empty() ? "unreadable settings" : diff) +
                       "): give another -o, or --no-resume to make them all again");
    }
  }
  if (!o.resume)
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.path().extension() == ".jsonl") fs::remove(e.path(), ec);
  write_file_atomically(path, settings.dump(2) + "\n");
}

// The first line of a video's record: which input it was made from.
nlohmann::json source_stamp(const Source& s) {
  nlohmann::json j{{"mtl_faces_record", 1}, {"source", s.path}};
  struct stat st;
  if (s.kind != Source::Folder && ::stat(s.path.c_str(), &st) == 0) {
    j["bytes"] = static_cast<long long>(st.st_size);
    j["mtime"] = static_cast<long long>(st.st_mtime);
  } else if (s.kind == Source::Folder) {
    j["images"] = s.images.size();
  }
  return j;
}

// A finished video's lines from its record, when the record belongs to this input; else nullopt.
std::optional<std::vector<FaceFrame>> read_record(const std::string& path, const Source& s) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::string first;
  if (!std::getline(in, first)) return std::nullopt;
  try {
    if (nlohmann::json::parse(first) != source_stamp(s)) {
      logging::warn(s.path + ": the record of an earlier run (" + path + ") was made from another file; making it again");
      return std::nullopt;
    }
    return parse_face_lines(in, path);
  } catch (const std::exception& e) {
    logging::warn(path + ": unreadable record of an earlier run (" + e.what() + "); making the video again");
    return std::nullopt;
  }
}

std::string frame_file(long frame, const std::string& ext) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%05ld.", frame);
  return buf + ext;
}

// A crop to write: where, and the pixels.
struct CropJob {
  std::string path;
  std::vector<uint8_t> bgr;
  int size;
};

void write_crops(std::vector<CropJob>& jobs, int quality) {
  std::vector<std::string> failed(jobs.size());
  cv::parallel_for_(cv::Range(0, static_cast<int>(jobs.size())), [&](const cv::Range& r) {
    for (int i = r.start; i < r.end; ++i) {
      const CropJob& j = jobs[i];
      cv::Mat img(j.size, j.size, CV_8UC3, const_cast<uint8_t*>(j.bgr.data()));
      bool ok = false;
      try {
        ok = cv::imwrite(j.path, img, {cv::IMWRITE_JPEG_QUALITY, quality});
      } catch (const cv::Exception&) {
      }
      if (!ok) failed[i] = j.path;
    }
  });
  for (const std::string& f : failed)
    if (!f.empty()) throw OutputError(f + ": cannot write the crop (full disk, or no permission?)");
}

}  // namespace

void FacesOptions::check() const {
  if (detector.empty()) throw UsageError("--detector is required (make one with share/mtl/convert_retinaface.py)");
  if (output.empty()) throw UsageError("-o is required: the folder to write the crops to");
  if (every < 1) throw UsageError("--every must be 1 or more");
  if (batch < 0 || batch > 1024) throw UsageError("--batch must be from 0 (automatic) to 1024");
  if (threads < 0) throw UsageError("--threads must not be negative");
  if (ext != "jpg" && ext != "png") throw UsageError("--format must be jpg or png");
  if (quality < 1 || quality > 100) throw UsageError("--quality must be from 1 to 100");
  if (track_gap < 0) throw UsageError("--track-gap must not be negative");
  detect.check();
}

FacesResult run_faces(const FacesOptions& o, std::ostream& lines) {
  o.check();
  const std::vector<Source> sources = gather_sources(o.inputs);
  const std::string list = o.list.empty() ? o.output + "/list.txt" : o.list;
  if (list == "-") throw UsageError("--list -: the frame lines go to stdout; give the list a file");
  std::vector<std::string> inputs{o.detector};
  for (const Source& s : sources) inputs.push_back(s.path);
  const std::string device = resolve_device(o.device);
  FaceDetector detector(o.detector, device);
  DetectOptions detect = o.detect;  // the input size resolved and checked before anything is written
  if (detect.size == 0) detect.size = detector.record().default_size;
  if (detect.size % detector.record().size_multiple != 0)
    throw UsageError("--size " + std::to_string(detect.size) + " is not a multiple of " +
                     std::to_string(detector.record().size_multiple) + ", which the detector " + o.detector + " needs");
  // On the CPU a batch of one frame per thread was fastest (2 threads: 39 frames/s at 2, 29 at 1, 26 at
  // 4; 1 thread: 28 at 1, 23 at 8).
  const int threads = o.threads > 0 ? o.threads : available_cpus().count;
  const int batch_size = o.batch > 0 ? o.batch : device == "cuda" ? 16 : std::clamp(threads, 1, 4);
  std::error_code ec;
  fs::create_directories(o.output, ec);
  if (ec || !fs::is_directory(o.output)) throw OutputError(o.output + ": cannot make the output folder: " + ec.message());
  check_output_path("--list", list, inputs, OutputKind::FileOrStream);
  const std::string records = o.output + "/" + kRecordDir;
  fs::create_directories(records, ec);
  if (ec) throw OutputError(records + ": cannot make the folder: " + ec.message());
  OutputLock lock(records + "/run", "-o");
  check_settings(o, records, run_settings(o, detect, sha256_file(o.detector)));
  cv::setNumThreads(threads);

  FacesResult result;
  std::vector<std::string> listed;  // crop paths, relative to the output folder
  auto emit = [&](const FaceFrame& f, std::ostream* record) {
    const std::string text = format_face_frame(f);
    lines << text << '\n';
    if (record) *record << text << '\n';
    ++result.frames;
    if (!f.faces.empty()) ++result.frames_with_face;
    for (const FaceRecord& r : f.faces)
      if (!r.crop.empty()) listed.push_back(r.crop), ++result.crops;
  };
  for (const Source& s : sources) {
    ++result.videos;
    const std::string record_path = records + "/" + s.name + ".jsonl";
    if (o.resume) {
      if (auto done = read_record(record_path, s)) {
        for (const FaceFrame& f : *done) emit(f, nullptr);
        ++result.resumed;
        logging::info(s.path + ": finished by an earlier run (" + std::to_string(done->size()) + " frames)");
        continue;
      }
    }
    const auto start = std::chrono::steady_clock::now();
    const long frames_before = result.frames, faces_before = result.frames_with_face;
    AtomicFile record_file(record_path, AtomicFile::Temp::Unique);
    std::ofstream record(record_file.temp_path(), std::ios::trunc);
    if (!record) throw OutputError(record_file.temp_path() + ": cannot write");
    record << source_stamp(s).dump() << '\n';
    std::set<std::string> made_dirs;
    FaceTracker tracker(o.track_gap);  // counted in frames looked at (--every N: N video frames each)
    long looked = 0;
    FrameQueue queue(s, o.every, o.skip_bad, static_cast<size_t>(std::max(4, 2 * batch_size)));
    for (bool more = true; more;) {
      std::vector<Frame> batch;
      Frame f;
      while (static_cast<int>(batch.size()) < batch_size && (more = queue.pop(f))) batch.push_back(std::move(f));
      if (batch.empty()) break;
      if (int sig = stop_signal()) throw Interrupted(sig);
      std::vector<cv::Mat> mats;
      for (const Frame& fr : batch) mats.push_back(fr.bgr);
      const std::vector<std::vector<Detection>> found = detector.detect(mats, detect);
      std::vector<CropJob> jobs;
      std::vector<FaceFrame> out(batch.size());
      for (size_t b = 0; b < batch.size(); ++b) {
        FaceFrame& ff = out[b];
        ff.video = s.name;
        ff.frame = batch[b].number;
        ff.time = s.kind == Source::Video ? batch[b].time : std::nullopt;
        std::vector<Detection> faces;
        std::vector<int> tracks;
        if (o.all_faces) {
          faces = found[b];
          tracks = tracker.assign(faces, ++looked);
        } else if (int k = largest_face(found[b]); k >= 0) {
          faces = {found[b][k]};
          tracks = {1};
        }
        const cv::Mat& m = batch[b].bgr;
        for (size_t i = 0; i < faces.size(); ++i) {
          FaceRecord r;
          r.track = tracks[i];
          r.box = faces[i].box;
          r.score = faces[i].score;
          r.landmarks = faces[i].landmarks;
          const std::string folder = o.all_faces ? s.name + "_t" + std::to_string(r.track) : s.name;
          r.crop = folder + "/" + frame_file(batch[b].number, o.ext);
          if (made_dirs.insert(folder).second) {
            fs::create_directories(o.output + "/" + folder, ec);
            if (ec) throw OutputError(o.output + "/" + folder + ": cannot make the folder: " + ec.message());
          }
          jobs.push_back({o.output + "/" + r.crop,
                          align_face(m.ptr<uint8_t>(0), m.rows, m.cols, m.step, faces[i].landmarks, o.face_template),
                          o.face_template.size});
          ff.faces.push_back(std::move(r));
        }
      }
      write_crops(jobs, o.quality);
      for (const FaceFrame& ff : out) emit(ff, &record);
      lines.flush();
      if (!lines) throw OutputError("<stdout>: cannot write the frame lines");
    }
    result.skipped += queue.skipped_frames();
    record.close();
    if (!record) throw OutputError(record_file.temp_path() + ": cannot write");
    record_file.commit();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const long n = result.frames - frames_before;
    char rate[64];
    std::snprintf(rate, sizeof rate, "%.1f frames/s", secs > 0 ? n / secs : 0.0);
    logging::info(s.path + ": " + std::to_string(n) + " frames, " + std::to_string(result.frames_with_face - faces_before) +
                  " with a face (" + rate + ")");
  }
  std::string text;
  for (const std::string& c : listed) text += c + "\n";
  write_file_atomically(list, text);
  return result;
}

FaceTemplate run_fit_template(const FitTemplateOptions& o) {
  if (o.detector.empty()) throw UsageError("--detector is required");
  if (o.output.empty()) throw UsageError("-o is required: the template file to write");
  o.detect.check();
  std::error_code ec;
  if (!fs::is_directory(o.crops, ec)) throw InputError(o.crops + ": not a folder of aligned crops");
  check_output_path("-o", o.output, {o.detector}, OutputKind::FileOrStream);
  std::vector<std::string> images;
  for (auto it = fs::recursive_directory_iterator(o.crops, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file() && is_image_name(it->path()) &&
        it->path().string().find("/" + std::string(kRecordDir) + "/") == std::string::npos)
      images.push_back(it->path().string());
  if (ec) throw InputError(o.crops + ": cannot list the folder: " + ec.message());
  std::sort(images.begin(), images.end());
  if (images.empty()) throw InputError(o.crops + ": no images (.jpg, .png, ...) under it");
  FaceDetector detector(o.detector, resolve_device(o.device));
  FaceTemplate t;
  t.size = 0;
  std::array<double, 2 * kFaceLandmarks> sum{};
  long faces = 0, none = 0;
  for (size_t first = 0; first < images.size(); first += static_cast<size_t>(o.batch)) {
    if (int sig = stop_signal()) throw Interrupted(sig);
    const size_t end = std::min(images.size(), first + static_cast<size_t>(o.batch));
    std::vector<cv::Mat> padded;
    std::vector<int> widths;  // of the crops; each sits at (width / 2, height / 2) of its canvas
    std::vector<Point2> offsets;
    for (size_t i = first; i < end; ++i) {
      int h = 0, w = 0;
      std::vector<uint8_t> bgr = read_image_bgr(images[i], h, w);
      if (t.size == 0) t.size = w;
      if (h != w) logging::warn(images[i] + ": not square (" + std::to_string(w) + "x" + std::to_string(h) + "); scaled by its width");
      // Padded, so that a face filling the crop is found whole.
      // Twice its size, the crop in the middle (3 and 5 times measured farther from the template
      // the crops were made with: mean 3.0 and 3.2 px against 2.6).
      cv::Mat canvas(2 * h, 2 * w, CV_8UC3, cv::Scalar(0, 0, 0));
      const int ox = w / 2, oy = h / 2;
      cv::Mat(h, w, CV_8UC3, bgr.data()).copyTo(canvas(cv::Rect(ox, oy, w, h)));
      padded.push_back(canvas);
      widths.push_back(w);
      offsets.push_back({static_cast<float>(ox), static_cast<float>(oy)});
    }
    const auto found = detector.detect(padded, o.detect);
    for (size_t b = 0; b < found.size(); ++b) {
      const int k = largest_face(found[b]);
      if (k < 0) {
        ++none;
        logging::debug(images[first + b] + ": no face");
        continue;
      }
      const float w = static_cast<float>(widths[b]), scale = static_cast<float>(t.size) / w;
      for (int p = 0; p < kFaceLandmarks; ++p) {
        sum[2 * p] += (found[b][k].landmarks[p].x - offsets[b].x) * scale;
        sum[2 * p + 1] += (found[b][k].landmarks[p].y - offsets[b].y) * scale;
      }
      ++faces;
    }
  }
  if (faces == 0) throw InputError(o.crops + ": the detector found no face in its " + std::to_string(images.size()) + " images");
  if (none > 0)
    logging::warn(std::to_string(none) + " of " + std::to_string(images.size()) + " crops have no face the detector finds; left out");
  for (int p = 0; p < kFaceLandmarks; ++p)
    t.points[p] = {static_cast<float>(sum[2 * p] / faces), static_cast<float>(sum[2 * p + 1] / faces)};
  t.name = o.output;
  write_file_atomically(o.output, format_face_template(t, faces, o.crops));
  logging::info("fitted from " + std::to_string(faces) + " crops");
  return t;
}

}  // namespace mtl
