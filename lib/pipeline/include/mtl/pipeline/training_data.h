// A task's training or validation rows, gathered from one or more feature stores.
// No LibTorch here.
#pragma once
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
};

// Reads the rows of `paths` that carry the task's label (without features and logits when
// !with_features: labels, paths and sizes only). Throws InputError naming the store when one
// cannot be read or its rows differ in size from the first store's.
TaskRows load_task_rows(const std::vector<std::string>& paths, Task task, bool with_features = true);

// The rows of `all` that carry the task's label.
FeatureRows labelled_rows(const FeatureRows& all, Task task);

}  // namespace mtl
