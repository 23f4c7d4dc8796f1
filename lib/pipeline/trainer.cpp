// The epoch loop.
#include "mtl/pipeline/trainer.h"

#include <chrono>
#include <cmath>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <nlohmann/json.hpp>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>


#include "mtl/core/checksum.h"
#include "mtl/core/error.h"
#include "mtl/core/log.h"
#include "mtl/model/checkpoint.h"
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

// The CPU random generator's state (it draws the batch order and the dropout masks).
torch::Tensor cpu_rng_state() {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return gen.get_state();
}

void set_cpu_rng_state(const torch::Tensor& state) {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state);
}

// The CUDA generator of the device the head trains on, when it trains on one (dropout masks drawn
// on the GPU come from it): its state goes into the resume file beside the CPU generator's.
std::optional<at::Generator> cuda_generator(torch::nn::Module& m) {
  auto params = m.parameters();
  if (params.empty() || !params.front().is_cuda()) return std::nullopt;
  return at::globalContext().defaultGenerator(params.front().device());
}

// Training that produced a NaN or an infinity: stopped at once, with nothing written. `cause`
// says what the numbers point to.
[[noreturn]] void diverged(int epoch, const std::string& what, double value, const std::string& cause) {
  std::ostringstream v;
  v << value;
  throw NotFinite("epoch " + std::to_string(epoch) + ": " + what + " is " + v.str() + ": " + cause +
                  " (no checkpoint written by this run)");
}

const char* const kTooLarge = "training diverged; try a lower --lr";

// What differs between the identity a state file records and this run's (see keep_state): the
// first members of their JSON lines that differ, or the rest (the row order's scheme).
std::string identity_difference(const std::string& stored, const std::string& ours) {
  auto split = [](const std::string& s) {
    const size_t nl = s.find('\n');
    return std::pair{s.substr(0, nl), nl == std::string::npos ? std::string() : s.substr(nl + 1)};
  };
  const auto [a_json, a_rest] = split(stored);
  const auto [b_json, b_rest] = split(ours);
  const auto a = nlohmann::json::parse(a_json, nullptr, false), b = nlohmann::json::parse(b_json, nullptr, false);
  std::string diff;
  if (a.is_object() && b.is_object()) {
    int n = 0;
    for (const auto& [key, value] : b.items()) {
      if (a.contains(key) && a[key] == value) continue;
      if (n++ == 3) {
        diff += ", ...";
        break;
      }
      const std::string was = a.contains(key) ? a[key].dump() : "none", now = value.dump();
      diff += (diff.empty() ? "" : ", ") + key +
              (was.size() + now.size() < 60 ? ": " + was + " there, " + now + " here" : " differs");
    }
    for (const auto& [key, value] : a.items())
      if (!b.contains(key) && n++ < 3) diff += (diff.empty() ? "" : ", ") + key + " is not in this run's settings";
  } else if (a_json != b_json) {
    diff = "the settings differ";
  }
  if (diff.empty() && a_rest != b_rest) diff = "the order of the training rows differs: " + a_rest + " there, " + b_rest + " here (another toolkit version)";
  return diff.empty() ? "the settings differ" : diff;
}

// A checksum of the state's tensors (the head's and the best epoch's), so that a damaged state file
// is refused rather than trained on.
std::string state_sha256(torch::nn::Module& m, const std::vector<torch::Tensor>& best) {
  Sha256 h;
  const std::string weights = weights_sha256(m);
  h.update(weights.data(), weights.size());
  for (const auto& t : best) {
    const auto c = t.detach().to(torch::kCPU).contiguous();
    h.update(c.data_ptr(), c.numel() * c.element_size());
  }
  return h.hex();
}

}  // namespace

Trainer::Trainer(TaskHead& head, const TrainRecipe& recipe, std::ostream& log)
    : head_(head), recipe_(recipe), log_(&log), sam_(head.module().parameters(), recipe.sam) {}

double Trainer::train_epoch(TrainingData& train, int epoch, logging::EpochProgress& progress, size_t& batches) {
  head_.module().train();
  torch::Tensor loss_sum;  // summed on the device, read once per epoch: no host wait per step
  int64_t seen = 0;
  batches = 0;
  train.for_each_batch(recipe_.batch, [&](const TrainingSplit& b) {
    if ((stopped_ = stop_signal())) return false;
    auto loss = sam_.step([&] { return head_.loss(b.forward(head_), b.y); }).to(torch::kFloat64) * b.size();
    loss_sum = loss_sum.defined() ? loss_sum + loss : loss;
    seen += b.size();
    ++batches;
    // The running loss is read only when a terminal line is drawn (at most 10 times a second).
    if (progress.due()) progress.batch(epoch, batches, loss_sum.item<double>() / seen);
    return true;
  });
  return seen ? loss_sum.item<double>() / seen : 0.0;
}

namespace {

// "train loss 0.3127, val loss 0.2911, val score 0.4210 (best epoch 3), 1.2 s" from an epoch's log line.
std::string epoch_summary(const nlohmann::json& line) {
  char b[160];
  std::string s;
  std::snprintf(b, sizeof b, "train loss %.4f", line["train_loss"].get<double>());
  s += b;
  if (line.contains("val_loss")) {
    std::snprintf(b, sizeof b, ", val loss %.4f, val score %.4f", line["val_loss"].get<double>(),
                  line["val_score"].get<double>());
    s += b;
  }
  std::snprintf(b, sizeof b, " (best epoch %d), %.1f s", line["best_epoch"].get<int>(), line["wall_s"].get<double>());
  return s + b;
}

}  // namespace

void Trainer::keep_if_best(int epoch, std::optional<double> score) {
  // Without validation every epoch is better than the last: the last one is kept.
  if (score && best_score_ && *score <= *best_score_) return;
  best_score_ = score;
  best_epoch_ = epoch;
  best_ = snapshot(head_.module());
}

void Trainer::keep_state(std::string path, std::string identity) {
  state_path_ = std::move(path);
  state_identity_ = std::move(identity);
}

void Trainer::save_state(int epoch) const {
  torch::serialize::OutputArchive a, module, sgd, best;
  head_.module().save(module);
  sam_.save(sgd);
  for (size_t i = 0; i < best_.size(); ++i) best.write(std::to_string(i), best_[i]);
  a.write("identity", c10::IValue(state_identity_));
  a.write("epoch", c10::IValue(static_cast<int64_t>(epoch)));
  a.write("best_epoch", c10::IValue(static_cast<int64_t>(best_epoch_)));
  a.write("best_score", best_score_ ? c10::IValue(*best_score_) : c10::IValue());
  a.write("module", module);
  a.write("sgd", sgd);
  a.write("best", best);
  a.write("rng", cpu_rng_state());
  if (auto gen = cuda_generator(head_.module())) {
    std::lock_guard<std::mutex> lock(gen->mutex());
    a.write("cuda_rng", gen->get_state());
  }
  a.write("sha256", c10::IValue(state_sha256(head_.module(), best_)));
  write_archive(a, state_path_);
}

int Trainer::restore_state(const std::string& path, const std::string& identity, std::string& why) {
  torch::serialize::InputArchive a, module, sgd, best;
  c10::IValue v;
  try {
    a.load_from(path);
    if (!a.try_read("identity", v) || !v.isString()) {
      why = "it records no run settings";
      return 0;
    }
    if (v.toStringRef() != identity) {
      why = "it was written by a run with other data or settings: " + identity_difference(v.toStringRef(), identity);
      return 0;
    }
  } catch (const c10::Error& e) {
    std::string msg = e.what_without_backtrace();
    why = "unreadable: " + msg.substr(0, msg.find('\n'));
    return 0;
  }
  // Epochs outside the run's range (an edited or foreign file) are refused before anything is
  // loaded, so that the run starts afresh from untouched weights.
  try {
    c10::IValue e, b;
    if (!a.try_read("epoch", e) || !e.isInt() || !a.try_read("best_epoch", b) || !b.isInt()) {
      why = "it holds no epoch numbers";
      return 0;
    }
    const int64_t epoch = e.toInt(), best = b.toInt();
    if (epoch < 1 || epoch > recipe_.epochs) {
      why = "its epoch " + std::to_string(epoch) + " is not within 1-" + std::to_string(recipe_.epochs);
      return 0;
    }
    if (best < 0 || best > epoch) {
      why = "its best epoch " + std::to_string(best) + " is not within 0-" + std::to_string(epoch);
      return 0;
    }
  } catch (const c10::Error& e) {
    std::string msg = e.what_without_backtrace();
    why = "unreadable: " + msg.substr(0, msg.find('\n'));
    return 0;
  }
  try {
    // From here on the state is ours: a failure leaves the head half restored, so it is an error.
    a.read("module", module);
    a.read("sgd", sgd);
    a.read("best", best);
    head_.module().load(module);
    sam_.load(sgd);
    best_ = snapshot(head_.module());  // the right shapes, then the stored values
    for (size_t i = 0; i < best_.size(); ++i) best.read(std::to_string(i), best_[i]);
    a.read("epoch", v);
    done_epochs_ = static_cast<int>(v.toInt());
    a.read("best_epoch", v);
    best_epoch_ = static_cast<int>(v.toInt());
    a.read("best_score", v);
    best_score_ = v.isNone() ? std::nullopt : std::optional<double>(v.toDouble());
    torch::Tensor rng;
    a.read("rng", rng);
    set_cpu_rng_state(rng);
    // A state written on a GPU restores the CUDA generator when the run goes on on a GPU. (The
    // device is not part of the resume identity: a run may go on elsewhere, only not bit for bit.)
    if (auto gen = cuda_generator(head_.module())) {
      torch::Tensor cuda_rng;
      if (a.try_read("cuda_rng", cuda_rng)) {
        std::lock_guard<std::mutex> lock(gen->mutex());
        gen->set_state(cuda_rng);
      }
    }
    if (a.try_read("sha256", v) && v.isString() && v.toStringRef() != state_sha256(head_.module(), best_))
      throw InputError(path + ": damaged training state (its tensors fail their checksum); remove it, or rerun "
                       "with --no-resume");
    return done_epochs_;
  } catch (const c10::Error& e) {
    std::string msg = e.what_without_backtrace();
    throw InputError(path + ": damaged training state (" + msg.substr(0, msg.find('\n')) +
                     "); remove it, or rerun with --no-resume");
  }
}

void Trainer::fit(TrainingData& train, TrainingData* val) {
  const auto rows = static_cast<size_t>(train.size()), batch = static_cast<size_t>(recipe_.batch);
  // An epoch line on stderr unless the JSON log lines go there (they say the same).
  logging::EpochProgress progress(recipe_.epochs, (rows + batch - 1) / batch, log_ != &std::cerr);
  for (int epoch = done_epochs_ + 1; epoch <= recipe_.epochs; ++epoch) {
    auto t0 = std::chrono::steady_clock::now();
    size_t batches = 0;
    const double train_loss = train_epoch(train, epoch, progress, batches);
    if (stopped_) break;
    if (!std::isfinite(train_loss)) diverged(epoch, "the training loss", train_loss, kTooLarge);
    if (!weights_finite(head_.module())) diverged(epoch, "a weight of the head", std::nan(""), kTooLarge);
    nlohmann::json line = {{"task", task_label_.empty() ? std::string(task_name(head_.task())) : task_label_},
                           {"epoch", epoch},
                           {"train_loss", train_loss}};
    std::optional<double> score;
    if (val) {
      auto [out, y] = val->evaluate(head_);
      torch::NoGradGuard ng;
      line["val_loss"] = head_.loss(out, y).item<double>();
      // The training loss and the weights are finite here: the outputs on the validation rows are not.
      const std::string val_cause = "the head's outputs on the --val rows are not finite, while the training loss (" +
                                    std::to_string(train_loss) + ") is finite; " + kTooLarge +
                                    ", or check that the --val features are on the scale of the training ones";
      if (!std::isfinite(line["val_loss"].get<double>())) diverged(epoch, "the validation loss", line["val_loss"], val_cause);
      score = head_.score(out.cpu(), y.cpu());
      if (!std::isfinite(*score)) diverged(epoch, "the validation score", *score, val_cause);
      line["val_score"] = *score;
    }
    keep_if_best(epoch, score);
    line["best_epoch"] = best_epoch_;
    line["wall_s"] = seconds_since(t0);
    progress.end_epoch(epoch, batches, epoch_summary(line));
    *log_ << line.dump() << std::endl;
    if (!state_path_.empty()) save_state(epoch);
  }
  if (!best_.empty()) restore(head_.module(), best_);
}

}  // namespace mtl
