// The decode and write stages of extraction; see batch_stages.h.
#include "batch_stages.h"

#include <algorithm>

namespace mtl {

DecodeStage::DecodeStage(const InputList& list, size_t first, const ExtractOptions& opt, const Backbone& backbone,
                         int threads, int depth)
    : list_(list), opt_(opt), first_(first), total_(first < list.images.size() ? list.images.size() - first : 0),
      batches_((total_ + opt.batch - 1) / opt.batch),
      slots_(static_cast<size_t>(std::max<size_t>(1, std::min<size_t>(depth, batches_)))) {
  for (auto& s : slots_) {
    s.batch.pixels = backbone.host_buffer(opt.batch);
    if (opt.mirror) s.batch.mirrored = backbone.host_buffer(opt.batch);
    s.batch.errors.resize(opt.batch);
  }
  const int n = static_cast<int>(std::max<size_t>(1, std::min<size_t>(std::max(threads, 1), total_)));
  for (int t = 0; t < n && total_ > 0; ++t) threads_.emplace_back([this] { work(); });
}

DecodeStage::~DecodeStage() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

// Hands out the next image whose batch has a free slot; false when there is none left or on stop.
bool DecodeStage::claim(size_t& image) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return stop_ || next_ >= total_ || next_ / opt_.batch < released_ + slots_.size(); });
  if (stop_ || next_ >= total_) return false;
  image = next_++;
  return true;
}

void DecodeStage::decode(size_t image) {
  const size_t k = image / opt_.batch;
  const int j = static_cast<int>(image % opt_.batch);
  Slot& slot = slots_[k % slots_.size()];
  const auto& img = list_.images[first_ + image];
  std::string error;
  try {
    const std::string path = join_image_path(opt_.image_root, img.path);
    float* out = slot.batch.pixels.data() + j * opt_.pre.floats();
    if (opt_.mirror) load_preprocessed(path, opt_.pre, out, slot.batch.mirrored.data() + j * opt_.pre.floats());
    else load_preprocessed(path, opt_.pre, out);
  } catch (const std::exception& e) {
    error = e.what();
  }
  std::lock_guard<std::mutex> lock(mu_);
  slot.batch.errors[j] = std::move(error);
  const int count = static_cast<int>(std::min<size_t>(opt_.batch, total_ - k * opt_.batch));
  if (++slot.decoded == count) {
    slot.batch.start = first_ + k * opt_.batch;
    slot.batch.count = count;
    slot.ready = static_cast<long long>(k);
    cv_.notify_all();
  }
}

void DecodeStage::work() {
  size_t image;
  while (claim(image)) decode(image);
}

DecodedBatch& DecodeStage::take(size_t k) {
  Slot& slot = slots_[k % slots_.size()];
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return slot.ready == static_cast<long long>(k); });
  return slot.batch;
}

void DecodeStage::release(size_t k) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    Slot& slot = slots_[k % slots_.size()];
    slot.decoded = 0;
    slot.ready = -1;
    released_ = k + 1;
  }
  cv_.notify_all();
}

WriteStage::WriteStage(const RowSink& sink, size_t depth) : sink_(sink), depth_(std::max<size_t>(1, depth)) {
  thread_ = std::thread([this] { work(); });
}

WriteStage::~WriteStage() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void WriteStage::work() {
  for (;;) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return closed_ || !queue_.empty(); });
    if (queue_.empty() || failure_) return;  // closed, and nothing (more) to write
    Item item = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    try {
      sink_(item.rows, item.inputs_done, item.skipped);
    } catch (...) {
      lock.lock();
      failure_ = std::current_exception();
      queue_.clear();
      busy_ = false;
      cv_.notify_all();
      return;
    }
    lock.lock();
    busy_ = false;
    cv_.notify_all();
  }
}

void WriteStage::rethrow() {
  if (failure_) std::rethrow_exception(failure_);
}

void WriteStage::push(FeatureRows rows, size_t inputs_done, std::vector<std::string> skipped) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return failure_ || queue_.size() < depth_; });
  rethrow();
  queue_.push_back({std::move(rows), inputs_done, std::move(skipped)});
  cv_.notify_all();
}

void WriteStage::finish() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return failure_ || (queue_.empty() && !busy_); });
  rethrow();
}

}  // namespace mtl
