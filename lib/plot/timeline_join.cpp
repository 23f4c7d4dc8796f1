// mtl-plot --timeline's data: the frames of one video that mtl-faces looked at, each with the
// chosen face and the prediction made for its crop; and that join as a CSV table.
#include <algorithm>
#include <charconv>
#include <set>
#include <unordered_map>

#include "mtl/core/error.h"
#include "mtl/core/labels.h"
#include "mtl/core/log.h"
#include "mtl/plot/plot.h"

namespace mtl {
namespace plot {
namespace {

// "'a', 'b', 'c'" (without quotes: "1, 2, 3"): the first 12 names, then how many more.
std::string name_list(const std::vector<std::string>& names, bool quote = true) {
  std::string s;
  const std::string q = quote ? "'" : "";
  const size_t shown = std::min<size_t>(names.size(), 12);
  for (size_t i = 0; i < shown; ++i) s += (i ? ", " : "") + q + names[i] + q;
  if (names.size() > shown) s += " and " + std::to_string(names.size() - shown) + " more";
  return s;
}

std::string where(const std::string& name, int line) { return name + ":" + std::to_string(line); }

// The face of `f` that track `track` has (none: the smallest track id); null when there is none.
const FaceRecord* chosen_face(const FaceFrame& f, std::optional<int> track) {
  const FaceRecord* best = nullptr;
  for (const FaceRecord& r : f.faces) {
    if (track && r.track != *track) continue;
    if (!best || r.track < best->track) best = &r;
  }
  return best;
}

void put_double(std::string& s, double v) {
  char b[40];
  s.append(b, std::to_chars(b, b + sizeof b, v).ptr);
}

void put_float(std::string& s, float v) {
  char b[32];
  s.append(b, std::to_chars(b, b + sizeof b, v).ptr);
}

// A CSV field, quoted (quotes doubled) when it holds a comma, a quote or a line break.
void put_field(std::string& s, const std::string& v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos) {
    s += v;
    return;
  }
  s += '"';
  for (char c : v) {
    if (c == '"') s += '"';
    s += c;
  }
  s += '"';
}

}  // namespace

std::optional<int> timeline_expression(const Prediction& p) {
  if (p.ex) return p.ex;
  if (!p.ex_prob) return std::nullopt;
  const auto& q = *p.ex_prob;
  return static_cast<int>(std::max_element(q.begin(), q.end()) - q.begin());
}

Timeline join_timeline(const std::vector<FaceFrame>& faces, const std::string& faces_name,
                       const std::vector<Prediction>& preds, const std::string& preds_name, const std::string& video,
                       std::optional<int> track) {
  if (faces.empty()) throw InputError(faces_name + ": no frames (mtl-faces writes one line per frame)");
  std::vector<std::string> videos;
  std::set<std::string> seen;
  for (const FaceFrame& f : faces)
    if (seen.insert(f.video).second) videos.push_back(f.video);
  Timeline t;
  t.track = track;
  if (video.empty()) {
    if (videos.size() > 1)
      throw UsageError(faces_name + " holds " + std::to_string(videos.size()) + " videos (" + name_list(videos) +
                       "): choose one with --video");
    t.video = videos[0];
  } else {
    if (!seen.count(video))
      throw UsageError("--video '" + video + "': " + faces_name + " has no such video; it holds " + name_list(videos));
    t.video = video;
  }

  // The video's frames in frame order; each once.
  std::vector<const FaceFrame*> frames;
  for (const FaceFrame& f : faces)
    if (f.video == t.video) frames.push_back(&f);
  std::stable_sort(frames.begin(), frames.end(), [](const FaceFrame* a, const FaceFrame* b) { return a->frame < b->frame; });
  for (size_t i = 1; i < frames.size(); ++i)
    if (frames[i]->frame == frames[i - 1]->frame) {
      const FaceFrame* later = frames[i]->line > frames[i - 1]->line ? frames[i] : frames[i - 1];
      const FaceFrame* first = later == frames[i] ? frames[i - 1] : frames[i];
      throw InputError(where(faces_name, later->line) + ": frame " + std::to_string(later->frame) + " of video '" +
                       t.video + "' again (also on line " + std::to_string(first->line) + ")");
    }
  if (track) {
    std::set<int> tracks;
    for (const FaceFrame* f : frames)
      for (const FaceRecord& r : f->faces) tracks.insert(r.track);
    if (!tracks.count(*track)) {
      std::vector<std::string> names;
      for (int k : tracks) names.push_back(std::to_string(k));
      throw UsageError("--track " + std::to_string(*track) + ": video '" + t.video + "' of " + faces_name +
                       (tracks.empty() ? " has no faces" : " has no such track; its tracks are " + name_list(names, false)));
    }
  }

  // The chosen faces, and the predictions of their crops.
  std::unordered_map<std::string, size_t> by_crop;
  for (const FaceFrame* f : frames) {
    TimelineFrame tf;
    tf.frame = f->frame;
    tf.time = f->time;
    tf.line = f->line;
    if (const FaceRecord* r = chosen_face(*f, track)) {
      tf.face = true;
      tf.crop = r->crop;
      if (!r->crop.empty()) by_crop.emplace(r->crop, t.frames.size());
      ++t.faces;
    }
    t.frames.push_back(std::move(tf));
  }
  for (const Prediction& p : preds) {
    const auto it = by_crop.find(p.image);
    if (it == by_crop.end()) continue;
    TimelineFrame& tf = t.frames[it->second];
    if (tf.pred)
      throw InputError(where(preds_name, p.line) + ": image '" + p.image + "' again (also on line " +
                       std::to_string(tf.pred->line) + ")");
    tf.pred = p;
    ++t.predicted;
    t.au |= p.au_prob.has_value();
    t.ex |= timeline_expression(p).has_value();
    t.va |= p.va.has_value();
  }
  t.timed = std::all_of(t.frames.begin(), t.frames.end(), [](const TimelineFrame& f) { return f.time.has_value(); });

  const std::string what = "video '" + t.video + "'" + (track ? " (track " + std::to_string(*track) + ")" : "");
  if (t.faces == 0) {
    logging::warn(what + ": no face in any of its " + std::to_string(t.frames.size()) + " frames");
  } else if (t.predicted == 0) {
    const TimelineFrame& first = *std::find_if(t.frames.begin(), t.frames.end(), [](const TimelineFrame& f) { return f.face; });
    throw InputError(preds_name + ": no prediction for any face of " + what + " in " + faces_name +
                     ": no line's \"image\" is one of its crops (such as '" + first.crop + "'" +
                     (preds.empty() ? "; it has no lines" : "; its images are such as '" + preds.front().image + "'") +
                     "); predict on the features of mtl-faces' list (mtl-extract --image-root OUT OUT/list.txt)");
  } else if (t.predicted < t.faces) {
    const TimelineFrame& first =
        *std::find_if(t.frames.begin(), t.frames.end(), [](const TimelineFrame& f) { return f.face && !f.pred; });
    logging::warn(what + ": " + std::to_string(t.faces - t.predicted) + " of its " + std::to_string(t.faces) +
                  " faces " + (t.faces - t.predicted == 1 ? "has" : "have") + " no prediction in " + preds_name + " (the first: '" + first.crop + "', frame " +
                  std::to_string(first.frame) + "); they are left blank");
  }
  return t;
}

std::string timeline_csv(const Timeline& t) {
  std::string s = "video,frame,time,face";
  for (const char* n : au_names()) s += std::string(",") + n;
  s += ",expression,valence,arousal\n";
  for (const TimelineFrame& f : t.frames) {
    put_field(s, t.video);
    s += ',' + std::to_string(f.frame) + ',';
    if (f.time) put_double(s, *f.time);
    s += ',';
    if (f.face) put_field(s, f.crop);
    const Prediction* p = f.pred ? &*f.pred : nullptr;
    for (int k = 0; k < kNumAU; ++k) {
      s += ',';
      if (p && p->au_prob) put_float(s, (*p->au_prob)[k]);
    }
    s += ',';
    if (p) {
      if (const auto e = timeline_expression(*p)) s += ex_names()[*e];
    }
    for (int k = 0; k < 2; ++k) {
      s += ',';
      if (p && p->va) put_float(s, (*p->va)[k]);
    }
    s += '\n';
  }
  return s;
}

}  // namespace plot
}  // namespace mtl
