// The epoch loop.
#include "mtl/pipeline/trainer.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "mtl/core/signals.h"

namespace mtl {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::vector<torch::Tensor> snapshot(torch::nn::Module& m) {
  std::vector<torch::Tensor> s;
  for (auto& p : m.parameters()) s.push_back(p.detach().clone());
  for (auto& b : m.buffers()) s.push_back(b.detach().clone());
  return s;
}

void restore(torch::nn::Module& m, const std::vector<torch::Tensor>& s) {
  torch::NoGradGuard ng;
  size_t i = 0;
  for (auto& p : m.parameters()) p.copy_(s[i++]);
  for (auto& b : m.buffers()) b.copy_(s[i++]);
}

}  // namespace

TrainingSplit TrainingSplit::select(const torch::Tensor& idx) const {
  TrainingSplit s{x.index_select(0, idx), y.index_select(0, idx), {}};
  for (const auto& [task, out] : upstream) s.upstream[task] = out.index_select(0, idx);
  return s;
}

Trainer::Trainer(TaskHead& head, const TrainRecipe& recipe, std::ostream& log)
    : head_(head), recipe_(recipe), log_(log), sam_(head.module().parameters(), recipe.sam) {}

double Trainer::train_epoch(const TrainingSplit& train) {
  head_.module().train();
  const int64_t n = train.size();
  auto perm = torch::randperm(n, torch::TensorOptions().dtype(torch::kInt64)).to(train.x.device());
  double loss_sum = 0;
  int64_t seen = 0;
  for (int64_t start = 0; start < n; start += recipe_.batch) {
    if ((stopped_ = stop_signal())) break;
    const int64_t b = std::min<int64_t>(recipe_.batch, n - start);
    if (b < 2) continue;  // batch norm needs two rows; a last batch of one is left out
    TrainingSplit batch = train.select(perm.narrow(0, start, b));
    loss_sum += sam_.step([&] { return head_.loss(head_.forward(batch.x, batch.upstream), batch.y); }) * b;
    seen += b;
  }
  return seen ? loss_sum / seen : 0.0;
}

void Trainer::keep_if_best(int epoch, std::optional<double> score) {
  // Without validation every epoch is better than the last: the last one is kept.
  if (score && best_score_ && *score <= *best_score_) return;
  best_score_ = score;
  best_epoch_ = epoch;
  best_ = snapshot(head_.module());
}

void Trainer::fit(const TrainingSplit& train, const TrainingSplit* val) {
  for (int epoch = 1; epoch <= recipe_.epochs; ++epoch) {
    auto t0 = std::chrono::steady_clock::now();
    const double train_loss = train_epoch(train);
    if (stopped_) break;
    nlohmann::json line = {{"task", task_name(head_.task())}, {"epoch", epoch}, {"train_loss", train_loss}};
    std::optional<double> score;
    if (val) {
      head_.module().eval();
      torch::NoGradGuard ng;
      auto out = head_.forward(val->x, val->upstream);
      line["val_loss"] = head_.loss(out, val->y).item<double>();
      score = head_.score(out.cpu(), val->y.cpu());
      line["val_score"] = *score;
    }
    keep_if_best(epoch, score);
    line["best_epoch"] = best_epoch_;
    line["wall_s"] = seconds_since(t0);
    log_ << line.dump() << std::endl;
  }
  if (!best_.empty()) restore(head_.module(), best_);
}

}  // namespace mtl
