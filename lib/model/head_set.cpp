// The heads a program runs together (see head_set.h).
#include "mtl/model/head_set.h"

#include <algorithm>

#include "mtl/core/checksum.h"
#include "mtl/core/error.h"
#include "mtl/core/log.h"

namespace mtl {

HeadSet::HeadSet(const std::map<Task, std::string>& checkpoints) {
  for (const auto& [task, path] : checkpoints)
    if (!path.empty()) heads_.push_back(load_checkpoint(path, task));
  // Upstream heads first: a head reads only heads of earlier tasks (EX reads AU).
  std::stable_sort(heads_.begin(), heads_.end(),
                   [](const LoadedHead& a, const LoadedHead& b) { return a.head->needs().size() < b.head->needs().size(); });
  // One policy for every program: the head a head was trained with, or an error.
  for (const auto& h : heads_)
    for (Task up : h.head->needs()) {
      const LoadedHead* have = find(up);
      if (!have)
        throw UsageError(h.path + " reads the " + task_name(up) + " head's output: give the " + task_name(up) +
                         " checkpoint it was trained with (--" + task_name(up) + ")");
      auto it = h.meta.upstream.find(up);
      if (it != h.meta.upstream.end() && !is_recorded_upstream(it->second, *have))
        throw InputError(h.path + " was trained with another " + task_name(up) + " head (" + it->second.path +
                         ", SHA-256 " + it->second.sha256.substr(0, 12) + "...) than " + have->path + " (SHA-256 " +
                         sha256_file(have->path).substr(0, 12) + "...)");
    }
}

const LoadedHead* HeadSet::find(Task t) const {
  for (const auto& h : heads_)
    if (h.meta.task == t) return &h;
  return nullptr;
}

Thresholds own_thresholds(const LoadedHead* au, const LoadedHead* ex, bool untuned) {
  Thresholds t = Thresholds::uniform(au ? static_cast<float>(au->meta.head.au.threshold) : 0.5f);
  if (untuned) return t;
  if (au && au->meta.au_thresholds) t.au = *au->meta.au_thresholds;
  if (ex) t.ex_offsets = ex->meta.ex_offsets;
  return t;
}

Thresholds HeadSet::own_thresholds(bool untuned) const {
  return mtl::own_thresholds(find(Task::AU), find(Task::EX), untuned);
}

std::string HeadSet::own_thresholds_source() const {
  const LoadedHead *au = find(Task::AU), *ex = find(Task::EX);
  const std::string au_src = au ? au->path : "";
  const std::string ex_src = ex && ex->meta.ex_offsets ? ex->path : "";
  return au_src + (!au_src.empty() && !ex_src.empty() ? " " : "") + ex_src;
}

void HeadSet::warn_other_backbone(const std::string& sha256, const std::string& source) const {
  if (sha256.empty()) return;
  for (const auto& h : heads_)
    for (const auto& s : h.meta.train_data)
      if (!s.backbone_sha256.empty() && s.backbone_sha256 != sha256) {
        logging::warn(source + " comes from another backbone (SHA-256 " + sha256.substr(0, 12) + "...) than the features " +
                      h.path + " was trained on (" + s.path + ": " + s.backbone_sha256.substr(0, 12) + "...)");
        return;
      }
}

void HeadSet::warn_other_resize(const std::string& method) const {
  for (const auto& h : heads_)
    for (const auto& s : h.meta.train_data)
      if (!s.resize.empty() && s.resize != method) {
        logging::warn("images are resized with --resize " + method + ", but " + h.path + " was trained on features of " +
                      s.path + ", resized with " + s.resize);
        return;
      }
}

bool is_recorded_upstream(const UpstreamCheckpoint& up, const LoadedHead& have) {
  return up.sha256.empty() || up.sha256 == have.meta.trained_sha256 || up.sha256 == sha256_file(have.path);
}

}  // namespace mtl
