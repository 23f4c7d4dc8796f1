// Predictions smoothed video by video as a stream (mtl-smooth). The filters are in smoothing.cpp,
// the parameters file in smoothing_file.cpp, the tuning in smoothing_search.cpp.
#include <istream>
#include <ostream>
#include <unordered_map>

#include "mtl/core/error.h"
#include "mtl/core/smoothing.h"
#include "video_rows.h"

namespace mtl {
namespace {

using detail::check_video_path;
using detail::sort_by_frame;

// Sorts, smooths, decides again and writes one video's rows. Returns how many it wrote.
size_t write_video(std::vector<Prediction>& rows, const std::string& name, std::ostream& out, const Smoothing& s,
                   const Thresholds* t) {
  const std::vector<long> frames = sort_by_frame(rows, name);
  smooth_video(rows, frames, s);
  for (auto& p : rows) {
    redecide(p, s, t);
    out << format_prediction(p) << '\n';
  }
  if (!out) throw OutputError("cannot write the smoothed predictions");
  return rows.size();
}

std::string sort_hint() {
  return "the rows of each video must be consecutive: run mtl-smooth --sort (which holds every row in memory), "
         "or sort the lines first with LC_ALL=C sort -s -t'\"' -k4,4";
}

}  // namespace

size_t smooth_stream(std::istream& in, const std::string& name, std::ostream& out, const Smoothing& s,
                     const Thresholds* t, bool sort_all) {
  std::vector<std::vector<Prediction>> videos(1);  // the current video (all of them with sort_all)
  std::unordered_map<std::string, size_t> seen;    // video -> its index, or its first line once done
  std::string line, current;
  int lineno = 0;
  size_t written = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    Prediction p = parse_prediction_line(line, name, lineno, /*keep_text=*/true);
    check_video_path(p, name, lineno);
    const std::string_view video = video_of(p.image);
    if (sort_all) {
      auto [it, added] = seen.emplace(std::string(video), videos.size());
      if (added) videos.emplace_back();
      videos[it->second].push_back(std::move(p));
      continue;
    }
    if (videos[0].empty() || video != current) {
      if (!videos[0].empty()) {
        seen.emplace(current, static_cast<size_t>(videos[0].front().line));
        written += write_video(videos[0], name, out, s, t);
        videos[0].clear();
      }
      current.assign(video);
      if (auto it = seen.find(current); it != seen.end())
        detail::fail_at(name, lineno,
             "video '" + current + "' appears again after other videos (its rows began on line " +
                 std::to_string(it->second) + "): " + sort_hint());
    }
    videos[0].push_back(std::move(p));
  }
  if (in.bad()) throw InputError(name + ": cannot read");
  for (auto& v : videos)
    if (!v.empty()) written += write_video(v, name, out, s, t);
  return written;
}

}  // namespace mtl
