// The trainer's rows: in memory, or streamed from the stores.
#include "mtl/pipeline/data_source.h"

#include <algorithm>

#include "mtl/core/checksum.h"
#include "mtl/core/error.h"

namespace mtl {
namespace {

// Store rows read at a time: small enough that the window holds several chunks from different
// places (the chunk order is shuffled), large enough to read efficiently.
size_t stream_chunk(size_t window) { return std::clamp<size_t>(window / 4 / 64 * 64, 64, 1024); }

void hash_tensor(Sha256& h, torch::Tensor t) {
  t = t.contiguous().cpu();
  h.update(t.data_ptr(), t.numel() * t.element_size());
}

class InMemory : public TrainingData {
 public:
  explicit InMemory(TrainingSplit s) : s_(std::move(s)) {}
  int64_t size() const override { return s_.size(); }

  void for_each_batch(int64_t batch, const std::function<bool(const TrainingSplit&)>& step) override {
    const int64_t n = s_.size();
    auto perm = torch::randperm(n, torch::TensorOptions().dtype(torch::kInt64)).to(s_.x.device());
    for (int64_t start = 0; start < n; start += batch) {
      const int64_t b = std::min<int64_t>(batch, n - start);
      if (b < 2) continue;  // batch norm needs two rows; a last batch of one is left out
      if (!step(s_.select(perm.narrow(0, start, b)))) return;
    }
  }

  std::pair<torch::Tensor, torch::Tensor> evaluate(TaskHead& head) override {
    head.module().eval();
    torch::NoGradGuard ng;
    return {head.forward(s_.x, s_.upstream), s_.y};
  }

  torch::Tensor targets() override { return s_.y; }
  std::string sha256() override {
    Sha256 h;
    hash_tensor(h, s_.x);
    hash_tensor(h, s_.y);
    return h.hex();
  }

 private:
  TrainingSplit s_;
};

class Streamed : public TrainingData {
 public:
  Streamed(const std::vector<std::string>& paths, Task task, const RowFormat& f, size_t window)
      : task_(task), format_(f), window_(std::max<size_t>(window, 2)) {
    const size_t chunk = stream_chunk(window_);
    for (const auto& p : paths) {
      stores_.push_back(std::make_unique<FeatureStoreReader>(p));
      const size_t rows = stores_.back()->rows();
      for (size_t start = 0; start < rows; start += chunk)
        chunks_.push_back({stores_.size() - 1, start, std::min(chunk, rows - start)});
    }
    for (const auto& c : chunks_) {  // count the labelled rows from the labels alone
      FeatureRows r = stores_[c.store]->read(c.start, c.count, /*with_features=*/false);
      for (const auto& l : r.labels) n_ += has_label(task_, l);
    }
  }
  int64_t size() const override { return static_cast<int64_t>(n_); }

  void for_each_batch(int64_t batch, const std::function<bool(const TrainingSplit&)>& step) override {
    auto order = torch::randperm(static_cast<int64_t>(chunks_.size()), torch::kInt64);
    std::vector<TrainingSplit> parts;
    size_t held = 0;
    // Shuffles what the window holds and steps through its full batches (all of them at the end).
    auto drain = [&](bool last) {
      TrainingSplit w = TrainingSplit::cat(parts);
      parts.clear();
      const int64_t n = w.size();
      auto perm = torch::randperm(n, torch::TensorOptions().dtype(torch::kInt64)).to(w.x.device());
      const int64_t full = last ? n : n / batch * batch;
      for (int64_t start = 0; start < full; start += batch) {
        const int64_t b = std::min<int64_t>(batch, full - start);
        if (b >= 2 && !step(w.select(perm.narrow(0, start, b)))) return false;
      }
      if (full < n) parts.push_back(w.select(perm.narrow(0, full, n - full)));
      held = static_cast<size_t>(n - full);
      return true;
    };
    for (int64_t i = 0; i < order.size(0); ++i) {
      TrainingSplit s = load(chunks_[static_cast<size_t>(order[i].item<int64_t>())]);
      if (s.size() == 0) continue;
      held += static_cast<size_t>(s.size());
      parts.push_back(std::move(s));
      if (held >= window_ && !drain(false)) return;
    }
    if (held > 0) drain(true);
  }

  std::pair<torch::Tensor, torch::Tensor> evaluate(TaskHead& head) override {
    head.module().eval();
    torch::NoGradGuard ng;
    std::vector<torch::Tensor> outs, ys;
    for (const auto& c : chunks_) {
      TrainingSplit s = load(c);
      if (s.size() == 0) continue;
      outs.push_back(head.forward(s.x, s.upstream));
      ys.push_back(s.y);
    }
    return {torch::cat(outs), torch::cat(ys)};
  }

  torch::Tensor targets() override {
    summarize();
    return y_;
  }
  std::string sha256() override {
    summarize();
    return sha_;
  }

 private:
  struct Chunk {
    size_t store, start, count;
  };

  TrainingSplit load(const Chunk& c) const {
    const auto& store = *stores_[c.store];
    return format_.split(labelled_rows(store.read(c.start, c.count), task_), store.path());
  }

  // One pass in store order: the targets, and the checksum of inputs then targets.
  void summarize() {
    if (!sha_.empty()) return;
    Sha256 h;
    std::vector<torch::Tensor> ys;
    for (const auto& c : chunks_) {
      TrainingSplit s = load(c);
      if (s.size() == 0) continue;
      hash_tensor(h, s.x);
      ys.push_back(s.y);
    }
    y_ = torch::cat(ys);
    hash_tensor(h, y_);
    sha_ = h.hex();
  }

  Task task_;
  RowFormat format_;
  size_t window_;
  std::vector<std::unique_ptr<FeatureStoreReader>> stores_;
  std::vector<Chunk> chunks_;
  size_t n_ = 0;
  torch::Tensor y_;
  std::string sha_;
};

}  // namespace

TrainingSplit TrainingSplit::select(const torch::Tensor& idx) const {
  TrainingSplit s{x.index_select(0, idx), y.index_select(0, idx), {}};
  for (const auto& [task, out] : upstream) s.upstream[task] = out.index_select(0, idx);
  return s;
}

TrainingSplit TrainingSplit::cat(const std::vector<TrainingSplit>& parts) {
  if (parts.size() == 1) return parts[0];
  std::vector<torch::Tensor> xs, ys;
  std::map<Task, std::vector<torch::Tensor>> ups;
  for (const auto& p : parts) {
    xs.push_back(p.x);
    ys.push_back(p.y);
    for (const auto& [task, out] : p.upstream) ups[task].push_back(out);
  }
  TrainingSplit s{torch::cat(xs), torch::cat(ys), {}};
  for (const auto& [task, outs] : ups) s.upstream[task] = torch::cat(outs);
  return s;
}

constexpr int64_t kUpstreamChunk = 1024;  // rows per forward of a frozen upstream head

TrainingSplit RowFormat::split(const FeatureRows& rows, const std::string& source) const {
  TrainingSplit s;
  s.x = head_input(rows, with_logits, in_dim, source, head_name).to(device);
  s.y = head->targets(rows).to(device);
  torch::NoGradGuard ng;
  for (const auto& up : *upstream) {
    // In chunks: the AU head at the authors' size holds 12 x C values per row in each of several
    // intermediates, about 9 GB for 20k rows in one go.
    auto x = head_input(rows, up.meta.with_logits, up.meta.in_dim, source, up.path).to(device);
    std::vector<torch::Tensor> parts;
    for (int64_t at = 0; at < x.size(0); at += kUpstreamChunk)
      parts.push_back(up.head->prediction(up.head->forward(x.slice(0, at, std::min(at + kUpstreamChunk, x.size(0))), {})));
    s.upstream[up.meta.task] = parts.empty() ? up.head->prediction(up.head->forward(x, {})) : torch::cat(parts);
  }
  return s;
}

std::unique_ptr<TrainingData> in_memory(const TaskRows& rows, const RowFormat& format) {
  return std::make_unique<InMemory>(format.split(rows.rows, rows.source));
}

std::unique_ptr<TrainingData> streamed(const std::vector<std::string>& paths, Task task, const RowFormat& format,
                                       size_t window_rows) {
  return std::make_unique<Streamed>(paths, task, format, window_rows);
}

}  // namespace mtl
