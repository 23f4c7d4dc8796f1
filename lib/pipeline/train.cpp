// run_train: options checked, rows read, head built, Trainer run, checkpoint written.
#include "mtl/pipeline/train.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <iostream>
#include <algorithm>
#include <optional>
#include <stdexcept>

#include "mtl/core/atomic_file.h"
#include "mtl/core/checksum.h"
#include "mtl/core/error.h"
#include "mtl/core/log.h"
#include "mtl/core/memory.h"
#include "mtl/core/version.h"
#include "mtl/model/checkpoint.h"
#include "mtl/model/runtime.h"
#include "mtl/pipeline/trainer.h"
#include "mtl/pipeline/task_rows.h"
#include "train_run.h"

namespace mtl {
namespace {

// The metadata known before training: what the head reads, the recipe, the data's identity.
CheckpointMeta describe(const TrainOptions& o, const TaskRows& train, const TaskRows* val, int threads) {
  CheckpointMeta m;
  m.task = o.task;
  m.with_logits = o.recipe.input == HeadInputKind::FeaturesLogits ||
                  (o.recipe.input == HeadInputKind::Auto && train.rows.logits_dim > 0);
  if (m.with_logits && train.rows.logits_dim == 0)
    throw InputError(train.source + ": --input features+logits, but the store holds no logits");
  m.feature_dim = train.rows.dim;
  m.logits_dim = m.with_logits ? train.rows.logits_dim : 0;
  m.in_dim = m.feature_dim + m.logits_dim;
  m.recipe = o.recipe;
  m.seed = o.seed;
  m.threads = threads;
  m.train_data = train.stores;
  if (val) m.val_data = val->stores;
  m.toolkit_version = toolkit_version();
  return m;
}

// The frozen heads this head reads, on `device`, recorded in the metadata. Loading builds each
// head before reading its weights, which draws on the random generator: it happens before the new
// head is built, so that the new head's initial weights are those of earlier releases.
std::vector<LoadedHead> load_upstream(const TrainOptions& o, CheckpointMeta& m, const torch::Device& device) {
  std::vector<LoadedHead> v;
  for (Task t : upstream_tasks(o.task, o.head)) {
    const std::string& path = o.upstream.at(t);
    v.push_back(load_checkpoint(path, t));
    v.back().head->module().to(device);
    // The file as trained: a checkpoint that mtl-tune --store rewrote keeps that identity.
    const std::string& trained = v.back().meta.trained_sha256;
    m.upstream[t] = {path, trained.empty() ? sha256_file(path) : trained};
  }
  return v;
}

TaskRows load_rows(const std::vector<std::string>& paths, Task task, size_t at_least, bool with_features,
                   bool mirror = false) {
  TaskRows r = load_task_rows(paths, task, with_features, mirror ? "--augment flip" : "");
  const size_t n = r.rows.size();
  if (n < at_least)
    throw InputError(r.source + ": " + std::to_string(n) + (n == 1 ? " row" : " rows") + " with " +
                     (task_score_name(task) + 2) + " labels; " +  // "AU": P_AU without its "P_"
                     (at_least > 1 ? "training needs at least 2" : "nothing to validate on"));
  return r;
}

std::string state_path(const TrainOptions& o) { return o.output + ".resume"; }

// A head whose size an option allows but memory cannot hold (--node-dim 100000000) is refused
// before LibTorch allocates it (which would end in its raw allocator message, or in the OOM
// killer): refused when it needs more than the machine (or the cgroup's limit) has in all, only
// warned about when it needs more than is available now (page cache counts as used there, and
// frees itself). Memory that cannot be read checks nothing. On CUDA the head lives in the GPU's
// memory, which this does not see: not checked.
void check_head_fits(const TrainOptions& o, int in_dim, bool on_cuda) {
  if (on_cuda) return;
  const double need = head_training_bytes(o.task, in_dim, o.head, o.recipe.batch);
  const size_t total = total_memory(), have = available_memory();
  const bool too_big = total > 0 && need > static_cast<double>(total);
  const bool tight = have > 0 && need > static_cast<double>(have);
  if (!too_big && !tight) return;
  std::string sizes;
  if (o.task == Task::AU) sizes = "--node-dim " + std::to_string(o.head.au.resolved(in_dim).node_dim) + ", ";
  if (o.task == Task::EX && o.head.ex.attention == Attention::Additive)
    sizes = "--attention-hidden " + std::to_string(o.head.ex.attention_hidden) + ", ";
  const std::string need_text = need >= 1.8e19 ? "more than 16E" : "about " + format_size(static_cast<size_t>(need));
  const std::string what = "the " + std::string(task_name(o.task)) + " head (" + sizes + std::to_string(in_dim) +
                           " input values, --batch " + std::to_string(o.recipe.batch) + ") needs " + need_text +
                           " of memory to train";
  if (too_big) throw UsageError(what + ", more than the " + format_size(total) + " this machine has");
  logging::warn(what + ", more than the " + format_size(have) + " available now");
}

// Bytes per row held in memory: the rows as read, the input tensor and its concatenation (twice
// with --augment flip: the mirrored rows too).
size_t bytes_per_row(const CheckpointMeta& m) {
  return size_t(3) * 4 * static_cast<size_t>(m.in_dim) * (m.recipe.augment_flip ? 2 : 1);
}

// The training and validation rows: in memory when they fit the budget, else streamed from the
// stores a pool of blocks at a time. Either way the batches come in the same order (see
// kBlockRows in training_data.h): the budget decides memory, never the model.
std::pair<std::unique_ptr<TrainingData>, std::unique_ptr<TrainingData>> make_data(
    const TrainOptions& o, const TaskRows& train, const TaskRows* val, const RowFormat& format,
    const CheckpointMeta& m) {
  const size_t budget = o.memory_budget ? o.memory_budget : available_memory() / 2;
  RowFormat val_format = format;  // validation reads the images as they are
  val_format.mirror = false;
  if (format.context > 0) {
    // Windows read every frame of their stores, labelled or not, and keep them in memory.
    size_t frames = 0;
    for (const auto& s : train.stores) frames += s.rows;
    if (val)
      for (const auto& s : val->stores) frames += s.rows;
    const size_t rows = train.rows.size() + (val ? val->rows.size() : 0);
    const size_t need = frames * bytes_per_row(m) + rows * (2 * static_cast<size_t>(format.context) + 1) * 8;
    if (need <= budget) {
      logging::debug("training frames in memory (" + format_size(need) + "), windows of " +
                     std::to_string(2 * format.context + 1) + " frames");
      auto t = in_memory_windows(o.train, o.task, format);
      return {std::move(t), val ? in_memory_windows(o.val, o.task, val_format) : nullptr};
    }
    logging::info("streaming the windows from the stores: every frame needs " + format_size(need) + ", more than " +
                  "the memory budget of " + format_size(budget) + "; reading " + std::to_string(kBlockRows * kPoolBlocks) +
                  " rows and their windows' frames at a time, in the same order as in memory");
    auto t = streamed_windows(o.train, o.task, format);
    return {std::move(t), val ? streamed_windows(o.val, o.task, val_format) : nullptr};
  }
  const size_t rows = train.rows.size() + (val ? val->rows.size() : 0);
  const size_t need = rows * bytes_per_row(m);
  if (need <= budget) {
    logging::debug("training rows in memory (" + format_size(need) + ")");
    auto t = in_memory(load_rows(o.train, o.task, 2, true, format.mirror), format);
    return {std::move(t), val ? in_memory(load_rows(o.val, o.task, 1, true), val_format) : nullptr};
  }
  logging::info("streaming the rows from the stores: they need " + format_size(need) + ", more than the memory "
                "budget of " + format_size(budget) + "; reading " + std::to_string(kBlockRows * kPoolBlocks) +
                " rows at a time, in the same order as in memory");
  auto t = streamed(o.train, o.task, format);
  return {std::move(t), val ? streamed(o.val, o.task, val_format) : nullptr};
}

// The checkpoint and the log must not overwrite an input or a non-file, and their folders exist.
void check_outputs(const TrainOptions& o) {
  std::vector<std::string> inputs = o.train;
  inputs.insert(inputs.end(), o.val.begin(), o.val.end());
  for (const auto& [task, path] : o.upstream) inputs.push_back(path);
  check_output_path("-o", o.output, inputs);
  check_output_path("-o", state_path(o), inputs);  // a FIFO there would hang the resume's read
  if (!o.log.empty()) {
    inputs.push_back(o.output);
    check_output_path("--log", o.log, inputs);
  }
}

// Ends a run stopped by a signal. The state file holds the last finished epoch; the checkpoint is
// written only where none exists, so that a stopped run never replaces a finished one with weights
// that are worse or untrained. Throws Interrupted.
[[noreturn]] void stop(const TrainOptions& o, const Trainer& trainer, TaskHead& head, CheckpointMeta meta) {
  const bool have_state = std::ifstream(state_path(o)).good();
  std::string what = have_state ? "rerun the same command to go on from " + state_path(o)
                                 : "no epoch had finished, nothing to go on from";
  if (trainer.best_epoch() > 0 && !std::ifstream(o.output)) {
    meta.best_epoch = trainer.best_epoch();
    meta.val_score = trainer.best_score();
    head.module().to(torch::kCPU);
    save_checkpoint(o.output, head, meta);
    what += "; wrote the best epoch so far (" + std::to_string(meta.best_epoch) + ") to " + o.output;
  } else if (std::ifstream(o.output)) {
    what += "; " + o.output + " was left as it was";
  }
  logging::warn("stopped: " + what);
  throw Interrupted(trainer.stopped_by());
}

}  // namespace

std::ostream& null_stream() {
  static std::ostream null(nullptr);
  return null;
}

std::ofstream open_log(const AtomicFile& log, int resumed_epoch) {
  std::vector<std::string> keep;
  if (resumed_epoch > 0) {
    std::ifstream in(log.temp_path());
    if (!in) in.open(log.path());
    for (std::string line; std::getline(in, line);) {
      auto e = nlohmann::json::parse(line, nullptr, false);
      if (!e.is_discarded() && e.is_object() && e.value("epoch", 0) >= 1 && e.value("epoch", 0) <= resumed_epoch)
        keep.push_back(line);
    }
  }
  std::ofstream f(log.temp_path(), std::ios::trunc);
  if (!f) throw OutputError(log.temp_path() + ": cannot create log: " + std::strerror(errno));
  for (const auto& line : keep) f << line << "\n";
  return f;
}

int resume_from_state(Trainer& trainer, const std::string& path, const std::string& identity, bool resume,
                      int epochs) {
  trainer.keep_state(path, identity);
  if (!resume || !std::ifstream(path)) return 0;
  std::string why;
  const int epoch = trainer.restore_state(path, identity, why);
  if (epoch > 0)
    logging::info("resuming " + path + " after epoch " + std::to_string(epoch) + " of " + std::to_string(epochs));
  else
    logging::warn("not resuming " + path + " (" + why + "); starting afresh");
  return epoch;
}

void TrainOptions::check() const {
  if (train.empty()) throw UsageError("at least one --train feature store is required");
  if (output.empty()) throw UsageError("an output checkpoint is required (-o FILE.pt)");
  recipe.check();  // SettingError: the program spells the setting as its option
  head.check(task);
  for (Task up : upstream_tasks(task, head))
    if (!upstream.count(up) || upstream.at(up).empty())
      throw UsageError(std::string("--") + task_name(up) + " is required: the " + task_name(task) + " head reads the " +
                       "trained " + task_name(up) + " head's output (train it with mtl-train-" + task_name(up) + ")");
}

void run_train(const TrainOptions& o) {
  o.check();
  check_outputs(o);
  // One run at a time per checkpoint (and its .resume) and per log: a second one stops here.
  const OutputLock output_lock(o.output, "-o");
  std::optional<OutputLock> log_lock;
  if (!o.log.empty()) log_lock.emplace(o.log, "--log");
  const int threads = set_threads(o.threads);
  const std::string device_name = resolve_device(o.device);
  const torch::Device device(device_name == "cuda" ? torch::kCUDA : torch::kCPU);
  torch::manual_seed(o.seed);

  // Labels, sizes and identity; with --augment flip, a store without mirrored features stops here.
  const TaskRows train = load_rows(o.train, o.task, 2, false, o.recipe.augment_flip);
  const std::optional<TaskRows> val = o.val.empty() ? std::nullopt : std::optional(load_rows(o.val, o.task, 1, false));
  if (val) check_same_features(val->info, o.val.front(), train.info, o.train.front());  // before any training
  CheckpointMeta meta = describe(o, train, val ? &*val : nullptr, threads);
  check_head_fits(o, meta.in_dim, device.is_cuda());
  const auto upstream = load_upstream(o, meta, device);
  auto head = make_head(o.task, meta.in_dim, o.head);
  meta.head_kind = head_kind_name(o.task, o.head);
  meta.head = head->options();
  head->module().to(device);
  RowFormat format{meta.with_logits, meta.in_dim, "the " + std::string(task_name(o.task)) + " head",
                   head.get(), &upstream, device};
  format.context = head->context();
  format.mirror = o.recipe.augment_flip;
  for (const auto& up : upstream) format.context = std::max(format.context, up.head->context());
  auto [train_data, val_data] = make_data(o, train, val ? &*val : nullptr, format, meta);
  meta.data_sha256 = train_data->sha256();
  meta.loss_weights = head->fit_loss_weights(train_data->targets());

  Trainer trainer(*head, o.recipe, null_stream());
  const int resumed = resume_from_state(trainer, state_path(o), meta.to_json() + "\nrow order: " + row_order_scheme(),
                                        o.resume, o.recipe.epochs);
  // The log goes to LOG.part and replaces LOG only with the checkpoint: a rerun that stops or
  // diverges leaves the finished run's log as it was.
  std::optional<AtomicFile> log_out;
  std::ofstream log_file;
  if (!o.log.empty()) {
    log_file = open_log(log_out.emplace(resolve_links(o.log)), resumed);  // a link stays a link
    log_out->keep();  // LOG.part outlives a stop or an error: the rerun resumes with its lines
  }
  std::ostream& log = !o.log.empty() ? static_cast<std::ostream&>(log_file)
                                     : logging::verbosity() >= 1 ? std::cerr : null_stream();
  trainer.set_log(log);
  logging::info("training the " + std::string(task_name(o.task)) + " head on " + std::to_string(train_data->size()) +
                " rows of " + std::to_string(meta.in_dim) + " values (" + device_name + ", " +
                std::to_string(threads) + " threads)");
  try {
    trainer.fit(*train_data, val_data.get());
  } catch (const NotFinite&) {
    std::remove(state_path(o).c_str());  // a rerun would diverge again from it
    if (log_out) std::remove(log_out->temp_path().c_str());
    throw;
  }
  if (log_file.is_open() && !log_file.flush()) throw OutputError(log_out->temp_path() + ": cannot write log");

  if (trainer.stopped_by()) stop(o, trainer, *head, meta);
  meta.best_epoch = trainer.best_epoch();
  meta.val_score = trainer.best_score();
  head->module().to(torch::kCPU);
  save_checkpoint(o.output, *head, meta);
  if (log_out) {
    log_file.close();
    if (!log_file) throw OutputError(log_out->temp_path() + ": cannot write log");
    log_out->commit();
  }
  std::remove(state_path(o).c_str());
  logging::info("wrote " + o.output + " (epoch " + std::to_string(meta.best_epoch) +
                (meta.val_score ? ", validation " + std::string(task_score_name(o.task)) + " " +
                                      std::to_string(*meta.val_score)
                                : std::string()) + ")");
}

}  // namespace mtl
