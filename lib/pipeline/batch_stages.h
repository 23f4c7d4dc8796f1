// The two stages around the backbone in extraction (private to mtl_pipeline, free of LibTorch):
//
//   DecodeStage: a pool of threads decodes and preprocesses images, batch after batch, into a ring
//                of `depth` batch slots; the forward pass takes the batches in order.
//   WriteStage:  one thread hands the finished batches, in order, to the row sink (the HDF5 writer
//                or mtl-predict's heads).
//
// So decoding, preprocessing and writing overlap the forward pass, and the memory held is `depth`
// batches of pixels and two batches of rows, whatever the thread count.
#pragma once
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mtl/core/annotations.h"
#include "mtl/pipeline/extract.h"
#include "mtl/vision/backbone.h"

namespace mtl {

// A decoded batch: list.images[start, start+count) of the whole list, as pixels, with the error of
// each image that could not be read ("" when it could).
struct DecodedBatch {
  size_t start = 0;
  int count = 0;
  HostBuffer pixels;  // count * 3*S*S floats
  HostBuffer mirrored;  // the same of each image flipped left to right (ExtractOptions::mirror)
  std::vector<std::string> errors;
};

class DecodeStage {
 public:
  // Decodes list.images[first..] in batches of opt.batch on `threads` threads into `depth` slots
  // whose memory comes from backbone.host_buffer() (page-locked for a GPU).
  DecodeStage(const InputList& list, size_t first, const ExtractOptions& opt, const Backbone& backbone, int threads,
              int depth = 3);
  ~DecodeStage();  // stops the threads and waits for them
  DecodeStage(const DecodeStage&) = delete;
  DecodeStage& operator=(const DecodeStage&) = delete;

  size_t batches() const { return batches_; }
  // Waits until batch k (0-based, counted from `first`) is decoded. Batches are taken in order.
  DecodedBatch& take(size_t k);
  // Gives batch k's slot back for batch k + depth.
  void release(size_t k);

 private:
  struct Slot {
    DecodedBatch batch;
    int decoded = 0;       // images of the batch done so far
    long long ready = -1;  // the batch number the slot holds, once complete
  };
  void work();
  bool claim(size_t& image);
  void decode(size_t image);

  const InputList& list_;
  const ExtractOptions& opt_;
  size_t first_, total_, batches_;
  std::vector<Slot> slots_;
  std::mutex mu_;
  std::condition_variable cv_;
  size_t next_ = 0;      // the next image (from first) to hand to a thread
  size_t released_ = 0;  // batches [0, released_) are given back
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

class WriteStage {
 public:
  explicit WriteStage(const RowSink& sink, size_t depth = 2);
  ~WriteStage();  // writes what is queued (unless the sink failed), then joins
  WriteStage(const WriteStage&) = delete;
  WriteStage& operator=(const WriteStage&) = delete;

  // Queues a batch, waiting while `depth` are queued. Rethrows the sink's exception, if it threw.
  void push(FeatureRows rows, size_t inputs_done, std::vector<std::string> skipped);
  // Waits for the queue to empty and rethrows the sink's exception, if it threw.
  void finish();

 private:
  struct Item {
    FeatureRows rows;
    size_t inputs_done;
    std::vector<std::string> skipped;
  };
  void work();
  void rethrow();

  const RowSink& sink_;
  size_t depth_;
  std::deque<Item> queue_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool closed_ = false, busy_ = false;
  std::exception_ptr failure_;
  std::thread thread_;
};

}  // namespace mtl
