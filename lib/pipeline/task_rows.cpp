// Gathering a task's labelled rows from feature stores.
#include "mtl/pipeline/task_rows.h"

#include <algorithm>
#include <functional>
#include <unordered_map>

#include "mtl/core/error.h"
#include "mtl/core/frame_windows.h"

namespace mtl {
namespace {

// Reads a store's labelled rows a chunk at a time, so that memory holds the kept rows and one chunk.
FeatureRows read_labelled(const FeatureStoreReader& store, RowFilter task, bool with_features) {
  constexpr size_t kChunk = 4096;
  FeatureRows out = labelled_rows(store.read(0, std::min(kChunk, store.rows()), with_features), task);
  for (size_t start = kChunk; start < store.rows(); start += kChunk)
    out.append(labelled_rows(store.read(start, std::min(kChunk, store.rows() - start), with_features), task));
  return out;
}

}  // namespace

void check_same_features(const StoreInfo& got, const std::string& got_path, const StoreInfo& want,
                         const std::string& want_path) {
  const std::string why = store_mismatch(got, want);
  if (!why.empty())
    throw InputError(got_path + ": made with " + why + " than " + want_path + "; stores used together must " +
                     "be made with the same backbone, input size, resize and normalisation");
}

FeatureRows labelled_rows(const FeatureRows& all, RowFilter task) {
  FeatureRows keep;
  keep.dim = all.dim;
  keep.logits_dim = all.logits_dim;
  for (size_t i = 0; i < all.size(); ++i)
    if (task.takes(all.labels[i])) keep.append_row(all, i);  // features only where read with them
  return keep;
}

TaskRows load_task_rows(const std::vector<std::string>& paths, RowFilter task, bool with_features,
                        const std::string& mirror_for) {
  TaskRows out;
  // Each image once over all the stores: the same store twice, a shard twice, or a shard with its
  // whole split would weigh rows double. Paths by their hash, each hit compared in full.
  std::unordered_multimap<size_t, std::pair<size_t, size_t>> seen;  // hash -> (store, row in out.rows)
  for (size_t s = 0; s < paths.size(); ++s) {
    const std::string& path = paths[s];
    FeatureStoreReader store(path);
    if (!mirror_for.empty()) store.read_mirror(mirror_for);
    FeatureRows keep = read_labelled(store, task, with_features);
    if (s > 0 && (keep.dim != out.rows.dim || keep.logits_dim != out.rows.logits_dim))
      throw InputError(path + ": " + std::to_string(keep.dim) + " features and " + std::to_string(keep.logits_dim) +
                       " logits per row, but " + paths.front() + " has " + std::to_string(out.rows.dim) + " and " +
                       std::to_string(out.rows.logits_dim));
    if (s > 0) check_same_features(store.info(), path, out.info, paths.front());
    out.stores.push_back({path, store.rows(), keep.size(), store.info().backbone_sha256, store.info().resize});
    const size_t first = s == 0 ? 0 : out.rows.size();  // where this store's rows go in out.rows
    std::vector<size_t> hashes;
    if (paths.size() > 1) {
      for (const auto& image : keep.image) {
        const size_t h = hashes.emplace_back(std::hash<std::string>{}(image));
        for (auto [it, end] = seen.equal_range(h); it != end; ++it)
          if (out.rows.image[it->second.second] == image)
            throw InputError(path + ": image '" + image + "' is also in " + paths[it->second.first] +
                             "; a row given twice would count twice: give each store once, and a split's shards "
                             "or the whole split, not both");
      }
    }
    if (s == 0) {
      out.rows = std::move(keep);
      out.info = store.info();
    } else {
      out.rows.append(keep);
    }
    for (size_t i = 0; i < hashes.size(); ++i) seen.emplace(hashes[i], std::pair{s, first + i});
  }
  out.source = paths.empty() ? std::string("(no stores)") : paths.front();
  if (paths.size() > 1) out.source += " (and " + std::to_string(paths.size() - 1) + " more)";
  return out;
}

StoreSet::StoreSet(const std::vector<std::string>& paths, std::optional<Task> task, const std::string& mirror_for) {
  constexpr size_t kChunk = 4096;
  for (const auto& p : paths) {
    stores_.push_back(std::make_unique<FeatureStoreReader>(p));
    if (!mirror_for.empty()) stores_.back()->read_mirror(mirror_for);
    first_.push_back(images_.size());
    const auto& store = *stores_.back();
    for (size_t start = 0; start < store.rows(); start += kChunk) {
      FeatureRows r = store.read(start, std::min(kChunk, store.rows() - start), /*with_features=*/false);
      if (task)
        for (size_t i = 0; i < r.size(); ++i)
          if (has_label(*task, r.labels[i])) labelled_.push_back(static_cast<int64_t>(images_.size() + i));
      images_.insert(images_.end(), std::make_move_iterator(r.image.begin()), std::make_move_iterator(r.image.end()));
    }
  }
  source_ = paths.empty() ? std::string("(no stores)") : paths.front();
  if (paths.size() > 1) source_ += " (and " + std::to_string(paths.size() - 1) + " more)";
}

FeatureRows StoreSet::window_frames(std::vector<int64_t>& windows) const {
  const std::vector<int64_t> need = distinct_window_rows(windows);  // windows now name rows of `frames`
  FeatureRows frames;
  for (size_t s = 0, k = 0; s < stores_.size(); ++s) {
    std::vector<size_t> here;
    for (; k < need.size() && (s + 1 == stores_.size() || static_cast<size_t>(need[k]) < first_[s + 1]); ++k)
      here.push_back(static_cast<size_t>(need[k]) - first_[s]);
    if (!here.empty()) frames.append(stores_[s]->read_selected(here));
  }
  return frames;
}

}  // namespace mtl
