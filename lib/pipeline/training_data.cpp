// The trainer's rows: in memory, or streamed from the stores.
#include "mtl/pipeline/training_data.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <limits>
#include <optional>

#include "mtl/core/checksum.h"
#include "mtl/core/error.h"

namespace mtl {
namespace {

void hash_tensor(Sha256& h, torch::Tensor t) {
  t = t.contiguous().cpu();
  h.update(t.data_ptr(), t.numel() * t.element_size());
}

// The one row order of both sources (see training_data.h). Each epoch takes one 64-bit draw from
// LibTorch's generator, so that the draws between epochs (dropout) do not depend on the source,
// and draws the rest from a generator of its own seeded with it.
class BlockedRows : public TrainingData {
 public:
  void for_each_batch(int64_t batch, const std::function<bool(const TrainingSplit&)>& step) override {
    const auto seed = torch::randint(std::numeric_limits<int64_t>::max(), {1}, torch::kInt64).item<int64_t>();
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(seed));
    const auto nb = static_cast<int64_t>(blocks());
    const auto order = torch::randperm(nb, gen, torch::kInt64);
    const auto* ids = order.data_ptr<int64_t>();
    TrainingSplit carry;  // rows of the last pool that did not fill a batch
    for (int64_t first = 0; first < nb; first += kPoolBlocks) {
      std::vector<TrainingSplit> parts;
      if (carry.size() > 0) parts.push_back(std::move(carry));
      for (int64_t b = first; b < std::min(nb, first + kPoolBlocks); ++b) parts.push_back(block(static_cast<size_t>(ids[b])));
      TrainingSplit pool = TrainingSplit::cat(parts);
      parts.clear();
      const int64_t n = pool.size();
      const auto perm = torch::randperm(n, gen, torch::kInt64).to(pool.x.device());
      if (pool.x_mirror.defined()) pool.flip = (torch::rand({n}, gen) < 0.5).to(pool.x.device());
      const bool last = first + kPoolBlocks >= nb;
      const int64_t full = last ? n : n / batch * batch;
      for (int64_t start = 0; start < full; start += batch) {
        const int64_t b = std::min<int64_t>(batch, full - start);
        if (b < 2) continue;  // batch norm needs two rows; a last batch of one is left out
        if (!step(pool.select(perm.narrow(0, start, b)))) return;
      }
      carry = full < n ? pool.select(perm.narrow(0, full, n - full)) : TrainingSplit{};
    }
  }

  std::pair<torch::Tensor, torch::Tensor> evaluate(TaskHead& head) override {
    head.module().eval();
    torch::NoGradGuard ng;
    std::vector<torch::Tensor> outs, ys;
    for (size_t b = 0; b < blocks(); ++b) {
      TrainingSplit s = block(b);
      outs.push_back(s.forward(head));
      ys.push_back(s.y);
    }
    return {torch::cat(outs), torch::cat(ys)};
  }

 protected:
  // Blocks of kBlockRows labelled rows in store order (the last may be shorter), and block `i`.
  virtual size_t blocks() const = 0;
  virtual TrainingSplit block(size_t i) const = 0;
};

class InMemory : public BlockedRows {
 public:
  explicit InMemory(TrainingSplit s) : s_(std::move(s)) {}
  int64_t size() const override { return s_.size(); }

  torch::Tensor targets() override { return s_.y; }
  std::string sha256() override {
    Sha256 h;
    hash_tensor(h, s_.x);
    if (s_.window.defined()) hash_tensor(h, s_.window);
    hash_tensor(h, s_.y);
    if (s_.x_mirror.defined()) {  // the mirrored inputs' own digest, last (as the streamed sources can)
      Sha256 m;
      hash_tensor(m, s_.x_mirror);
      const std::string digest = m.hex();
      h.update(digest.data(), digest.size());
    }
    return h.hex();
  }

 private:
  size_t blocks() const override { return static_cast<size_t>((s_.size() + kBlockRows - 1) / kBlockRows); }
  TrainingSplit block(size_t i) const override {
    const int64_t start = static_cast<int64_t>(i) * kBlockRows;
    return s_.rows(start, std::min<int64_t>(kBlockRows, s_.size() - start));
  }

  TrainingSplit s_;
};

class Streamed : public BlockedRows {
 public:
  // One pass over the labels alone finds where each block's labelled rows lie in the stores.
  Streamed(const std::vector<std::string>& paths, RowFilter task, const RowFormat& f) : task_(task), format_(f) {
    constexpr size_t kLabelChunk = 4096;
    Block open;          // the block being gathered
    int64_t in_open = 0;  // its labelled rows so far
    for (const auto& p : paths) {
      stores_.push_back(std::make_unique<FeatureStoreReader>(p));
      if (f.mirror) stores_.back()->read_mirror("--augment flip");
      const auto& store = *stores_.back();
      const size_t s = stores_.size() - 1;
      size_t from = 0;           // where the open block's rows begin in this store,
      bool from_here = false;    // when they begin in it
      for (size_t start = 0; start < store.rows(); start += kLabelChunk) {
        const FeatureRows r = store.read(start, std::min(kLabelChunk, store.rows() - start), /*with_features=*/false);
        for (size_t i = 0; i < r.size(); ++i) {
          if (!from_here) from = start + i, from_here = true;
          if (!task_.takes(r.labels[i])) continue;
          ++n_;
          if (++in_open < kBlockRows) continue;
          open.push_back({s, from, start + i + 1 - from});
          blocks_.push_back(std::move(open));
          open.clear();
          in_open = 0;
          from_here = false;
        }
      }
      if (from_here) open.push_back({s, from, store.rows() - from});  // the block goes on in the next store
    }
    if (in_open > 0) blocks_.push_back(std::move(open));
  }
  int64_t size() const override { return static_cast<int64_t>(n_); }

  torch::Tensor targets() override {
    summarize();
    return y_;
  }
  std::string sha256() override {
    summarize();
    return sha_;
  }

 private:
  struct Segment {
    size_t store, start, count;  // store rows [start, start + count)
  };
  using Block = std::vector<Segment>;

  size_t blocks() const override { return blocks_.size(); }
  TrainingSplit block(size_t i) const override {
    const Block& b = blocks_[i];
    FeatureRows rows;
    for (size_t k = 0; k < b.size(); ++k) {
      FeatureRows part = labelled_rows(stores_[b[k].store]->read(b[k].start, b[k].count), task_);
      if (k == 0) rows = std::move(part);
      else rows.append(part);
    }
    return format_.split(rows, stores_[b.front().store]->path());  // one split: the same upstream chunks as in memory
  }

  // One pass in store order: the targets, and the checksum of inputs then targets.
  void summarize() {
    if (!sha_.empty()) return;
    Sha256 h, m;  // m: the mirrored inputs, appended last as in InMemory::sha256
    std::vector<torch::Tensor> ys;
    for (size_t b = 0; b < blocks_.size(); ++b) {
      TrainingSplit s = block(b);
      hash_tensor(h, s.x);
      if (s.x_mirror.defined()) hash_tensor(m, s.x_mirror);
      ys.push_back(s.y);
    }
    y_ = torch::cat(ys);
    hash_tensor(h, y_);
    if (format_.mirror) {
      const std::string digest = m.hex();
      h.update(digest.data(), digest.size());
    }
    sha_ = h.hex();
  }

  RowFilter task_;
  RowFormat format_;
  std::vector<std::unique_ptr<FeatureStoreReader>> stores_;
  std::vector<Block> blocks_;
  size_t n_ = 0;
  torch::Tensor y_;
  std::string sha_;
};

// The labelled rows' windows streamed from the stores (streamed_windows): the image paths and
// labels are read once and indexed; a block is its kBlockRows labelled rows (in store order, as in
// memory), read with the frames of their windows.
class StreamedWindows : public BlockedRows {
 public:
  StreamedWindows(const std::vector<std::string>& paths, Task task, const RowFormat& f)
      : format_(f), set_(paths, task, f.mirror ? "--augment flip" : ""), index_(set_.images(), set_.source()) {
    check_context(index_, format_.context, set_.source());
  }
  int64_t size() const override { return static_cast<int64_t>(set_.labelled().size()); }

  torch::Tensor targets() override {
    summarize();
    return y_;
  }
  std::string sha256() override {
    summarize();
    return sha_;
  }

 private:
  size_t blocks() const override { return (set_.labelled().size() + kBlockRows - 1) / kBlockRows; }

  // The windows of block b's rows, numbered over the stores.
  std::vector<int64_t> windows_of(size_t b) const {
    const auto& all = set_.labelled();
    const auto from = all.begin() + static_cast<int64_t>(b) * kBlockRows;
    return index_.windows(std::vector<int64_t>(from, from + std::min<int64_t>(kBlockRows, all.end() - from)),
                          format_.context);
  }

  TrainingSplit block(size_t b) const override {
    std::vector<int64_t> w = windows_of(b);
    const FeatureRows frames = set_.window_frames(w);  // w now names rows of `frames`
    const size_t width = 2 * static_cast<size_t>(format_.context) + 1;
    std::vector<int64_t> centres;
    for (size_t c = 0; c < w.size() / width; ++c) centres.push_back(w[c * width + format_.context]);
    return format_.window_split(frames, w, centres, set_.source());
  }

  // The checksum of in_memory_windows: every row's head input in store order, the windows (rows
  // numbered over the stores), the targets.
  void summarize() {
    if (!sha_.empty()) return;
    constexpr size_t kChunk = 4096;
    Sha256 h, m;  // m: the mirrored inputs, appended last as in InMemory::sha256
    for (size_t s = 0; s < set_.stores(); ++s) {
      const FeatureStoreReader& store = set_.store(s);
      for (size_t start = 0; start < store.rows(); start += kChunk) {
        const FeatureRows r = store.read(start, std::min(kChunk, store.rows() - start));
        hash_tensor(h, head_input(r, format_.with_logits, format_.in_dim, store.path(), format_.head_name));
        if (format_.mirror)
          hash_tensor(m, head_input(r.mirrored(), format_.with_logits, format_.in_dim, store.path(), format_.head_name));
      }
    }
    std::vector<torch::Tensor> ys;
    for (size_t b = 0; b < blocks(); ++b) {
      const std::vector<int64_t> w = windows_of(b);
      h.update(w.data(), w.size() * sizeof(int64_t));
      ys.push_back(block(b).y);
    }
    y_ = torch::cat(ys);
    hash_tensor(h, y_);
    if (format_.mirror) {
      const std::string digest = m.hex();
      h.update(digest.data(), digest.size());
    }
    sha_ = h.hex();
  }

  RowFormat format_;
  StoreSet set_;
  FrameIndex index_;
  torch::Tensor y_;
  std::string sha_;
};

}  // namespace

namespace {

// `mirrored` where flip [n] says so, `plain` elsewhere (rows along dimension 0).
torch::Tensor pick(const torch::Tensor& flip, const torch::Tensor& mirrored, const torch::Tensor& plain) {
  std::vector<int64_t> shape(static_cast<size_t>(plain.dim()), 1);
  shape[0] = flip.size(0);
  return torch::where(flip.view(shape), mirrored, plain);
}

}  // namespace

torch::Tensor TrainingSplit::forward(TaskHead& head) const {
  if (!flip.defined()) {
    if (!window.defined()) return head.forward(x, upstream);
    auto [xw, mask] = gather_windows(x, window);
    return head.forward_window(xw, mask, upstream);
  }
  UpstreamOutputs up = upstream;  // each row's from the image or from its mirror, as its x
  for (auto& [task, out] : up) out = pick(flip, upstream_mirror.at(task), out);
  if (!window.defined()) return head.forward(pick(flip, x_mirror, x), up);
  auto [xw, mask] = gather_windows(x, window);
  return head.forward_window(pick(flip, gather_windows(x_mirror, window).first, xw), mask, up);
}

TrainingSplit TrainingSplit::select(const torch::Tensor& idx) const {
  TrainingSplit s;
  s.y = y.index_select(0, idx);
  if (window.defined()) {  // the frames stay whole; the windows are selected
    s.x = x, s.x_mirror = x_mirror;
    s.window = window.index_select(0, idx);
  } else {
    s.x = x.index_select(0, idx);
    if (x_mirror.defined()) s.x_mirror = x_mirror.index_select(0, idx);
  }
  if (flip.defined()) s.flip = flip.index_select(0, idx);
  for (const auto& [task, out] : upstream) s.upstream[task] = out.index_select(0, idx);
  for (const auto& [task, out] : upstream_mirror) s.upstream_mirror[task] = out.index_select(0, idx);
  return s;
}

TrainingSplit TrainingSplit::rows(int64_t start, int64_t count) const {
  TrainingSplit s;
  s.y = y.narrow(0, start, count);
  if (window.defined()) {
    s.x = x, s.x_mirror = x_mirror;
    s.window = window.narrow(0, start, count);
  } else {
    s.x = x.narrow(0, start, count);
    if (x_mirror.defined()) s.x_mirror = x_mirror.narrow(0, start, count);
  }
  if (flip.defined()) s.flip = flip.narrow(0, start, count);
  for (const auto& [task, out] : upstream) s.upstream[task] = out.narrow(0, start, count);
  for (const auto& [task, out] : upstream_mirror) s.upstream_mirror[task] = out.narrow(0, start, count);
  return s;
}

TrainingSplit TrainingSplit::cat(const std::vector<TrainingSplit>& parts) {
  if (parts.size() == 1) return parts[0];
  std::vector<torch::Tensor> xs, xms, ys, ws;
  std::map<Task, std::vector<torch::Tensor>> ups, ups_mirror;
  for (const auto& p : parts) {
    xs.push_back(p.x);
    if (p.x_mirror.defined()) xms.push_back(p.x_mirror);
    ys.push_back(p.y);
    if (p.window.defined()) ws.push_back(p.window);
    for (const auto& [task, out] : p.upstream) ups[task].push_back(out);
    for (const auto& [task, out] : p.upstream_mirror) ups_mirror[task].push_back(out);
  }
  TrainingSplit s;  // `flip` is left out: each pool draws its own
  bool shared = true;  // windowed splits of one source in memory share its frames
  for (const auto& p : parts) shared = shared && p.x.is_same(parts.front().x);
  if (!ws.empty() && shared) {
    s.x = parts.front().x;
    s.x_mirror = parts.front().x_mirror;
    s.window = torch::cat(ws);
  } else if (!ws.empty()) {  // streamed blocks, each with its frames: their tables one after the other
    int64_t offset = 0;
    for (size_t i = 0; i < parts.size(); ++i) {
      ws[i] = torch::where(ws[i] >= 0, ws[i] + offset, ws[i]);
      offset += parts[i].x.size(0);
    }
    s.x = torch::cat(xs);
    if (!xms.empty()) s.x_mirror = torch::cat(xms);
    s.window = torch::cat(ws);
  } else {
    s.x = torch::cat(xs);
    if (!xms.empty()) s.x_mirror = torch::cat(xms);
  }
  s.y = torch::cat(ys);
  for (const auto& [task, outs] : ups) s.upstream[task] = torch::cat(outs);
  for (const auto& [task, outs] : ups_mirror) s.upstream_mirror[task] = torch::cat(outs);
  return s;
}

TrainingSplit RowFormat::split(const FeatureRows& rows, const std::string& source) const {
  TrainingSplit s;
  s.x = head_input(rows, with_logits, in_dim, source, head_name).to(device);
  s.y = head->targets(rows).to(device);
  const FeatureRows mirrored = mirror ? rows.mirrored() : FeatureRows{};
  if (mirror) s.x_mirror = head_input(mirrored, with_logits, in_dim, source, head_name).to(device);
  torch::NoGradGuard ng;
  // A block at a time: the AU head at the authors' size holds 12 x C values per row in each of
  // several intermediates, about 9 GB for 20k rows in one go; and a streamed block then runs the
  // same forward on the same rows as in memory (same bits).
  auto run = [&](const LoadedHead& up, const FeatureRows& r) {
    auto x = head_input(r, up.meta.with_logits, up.meta.in_dim, source, up.path).to(device);
    std::vector<torch::Tensor> parts;
    for (int64_t at = 0; at < x.size(0); at += kBlockRows)
      parts.push_back(up.head->prediction(up.head->forward(x.slice(0, at, std::min(at + kBlockRows, x.size(0))), {})));
    return parts.empty() ? up.head->prediction(up.head->forward(x, {})) : torch::cat(parts);
  };
  for (const auto& up : *upstream) {
    s.upstream[up.meta.task] = run(up, rows);
    if (mirror) s.upstream_mirror[up.meta.task] = run(up, mirrored);
  }
  return s;
}

TrainingSplit RowFormat::window_split(const FeatureRows& all, const std::vector<int64_t>& windows,
                                      const std::vector<int64_t>& centres, const std::string& source) const {
  const int64_t n = static_cast<int64_t>(centres.size()), width = 2 * context + 1;
  TrainingSplit s;
  s.x = head_input(all, with_logits, in_dim, source, head_name).to(device);
  s.window = torch::from_blob(const_cast<int64_t*>(windows.data()), {n, width}, torch::kInt64).clone().to(device);
  FeatureRows labelled;
  for (int64_t c : centres) {
    labelled.image.push_back(all.image[static_cast<size_t>(c)]);
    labelled.labels.push_back(all.labels[static_cast<size_t>(c)]);
  }
  s.y = head->targets(labelled).to(device);
  const FeatureRows mirrored = mirror ? all.mirrored() : FeatureRows{};
  if (mirror) s.x_mirror = head_input(mirrored, with_logits, in_dim, source, head_name).to(device);
  torch::NoGradGuard ng;
  auto run = [&](const LoadedHead& up, const FeatureRows& r) {  // a block at a time, as in split()
    auto frames = head_input(r, up.meta.with_logits, up.meta.in_dim, source, up.path).to(device);
    std::vector<torch::Tensor> parts;
    for (int64_t at = 0; at < n; at += kBlockRows) {
      auto [xw, mask] = gather_windows(frames, s.window.slice(0, at, std::min(at + kBlockRows, n)));
      parts.push_back(up.head->prediction(up.head->forward_window(xw, mask, {})));
    }
    return torch::cat(parts);
  };
  for (const auto& up : *upstream) {
    s.upstream[up.meta.task] = run(up, all);
    if (mirror) s.upstream_mirror[up.meta.task] = run(up, mirrored);
  }
  return s;
}

std::unique_ptr<TrainingData> in_memory_windows(const std::vector<std::string>& paths, Task task,
                                                const RowFormat& format) {
  FeatureRows all;
  for (size_t s = 0; s < paths.size(); ++s) {
    FeatureStoreReader store(paths[s]);
    if (format.mirror) store.read_mirror("--augment flip");
    FeatureRows r = store.read_all();
    if (s == 0) all = std::move(r);
    else all.append(r);  // the stores' sizes were checked when their labels were read
  }
  std::string source = paths.front();
  if (paths.size() > 1) source += " (and " + std::to_string(paths.size() - 1) + " more)";
  const FrameIndex index(all.image, source);
  check_context(index, format.context, source);
  std::vector<int64_t> centres;
  for (size_t i = 0; i < all.size(); ++i)
    if (has_label(task, all.labels[i])) centres.push_back(static_cast<int64_t>(i));
  return std::make_unique<InMemory>(format.window_split(all, index.windows(centres, format.context), centres, source));
}

std::unique_ptr<TrainingData> streamed_windows(const std::vector<std::string>& paths, Task task,
                                               const RowFormat& format) {
  return std::make_unique<StreamedWindows>(paths, task, format);
}

std::unique_ptr<TrainingData> in_memory(const TaskRows& rows, const RowFormat& format) {
  return std::make_unique<InMemory>(format.split(rows.rows, rows.source));
}

std::unique_ptr<TrainingData> streamed(const std::vector<std::string>& paths, RowFilter task, const RowFormat& format) {
  return std::make_unique<Streamed>(paths, task, format);
}

std::string row_order_scheme() {
  return "blocks of " + std::to_string(kBlockRows) + " labelled rows, pools of " + std::to_string(kPoolBlocks) +
         " blocks, one seed per epoch";
}

}  // namespace mtl
