// Joint fine-tuning of the three heads (joint.h): the three loaded heads as one TaskHead, trained by
// the Trainer of the single heads on the rows with any label.
#include "mtl/pipeline/joint.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "mtl/core/atomic_file.h"
#include "mtl/core/checksum.h"
#include "mtl/core/error.h"
#include "mtl/core/log.h"
#include "mtl/core/memory.h"
#include "mtl/core/setting_error.h"
#include "mtl/core/version.h"
#include "mtl/model/checkpoint.h"
#include "mtl/model/head_set.h"
#include "mtl/model/runtime.h"
#include "mtl/pipeline/task_rows.h"
#include "mtl/pipeline/trainer.h"
#include "mtl/pipeline/training_data.h"
#include "train_run.h"

namespace mtl {
namespace {

// The columns of a joint target row: the 12 AU labels (-1 missing), the expression (-1 missing),
// valence and arousal (-5 missing).
constexpr int64_t kExColumn = kNumAU, kVaColumn = kNumAU + 1, kTargetColumns = kNumAU + 3;

// Not a kind a checkpoint holds: the three heads are saved as their own kinds. Its task (AU) only
// satisfies TaskHead::task(); nothing reads it (the trainer's log lines say "joint").
const HeadKind kJointKind{"joint", Task::AU, "the AU, EX and VA heads trained together", nullptr, nullptr};

// Rows of `t` where `mask` [n] (bool) holds.
torch::Tensor rows_where(const torch::Tensor& t, const torch::Tensor& mask) {
  return t.index_select(0, mask.nonzero().squeeze(1));
}

class JointHead : public TaskHead {
 public:
  // The heads' modules become the children "au", "ex" and "va" of one module, whose parameters the
  // optimiser updates together. Each head reads the first in_dim values of a row: its features,
  // and the logits after them when it was trained with them.
  JointHead(LoadedHead& au, LoadedHead& ex, LoadedHead& va) : au_(au), ex_(ex), va_(va) {
    module_.register_module("au", au.head->module().shared_from_this());
    module_.register_module("ex", ex.head->module().shared_from_this());
    module_.register_module("va", va.head->module().shared_from_this());
  }
  const HeadKind& kind() const override { return kJointKind; }
  torch::nn::Module& module() override { return module_; }
  HeadOptions options() const override { return {}; }
  void set_lambda(const std::array<double, 3>& l) { lambda_ = l; }
  const std::vector<float>& loss_weights(Task t) const { return weights_[static_cast<size_t>(t)]; }

  torch::Tensor targets(const FeatureRows& rows) const override {
    const int64_t n = static_cast<int64_t>(rows.size());
    auto t = torch::empty({n, kTargetColumns});
    auto a = t.accessor<float, 2>();
    for (int64_t i = 0; i < n; ++i) {
      const Labels& l = rows.labels[static_cast<size_t>(i)];
      for (int j = 0; j < kNumAU; ++j) a[i][j] = l.au[j];
      a[i][kExColumn] = l.ex;
      a[i][kVaColumn] = l.va[0];
      a[i][kVaColumn + 1] = l.va[1];
    }
    return t;
  }

  // Each head's class weights from the training rows with its task's label.
  std::vector<float> fit_loss_weights(const torch::Tensor& y) override {
    std::vector<float> all;
    for (Task t : kAllTasks) {
      const auto m = mask(t, y);
      weights_[static_cast<size_t>(t)] = m.any().item<bool>() ? head(t).fit_loss_weights(task_targets(t, rows_where(y, m)))
                                                               : std::vector<float>{};
      all.insert(all.end(), weights_[static_cast<size_t>(t)].begin(), weights_[static_cast<size_t>(t)].end());
    }
    return all;
  }

  // [B, 12 + 8 + 2]: the AU head's output, the EX head's logits (reading the AU probabilities,
  // with their gradient), the VA head's output.
  torch::Tensor forward(const torch::Tensor& x, const UpstreamOutputs&) override {
    auto au = au_.head->forward(x.narrow(1, 0, au_.meta.in_dim), {});
    UpstreamOutputs up;
    if (!ex_.head->needs().empty()) up[Task::AU] = au_.head->prediction(au);
    auto ex = ex_.head->forward(x.narrow(1, 0, ex_.meta.in_dim), up);
    auto va = va_.head->forward(x.narrow(1, 0, va_.meta.in_dim), {});
    return torch::cat({au, ex, va}, 1);
  }

  // lambda_AU L_AU + lambda_EX L_EX + lambda_VA L_VA, each over the rows with its label.
  torch::Tensor loss(const torch::Tensor& out, const torch::Tensor& y) const override {
    torch::Tensor total = torch::zeros({}, out.options());
    for (Task t : kAllTasks) {
      const auto l = task_loss(t, out, y);
      if (l.defined()) total = total + lambda_[static_cast<size_t>(t)] * l;
    }
    return total;
  }

  // Task t's loss over the rows with its label, undefined when there are none.
  torch::Tensor task_loss(Task t, const torch::Tensor& out, const torch::Tensor& y) const {
    const auto m = mask(t, y);
    if (!m.any().item<bool>()) return {};
    return head(t).loss(task_output(t, rows_where(out, m)), task_targets(t, rows_where(y, m)));
  }

  // P_MTL: the sum of the three heads' scores, each over the rows with its label (0 without any).
  double score(const torch::Tensor& out, const torch::Tensor& y) const override {
    double s = 0;
    for (Task t : kAllTasks) s += task_score(t, out, y).value_or(0.0);
    return s;
  }
  std::optional<double> task_score(Task t, const torch::Tensor& out, const torch::Tensor& y) const {
    const auto m = mask(t, y);
    if (!m.any().item<bool>()) return std::nullopt;
    return head(t).score(task_output(t, rows_where(out, m)).cpu(), task_targets(t, rows_where(y, m)).cpu());
  }

  void fill(const float*, const float*, Prediction&) const override {}  // never predicts: its heads do
  std::string script_forward() const override { return ""; }            // never exported: its heads are

 private:
  TaskHead& head(Task t) const { return *(t == Task::AU ? au_ : t == Task::EX ? ex_ : va_).head; }
  static torch::Tensor mask(Task t, const torch::Tensor& y) {
    switch (t) {
      case Task::AU: return (y.narrow(1, 0, kNumAU) >= 0).all(1);
      case Task::EX: return y.select(1, kExColumn) >= 0;
      case Task::VA: return (y.narrow(1, kVaColumn, 2) != kMissingVA).all(1);
    }
    return {};
  }
  static torch::Tensor task_targets(Task t, const torch::Tensor& y) {
    switch (t) {
      case Task::AU: return y.narrow(1, 0, kNumAU);
      case Task::EX: return y.select(1, kExColumn).to(torch::kInt64);
      case Task::VA: return y.narrow(1, kVaColumn, 2);
    }
    return {};
  }
  static torch::Tensor task_output(Task t, const torch::Tensor& out) {
    switch (t) {
      case Task::AU: return out.narrow(1, 0, kNumAU);
      case Task::EX: return out.narrow(1, kNumAU, kNumEX);
      case Task::VA: return out.narrow(1, kNumAU + kNumEX, 2);
    }
    return {};
  }

  LoadedHead &au_, &ex_, &va_;
  torch::nn::Module module_;
  std::array<double, 3> lambda_{1, 1, 1};
  std::array<std::vector<float>, 3> weights_;
};

LoadedHead& find_head(HeadSet& set, Task t) {
  for (auto& h : set.heads())
    if (h.meta.task == t) return h;
  throw std::logic_error("no head of the task");
}

std::string part(const std::string& dir, const std::string& name) { return dir + "/" + name; }

// The lambdas of `rule`: with --lambda scale, 1 / each task's loss at the start, over the
// training rows in evaluation mode, so that every term starts at 1.
JointLambda resolve_lambda(JointLambda rule, JointHead& joint, TrainingData& train, const std::string& source) {
  if (rule.kind != JointLambda::Kind::Scale) return rule;
  auto [out, y] = train.evaluate(joint);
  torch::NoGradGuard ng;
  for (Task t : kAllTasks) {
    const auto l = joint.task_loss(t, out, y);
    const double v = l.defined() ? l.item<double>() : 0.0;
    if (!(v > 0) || !std::isfinite(v))
      throw InputError(source + ": --lambda scale: the " + std::string(task_name(t)) + " loss at the start is " +
                       std::to_string(v) + "; give the lambdas (--lambda A,E,V)");
    rule.values[static_cast<size_t>(t)] = 1.0 / v;
  }
  return rule;
}

// DIR/au.pt, ex.pt and va.pt: each head's own metadata with the joint run's data, best epoch and
// record (`common`), its class weights and validation score; thresholds tuned before are dropped
// (tune again), and the EX checkpoint records the new AU file (written first) as the head it reads.
void write_checkpoints(const std::string& dir, const std::array<LoadedHead*, 3>& heads, const JointHead& joint,
                       const CheckpointMeta& common, const std::array<std::optional<double>, 3>& scores) {
  std::string au_sha;
  for (LoadedHead* h : heads) {
    CheckpointMeta m = h->meta;
    m.train_data = common.train_data;
    m.val_data = common.val_data;
    m.data_sha256 = common.data_sha256;
    m.best_epoch = common.best_epoch;
    m.joint = common.joint;
    m.loss_weights = joint.loss_weights(m.task);
    m.val_score = scores[static_cast<size_t>(m.task)];
    m.toolkit_version = toolkit_version();
    m.au_thresholds.reset();
    m.ex_offsets.reset();
    m.trained_sha256.clear();
    if (m.upstream.count(Task::AU)) m.upstream[Task::AU] = {part(dir, "au.pt"), au_sha};
    const std::string path = part(dir, std::string(task_name(m.task)) + ".pt");
    save_checkpoint(path, *h->head, m);
    if (m.task == Task::AU) au_sha = sha256_file(path);
  }
}

// run_joint after the output folder exists.
void fine_tune(const JointOptions& o);

}  // namespace

std::string JointLambda::text() const {
  if (kind == Kind::Equal) return "equal";
  if (kind == Kind::Scale) return "scale";
  std::ostringstream s;
  s << values[0] << "," << values[1] << "," << values[2];
  return s.str();
}

JointLambda parse_joint_lambda(const std::string& text) {
  JointLambda l;
  if (text == "equal") return l;
  if (text == "scale") {
    l.kind = JointLambda::Kind::Scale;
    return l;
  }
  const std::string usage = "--lambda must be equal, scale, or three numbers >= 0 for AU, EX and VA (e.g. 1,0.5,1), not '" +
                            text + "'";
  std::array<double, 3> v{};
  std::istringstream in(text);
  for (int i = 0; i < 3; ++i) {
    std::string item;
    if (!std::getline(in, item, ',') || item.empty()) throw UsageError(usage);
    char* end = nullptr;
    v[static_cast<size_t>(i)] = std::strtod(item.c_str(), &end);
    if (*end != '\0' || !std::isfinite(v[static_cast<size_t>(i)]) || v[static_cast<size_t>(i)] < 0) throw UsageError(usage);
  }
  std::string rest;
  if (std::getline(in, rest) || (v[0] == 0 && v[1] == 0 && v[2] == 0)) throw UsageError(usage);
  l.kind = JointLambda::Kind::Given;
  l.values = v;
  return l;
}

TrainRecipe JointOptions::default_recipe() {
  TrainRecipe r;
  r.epochs = 10;
  r.sam.lr = 0.01;
  return r;
}

void JointOptions::check() const {
  if (au.empty() || ex.empty() || va.empty())
    throw UsageError("--au, --ex and --va are required: the three heads, each trained alone first");
  if (train.empty()) throw UsageError("at least one --train feature store is required");
  if (output.empty()) throw UsageError("an output folder is required (-o DIR: DIR/au.pt, ex.pt and va.pt)");
  recipe.check();
}

void run_joint(const JointOptions& o) {
  o.check();
  struct stat st {};
  const bool created = ::stat(o.output.c_str(), &st) != 0 && ::mkdir(o.output.c_str(), 0777) == 0;
  if (!created && ::stat(o.output.c_str(), &st) != 0)
    throw OutputError(o.output + ": cannot create the output folder: " + std::strerror(errno));
  try {
    fine_tune(o);
  } catch (...) {
    if (created) ::rmdir(o.output.c_str());  // a folder made for a run that wrote nothing goes (when empty)
    throw;
  }
}

namespace {

void fine_tune(const JointOptions& o) {
  struct stat st {};
  if (::stat(o.output.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw OutputError(o.output + ": not a folder (-o names the folder for au.pt, ex.pt and va.pt)");
  std::vector<std::string> inputs = o.train;
  inputs.insert(inputs.end(), o.val.begin(), o.val.end());
  for (const auto* p : {&o.au, &o.ex, &o.va}) inputs.push_back(*p);
  const std::string state = part(o.output, "joint.resume");
  for (const char* name : {"au.pt", "ex.pt", "va.pt", "joint.resume"}) check_output_path("-o", part(o.output, name), inputs);
  if (!o.log.empty()) check_output_path("--log", o.log, inputs);
  const OutputLock lock(part(o.output, "joint"), "-o");
  std::optional<OutputLock> log_lock;
  if (!o.log.empty()) log_lock.emplace(o.log, "--log");
  const int threads = set_threads(o.threads);
  const std::string device_name = resolve_device(o.device);
  const torch::Device device(device_name == "cuda" ? torch::kCUDA : torch::kCPU);
  torch::manual_seed(o.seed);

  // The heads, checked together (the EX head must read the --au given).
  HeadSet set({{Task::AU, o.au}, {Task::EX, o.ex}, {Task::VA, o.va}});
  LoadedHead &au = find_head(set, Task::AU), &ex = find_head(set, Task::EX), &va = find_head(set, Task::VA);
  bool with_logits = false;
  for (const LoadedHead* h : {&au, &ex, &va}) {
    if (h->head->context() > 0)
      throw UsageError(h->path + ": a head with temporal context (--context " + std::to_string(h->head->context()) +
                       "); joint fine-tuning takes per-frame heads only");
    if (h->meta.feature_dim != au.meta.feature_dim)
      throw InputError(h->path + " reads " + std::to_string(h->meta.feature_dim) + " features per row, " + au.path + " " +
                       std::to_string(au.meta.feature_dim) + ": the three heads must read the same features");
    with_logits = with_logits || h->meta.with_logits;
  }
  const bool augment = o.recipe.augment_flip;
  const std::string mirror_for = augment ? "--augment flip" : "";
  const TaskRows train = load_task_rows(o.train, RowFilter::any_task(), false, mirror_for);
  if (train.rows.size() < 2) throw InputError(train.source + ": fewer than 2 rows with a label; training needs at least 2");
  std::optional<TaskRows> val;
  if (!o.val.empty()) {
    val = load_task_rows(o.val, RowFilter::any_task(), false);
    if (val->rows.size() == 0) throw InputError(val->source + ": no row with a label; nothing to validate on");
    check_same_features(val->info, o.val.front(), train.info, o.train.front());
  }
  const int in_dim = au.meta.feature_dim + (with_logits ? au.meta.logits_dim : 0);
  if (train.rows.dim != au.meta.feature_dim || (with_logits && train.rows.logits_dim != au.meta.logits_dim))
    throw InputError(train.source + ": " + std::to_string(train.rows.dim) + " features and " +
                     std::to_string(train.rows.logits_dim) + " logits per row, but the heads read " +
                     std::to_string(au.meta.feature_dim) + " features" +
                     (with_logits ? " and " + std::to_string(au.meta.logits_dim) + " logits" : std::string()));
  set.warn_other_backbone(train.info.backbone_sha256, o.train.front());

  JointHead joint(au, ex, va);
  joint.module().to(device);
  const std::vector<LoadedHead> none;
  RowFormat format{with_logits, in_dim, "the joint heads", &joint, &none, device};
  format.mirror = augment;
  RowFormat val_format = format;
  val_format.mirror = false;
  const size_t budget = o.memory_budget ? o.memory_budget : available_memory() / 2;
  // Bytes in memory: 12 a value (the rows read, the input and its copy), the training rows' mirrors too.
  const size_t need = (train.rows.size() * (augment ? 2 : 1) + (val ? val->rows.size() : 0)) * 12 * static_cast<size_t>(in_dim);
  std::unique_ptr<TrainingData> train_data, val_data;
  if (need <= budget) {
    train_data = in_memory(load_task_rows(o.train, RowFilter::any_task(), true, mirror_for), format);
    if (val) val_data = in_memory(load_task_rows(o.val, RowFilter::any_task(), true), val_format);
  } else {
    logging::info("streaming the rows from the stores: they need " + format_size(need) + ", more than the memory budget of " +
                  format_size(budget) + "; in the same order as in memory");
    train_data = streamed(o.train, RowFilter::any_task(), format);
    if (val) val_data = streamed(o.val, RowFilter::any_task(), val_format);
  }
  const std::string data_sha256 = train_data->sha256();
  joint.fit_loss_weights(train_data->targets());

  const JointLambda lambda = resolve_lambda(o.lambda, joint, *train_data, train.source);
  joint.set_lambda(lambda.values);

  // What the run trains on and how: the resume state is taken only from a run with the same.
  nlohmann::json record = {
      {"lambda", lambda.values}, {"lambda_rule", o.lambda.text()}, {"epochs", o.recipe.epochs},
      {"batch", o.recipe.batch}, {"lr", o.recipe.sam.lr}, {"momentum", o.recipe.sam.momentum},
      {"weight_decay", o.recipe.sam.weight_decay}, {"rho", o.recipe.sam.rho},
      {"augment", augment ? "flip" : "none"}, {"seed", o.seed}, {"threads", threads},
      {"data_sha256", data_sha256}, {"toolkit_version", toolkit_version()}};
  for (const LoadedHead* h : {&au, &ex, &va}) {
    const std::string trained = h->meta.trained_sha256.empty() ? sha256_file(h->path) : h->meta.trained_sha256;
    record["from"][task_name(h->meta.task)] = {{"path", h->path}, {"sha256", trained}};
  }
  Trainer trainer(joint, o.recipe, null_stream());
  trainer.set_task_label("joint");
  const int resumed =
      resume_from_state(trainer, state, record.dump() + "\nrow order: " + row_order_scheme(), o.resume, o.recipe.epochs);
  std::optional<AtomicFile> log_out;
  std::ofstream log_file;
  if (!o.log.empty()) {
    log_file = open_log(log_out.emplace(resolve_links(o.log)), resumed);
    log_out->keep();
  }
  trainer.set_log(!o.log.empty() ? static_cast<std::ostream&>(log_file)
                                 : logging::verbosity() >= 1 ? std::cerr : null_stream());
  logging::info("fine-tuning the AU, EX and VA heads together on " + std::to_string(train_data->size()) + " rows (lambda " +
                record["lambda"].dump() + ", " + device_name + ", " + std::to_string(threads) + " threads)");
  try {
    trainer.fit(*train_data, val_data.get());
  } catch (const NotFinite&) {
    std::remove(state.c_str());
    if (log_out) std::remove(log_out->temp_path().c_str());
    throw;
  }
  if (log_file.is_open() && !log_file.flush()) throw OutputError(log_out->temp_path() + ": cannot write log");
  if (trainer.stopped_by()) {
    logging::warn("stopped: rerun the same command to go on from " + state + "; " + o.output +
                  " was left as it was");
    throw Interrupted(trainer.stopped_by());
  }

  // Each head's score at the best epoch, for its checkpoint.
  std::array<std::optional<double>, 3> scores;
  if (val_data) {
    auto [out, y] = val_data->evaluate(joint);
    for (Task t : kAllTasks) scores[static_cast<size_t>(t)] = joint.task_score(t, out, y);
  }
  record["best_epoch"] = trainer.best_epoch();
  record["val_p_mtl"] = trainer.best_score() ? nlohmann::json(*trainer.best_score()) : nlohmann::json(nullptr);
  joint.module().to(torch::kCPU);
  CheckpointMeta common;  // what the three checkpoints record of the joint run
  common.train_data = train.stores;
  if (val) common.val_data = val->stores;
  common.data_sha256 = data_sha256;
  common.best_epoch = trainer.best_epoch();
  common.joint = record.dump();
  write_checkpoints(o.output, {&au, &ex, &va}, joint, common, scores);
  if (log_out) {
    log_file.close();
    if (!log_file) throw OutputError(log_out->temp_path() + ": cannot write log");
    log_out->commit();
  }
  std::remove(state.c_str());
  logging::info("wrote " + part(o.output, "au.pt") + ", ex.pt and va.pt (epoch " + std::to_string(trainer.best_epoch()) +
                (trainer.best_score() ? ", validation P_MTL " + std::to_string(*trainer.best_score()) : std::string()) + ")");
}

}  // namespace
}  // namespace mtl
