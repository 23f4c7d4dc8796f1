// A task's training or validation rows, gathered from one or more feature stores.
// No LibTorch here.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mtl/core/feature_store.h"
#include "mtl/core/task.h"
#include "mtl/model/checkpoint_meta.h"

namespace mtl {

struct TaskRows {
  FeatureRows rows;                   // only the rows that carry the task's label
  std::vector<StoreIdentity> stores;  // where they came from
  std::string source;                 // the stores, for messages: "a.h5" or "a.h5 (and 2 more)"
  StoreInfo info;                     // the first store's settings (the others match them)
};

// Throws InputError (exit 3) naming both stores when the features of the store at `got_path` are
// not comparable with those of `want_path` (see store_mismatch): shards, or training and
// validation stores, made with another backbone, input size, resize or normalisation.
void check_same_features(const StoreInfo& got, const std::string& got_path, const StoreInfo& want,
                         const std::string& want_path);

// Reads the rows of `paths` that carry the task's label (or any task's: RowFilter::any_task()) (without features and logits when
// !with_features: labels, paths and sizes only). Throws InputError naming the store when one
// cannot be read, or its rows differ in size from the first store's, or its features are not
// comparable with the first store's (check_same_features). With `mirror_for` (what needs them, for
// messages: "--augment flip"), the rows carry the mirrored features too (FeatureRows::features_mirror),
// and a store without them is an InputError.
TaskRows load_task_rows(const std::vector<std::string>& paths, RowFilter task, bool with_features = true,
                        const std::string& mirror_for = "");

// The rows of `all` that carry the task's label (or, RowFilter::any_task(), any task's).
FeatureRows labelled_rows(const FeatureRows& all, RowFilter task);

// Stores read together for windows of frames (shards of one split): their rows numbered one after
// the other, every row's image path in memory, features read on demand.
class StoreSet {
 public:
  // Opens the stores and reads their image paths; with `task`, notes the rows with its label; with
  // `mirror_for`, frames are read with their mirrored features (see load_task_rows).
  explicit StoreSet(const std::vector<std::string>& paths, std::optional<Task> task = std::nullopt,
                    const std::string& mirror_for = "");
  const std::vector<std::string>& images() const { return images_; }
  const std::vector<int64_t>& labelled() const { return labelled_; }
  const std::string& source() const { return source_; }  // "a.h5", or "a.h5 (and 2 more)"
  size_t stores() const { return stores_.size(); }
  const FeatureStoreReader& store(size_t s) const { return *stores_[s]; }
  size_t first_row(size_t s) const { return first_[s]; }
  // Reads the frames that `windows` names (rows in this numbering, -1 none), in ascending order,
  // and rewrites `windows` to rows of the returned frames.
  FeatureRows window_frames(std::vector<int64_t>& windows) const;

 private:
  std::vector<std::unique_ptr<FeatureStoreReader>> stores_;
  std::vector<size_t> first_;
  std::vector<std::string> images_;
  std::vector<int64_t> labelled_;
  std::string source_;
};

}  // namespace mtl
