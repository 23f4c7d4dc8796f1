// Where the trainer's rows come from: all in memory, or streamed from the stores a block at a time
// when they do not fit the memory budget. Both give the same batches in the same order, so that
// the free memory of a machine never changes a trained model. This header includes LibTorch.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "mtl/core/frame_windows.h"
#include "mtl/model/checkpoint.h"
#include "mtl/model/task_head.h"
#include "mtl/pipeline/task_rows.h"

namespace mtl {

// Rows on the training device: head inputs, targets, and the outputs of upstream heads.
struct TrainingSplit {
  torch::Tensor x, y;
  UpstreamOutputs upstream;
  // Rows in windows of frames, when the head or one it reads sees temporal context: x then holds
  // every frame of the source [F,D] (shared by all the source's splits) and `window` [n,2T+1] the
  // rows of x in each row's window, -1 where its video has no such frame. Undefined for per-frame
  // rows, whose x is [n,D].
  torch::Tensor window;
  // With --augment flip: x_mirror and upstream_mirror hold the same of the mirrored images (x's
  // shape; the upstream heads run on the mirrored features), and a batch's `flip` [n] (bool) says
  // which of its rows train on them (a whole window at once); undefined otherwise.
  torch::Tensor x_mirror;
  UpstreamOutputs upstream_mirror;
  torch::Tensor flip;
  int64_t size() const { return y.defined() ? y.size(0) : 0; }
  // The head's raw output for these rows (forward, or forward_window on the gathered windows), on
  // the mirrored rows where `flip` says so.
  torch::Tensor forward(TaskHead& head) const;
  // The rows at `idx` (an int64 index tensor on the same device).
  TrainingSplit select(const torch::Tensor& idx) const;
  // Rows [start, start + count), as views.
  TrainingSplit rows(int64_t start, int64_t count) const;
  // The rows of `parts`, one after the other.
  static TrainingSplit cat(const std::vector<TrainingSplit>& parts);
};

// What a head reads from a store's rows, and where (the same for every source).
struct RowFormat {
  bool with_logits = false;
  int in_dim = 0;
  std::string head_name;                   // names the head in messages
  const TaskHead* head = nullptr;          // makes the targets
  const std::vector<LoadedHead>* upstream = nullptr;  // frozen heads whose outputs the head reads
  torch::Device device{torch::kCPU};
  // Frames each side that the head and the heads it reads see (the largest of their contexts);
  // 0: per-frame rows.
  int context = 0;
  // --augment flip: the rows carry their mirrored features (x_mirror, upstream_mirror), and each
  // epoch draws which rows train on them.
  bool mirror = false;
  // The split of `rows` (all labelled), read from `source`.
  TrainingSplit split(const FeatureRows& rows, const std::string& source) const;
  // The windowed split of the rows `centres` (all labelled) of `frames`, read from `source`, whose
  // windows are `windows` (centres.size() x (2 context + 1) rows of `frames`, -1 for none).
  TrainingSplit window_split(const FeatureRows& frames, const std::vector<int64_t>& windows,
                             const std::vector<int64_t>& centres, const std::string& source) const;
};

// The row order, the same for both sources. The labelled rows, in store order, are cut into blocks
// of kBlockRows. Each epoch permutes the blocks, takes them kPoolBlocks at a time (a pool), and
// permutes the rows of each pool together with the rows the previous pool left over; batches are
// drawn from that order. A set of up to kBlockRows * kPoolBlocks rows is thus shuffled as a whole;
// a larger one mixes rows of kPoolBlocks places in the stores per batch, and streaming holds one
// pool in memory (8192 rows: 42 MB at 1288 values a row). The head's upstream inputs and the
// evaluation are computed a block at a time, so that the two sources give the same bits.
constexpr int64_t kBlockRows = 64;
constexpr int64_t kPoolBlocks = 128;
// Names the scheme in the trainer's resume identity: a state from another scheme is not resumed.
std::string row_order_scheme();

class TrainingData {
 public:
  virtual ~TrainingData() = default;
  virtual int64_t size() const = 0;
  // Calls `step` with each batch of an epoch, in the epoch's random order (see kBlockRows; seeded
  // by one draw from LibTorch's generator); batches of fewer than 2 rows are left out. Stops when
  // `step` returns false. With mirrored rows (RowFormat::mirror), each pool, after its permutation,
  // draws from the epoch's generator which of its rows are flipped (each with probability 0.5).
  virtual void for_each_batch(int64_t batch, const std::function<bool(const TrainingSplit&)>& step) = 0;
  // The head's raw outputs (evaluation mode, no gradient) and the targets over all rows, in order.
  virtual std::pair<torch::Tensor, torch::Tensor> evaluate(TaskHead& head) = 0;
  // Every target, in order, and the SHA-256 of the inputs followed by the targets.
  virtual torch::Tensor targets() = 0;
  virtual std::string sha256() = 0;
};

// All rows in memory.
std::unique_ptr<TrainingData> in_memory(const TaskRows& rows, const RowFormat& format);

// The labelled rows in windows of format.context frames each side (format.context > 0): frames
// without the task's label serve as context; a video split over several stores (shards) is
// joined, its windows whole. in_memory_windows holds every frame of the stores in memory;
// streamed_windows the image paths, and a pool of blocks with the frames of their windows (read a
// block at a time, in runs of nearby rows). Both give the same batches, bit for bit, and the same
// checksum. Throw InputError for stores whose paths name no videos and frames, or whose videos hold
// one frame each (check_context).
std::unique_ptr<TrainingData> in_memory_windows(const std::vector<std::string>& paths, Task task,
                                                const RowFormat& format);
std::unique_ptr<TrainingData> streamed_windows(const std::vector<std::string>& paths, Task task,
                                               const RowFormat& format);

// Rows streamed from the stores, a pool of blocks at a time: memory is bounded by the pool, not
// by the stores. The rows are those with the task's label (joint training: any task's).
std::unique_ptr<TrainingData> streamed(const std::vector<std::string>& paths, RowFilter task, const RowFormat& format);

}  // namespace mtl
