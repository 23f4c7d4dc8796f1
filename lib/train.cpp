// The trainer shared by the three heads: data from feature stores, SAM steps, validation, the
// best epoch kept, per-epoch JSON log, atomic checkpoint.
#include "mtl/train.h"

#include <chrono>
#include <fstream>
#include <iostream>
#include <map>

#include "mtl/checkpoint.h"
#include "mtl/checksum.h"
#include "mtl/error.h"
#include "mtl/feature_store.h"
#include "mtl/metrics.h"
#include "mtl/runtime.h"

namespace mtl {
namespace {

using nlohmann::json;

bool has_task_label(const std::string& task, const Labels& l) {
  if (task == "au") return l.has_au();
  if (task == "ex") return l.has_ex();
  return l.has_va();
}

// The rows of `paths` that carry the task's label, with the identity of each store.
FeatureRows load_labelled(const std::vector<std::string>& paths, const std::string& task, json& identity) {
  FeatureRows all;
  identity = json::array();
  for (const auto& path : paths) {
    FeatureStoreReader store(path);
    FeatureRows rows = store.read_all();
    FeatureRows keep;
    keep.dim = rows.dim;
    keep.logits_dim = rows.logits_dim;
    for (size_t i = 0; i < rows.size(); ++i) {
      if (!has_task_label(task, rows.labels[i])) continue;
      keep.image.push_back(rows.image[i]);
      keep.labels.push_back(rows.labels[i]);
      keep.features.insert(keep.features.end(), rows.features.begin() + i * rows.dim,
                           rows.features.begin() + (i + 1) * rows.dim);
      if (rows.logits_dim)
        keep.logits.insert(keep.logits.end(), rows.logits.begin() + i * rows.logits_dim,
                           rows.logits.begin() + (i + 1) * rows.logits_dim);
    }
    if (all.size() > 0 && (keep.dim != all.dim || keep.logits_dim != all.logits_dim))
      throw InputError(path + ": " + std::to_string(keep.dim) + " features and " + std::to_string(keep.logits_dim) +
                       " logits per row, but " + paths.front() + " has " + std::to_string(all.dim) + " and " +
                       std::to_string(all.logits_dim));
    identity.push_back({{"path", path},
                        {"rows", store.rows()},
                        {"labelled_rows", keep.size()},
                        {"backbone_sha256", store.info().backbone_sha256}});
    if (all.size() == 0 && all.dim == 0) {
      all = std::move(keep);
    } else {
      all.append(keep);
    }
  }
  return all;
}

// Labels of the task as a tensor: AU [n,12] float, EX [n] int64, VA [n,2] float.
torch::Tensor task_targets(const std::string& task, const FeatureRows& rows) {
  const int64_t n = static_cast<int64_t>(rows.size());
  if (task == "au") {
    auto t = torch::empty({n, kNumAU});
    auto a = t.accessor<float, 2>();
    for (int64_t i = 0; i < n; ++i)
      for (int j = 0; j < kNumAU; ++j) a[i][j] = rows.labels[i].au[j];
    return t;
  }
  if (task == "ex") {
    auto t = torch::empty({n}, torch::kInt64);
    auto a = t.accessor<int64_t, 1>();
    for (int64_t i = 0; i < n; ++i) a[i] = rows.labels[i].ex;
    return t;
  }
  auto t = torch::empty({n, 2});
  auto a = t.accessor<float, 2>();
  for (int64_t i = 0; i < n; ++i) {
    a[i][0] = rows.labels[i].va[0];
    a[i][1] = rows.labels[i].va[1];
  }
  return t;
}

// The task's challenge score of outputs against targets (both on the CPU).
double task_score(const std::string& task, const torch::Tensor& out, const torch::Tensor& y) {
  ScoreAccumulator acc;
  const int64_t n = out.size(0);
  if (task == "au") {
    auto o = out.accessor<float, 2>();
    auto t = y.accessor<float, 2>();
    for (int64_t i = 0; i < n; ++i) {
      std::array<int8_t, kNumAU> truth;
      std::array<int, kNumAU> pred;
      for (int j = 0; j < kNumAU; ++j) {
        truth[j] = static_cast<int8_t>(t[i][j]);
        pred[j] = o[i][j] >= 0.5f;
      }
      acc.add_au(truth, pred);
    }
    return *acc.compute().p_au;
  }
  if (task == "ex") {
    auto pred_t = out.argmax(1);
    auto pred = pred_t.accessor<int64_t, 1>();
    auto t = y.accessor<int64_t, 1>();
    for (int64_t i = 0; i < n; ++i) acc.add_ex(static_cast<int>(t[i]), static_cast<int>(pred[i]));
    return *acc.compute().p_ex;
  }
  auto o = out.accessor<float, 2>();
  auto t = y.accessor<float, 2>();
  for (int64_t i = 0; i < n; ++i) acc.add_va({t[i][0], t[i][1]}, {o[i][0], o[i][1]});
  return *acc.compute().p_va;
}

std::string sha256_tensors(const std::vector<torch::Tensor>& ts) {
  Sha256 h;
  for (auto t : ts) {
    t = t.contiguous().cpu();
    h.update(t.data_ptr(), t.numel() * t.element_size());
  }
  return h.hex();
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

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

void run_train(const TrainOptions& o) {
  const int threads = set_threads(o.threads);
  const std::string device_name = resolve_device(o.device);
  const torch::Device device(device_name == "cuda" ? torch::kCUDA : torch::kCPU);
  torch::manual_seed(o.seed);
  const std::string& task = o.task;

  json train_id, val_id;
  FeatureRows train = load_labelled(o.train, task, train_id);
  if (train.size() < 2)
    throw InputError(o.train.front() + (o.train.size() > 1 ? " (and the other --train stores)" : "") + ": " +
                     std::to_string(train.size()) + " rows with " + task + " labels; training needs at least 2");
  FeatureRows val;
  if (!o.val.empty()) {
    val = load_labelled(o.val, task, val_id);
    if (val.size() == 0) throw InputError(o.val.front() + ": no rows with " + task + " labels to validate on");
    if (val.dim != train.dim || val.logits_dim != train.logits_dim)
      throw InputError(o.val.front() + ": its rows differ in size from the training rows (" + std::to_string(val.dim) +
                       " vs " + std::to_string(train.dim) + " features)");
  }
  bool with_logits = o.input == "features+logits" || (o.input == "auto" && train.logits_dim > 0);
  if (with_logits && train.logits_dim == 0)
    throw InputError(o.train.front() + ": --input features+logits, but the store holds no logits");
  const int in_dim = train.dim + (with_logits ? train.logits_dim : 0);

  json meta = {{"format", "mtl-checkpoint"},
               {"format_version", kCheckpointFormatVersion},
               {"toolkit_version", toolkit_version()},
               {"task", task},
               {"in_dim", in_dim},
               {"input", with_logits ? "features+logits" : "features"},
               {"feature_dim", train.dim},
               {"logits_dim", with_logits ? train.logits_dim : 0},
               {"epochs", o.epochs},
               {"batch", o.batch},
               {"lr", o.lr},
               {"momentum", o.momentum},
               {"weight_decay", o.weight_decay},
               {"rho", o.rho},
               {"optimizer", "SAM(SGD)"},
               {"seed", o.seed},
               {"threads", threads},
               {"au_threshold", 0.5},
               {"au_names", au_names()},
               {"ex_names", ex_names()},
               {"train_data", train_id},
               {"val_data", o.val.empty() ? json(nullptr) : val_id}};
  if (task == "au") {
    meta["node_dim"] = o.node_dim > 0 ? o.node_dim : in_dim;
    meta["k"] = o.k;
    meta["dropout"] = o.dropout;
    meta["node_init_std"] = o.node_init_std > 0 ? o.node_init_std : std::sqrt(1.0 / meta["node_dim"].get<int>());
  } else if (task == "ex") {
    meta["attention"] = attention_name(parse_attention(o.attention));
    meta["attention_hidden"] = 64;
    meta["loss_mean"] = o.ex_loss_mean;
  }

  auto x_train = head_input(train, with_logits, in_dim, o.train.front(), o.output).to(device);
  auto y_train = task_targets(task, train).to(device);
  torch::Tensor x_val, y_val;
  if (!o.val.empty()) {
    x_val = head_input(val, with_logits, in_dim, o.val.front(), o.output).to(device);
    y_val = task_targets(task, val).to(device);
  }
  meta["data_sha256"] = sha256_tensors({x_train, y_train});

  // The EX head reads the frozen AU head's output, computed once here (evaluation mode).
  torch::Tensor pau_train, pau_val;
  if (task == "ex") {
    HeadCheckpoint au = load_checkpoint(o.au_checkpoint, "au");
    au.au->to(device);
    au.au->eval();
    torch::NoGradGuard ng;
    pau_train = au.au->forward(head_input(train, au.with_logits(), au.in_dim(), o.train.front(), o.au_checkpoint).to(device));
    if (!o.val.empty())
      pau_val = au.au->forward(head_input(val, au.with_logits(), au.in_dim(), o.val.front(), o.au_checkpoint).to(device));
    meta["au_checkpoint"] = o.au_checkpoint;
    meta["au_checkpoint_sha256"] = sha256_file(o.au_checkpoint);
  }

  HeadCheckpoint head = build_head(task, meta);
  torch::nn::Module& module = head.module();
  module.to(device);
  Sam sam(module.parameters(), SamOptions{o.lr, o.momentum, o.weight_decay, o.rho});
  torch::Tensor loss_w;
  if (task == "au") loss_w = au_weights(y_train);
  if (task == "ex") loss_w = ex_weights(y_train);
  if (loss_w.defined()) meta["loss_weights"] = std::vector<float>(loss_w.data_ptr<float>(), loss_w.data_ptr<float>() + loss_w.numel());
  if (loss_w.defined()) loss_w = loss_w.to(device);
  const bool authors_mean = o.ex_loss_mean == "authors";

  auto forward = [&](const torch::Tensor& x, const torch::Tensor& pau) {
    if (task == "au") return head.au->forward(x);
    if (task == "ex") return head.ex->forward(x, pau);
    return head.va->forward(x);
  };
  auto loss_of = [&](const torch::Tensor& out, const torch::Tensor& y) {
    if (task == "au") return au_loss(out, y, loss_w);
    if (task == "ex") return ex_loss(out, y, loss_w, authors_mean);
    return va_loss(out, y);
  };

  std::ofstream log_file;
  if (!o.log.empty()) {
    log_file.open(o.log, std::ios::trunc);
    if (!log_file) throw OutputError(o.log + ": cannot create log");
  }
  // Without --log the epochs go to stderr, unless --quiet.
  std::ostream null_log(nullptr);
  std::ostream& log = !o.log.empty() ? log_file : cli::verbosity() >= 1 ? std::cerr : null_log;

  const int64_t n = x_train.size(0);
  std::vector<torch::Tensor> best;
  double best_score = -1e300;
  int best_epoch = 0;
  cli::info("training the " + task + " head on " + std::to_string(n) + " rows of " + std::to_string(in_dim) +
            " values (" + device_name + ", " + std::to_string(threads) + " threads)");
  int stopped = 0;
  for (int epoch = 1; epoch <= o.epochs && !stopped; ++epoch) {
    auto t0 = std::chrono::steady_clock::now();
    module.train();
    auto perm = torch::randperm(n, torch::TensorOptions().dtype(torch::kInt64)).to(device);
    double loss_sum = 0;
    int64_t seen = 0;
    for (int64_t start = 0; start < n; start += o.batch) {
      if ((stopped = cli::stop_signal())) break;
      const int64_t b = std::min<int64_t>(o.batch, n - start);
      if (b < 2) continue;  // batch norm needs two rows; a last batch of one is left out
      auto idx = perm.narrow(0, start, b);
      auto xb = x_train.index_select(0, idx), yb = y_train.index_select(0, idx);
      auto pb = pau_train.defined() ? pau_train.index_select(0, idx) : torch::Tensor();
      loss_sum += sam.step([&] { return loss_of(forward(xb, pb), yb); }) * b;
      seen += b;
    }
    if (stopped) break;
    json line = {{"task", task}, {"epoch", epoch}, {"train_loss", seen ? loss_sum / seen : 0.0}};
    double score = epoch;  // without validation the last epoch is kept
    if (x_val.defined()) {
      module.eval();
      torch::NoGradGuard ng;
      auto out = forward(x_val, pau_val);
      line["val_loss"] = loss_of(out, y_val).item<double>();
      score = task_score(task, out.cpu(), y_val.cpu());
      line["val_score"] = score;
    }
    if (score > best_score) {
      best_score = score;
      best_epoch = epoch;
      best = snapshot(module);
    }
    line["best_epoch"] = best_epoch;
    line["wall_s"] = seconds_since(t0);
    log << line.dump() << std::endl;
  }
  if (best.empty()) best = snapshot(module);  // stopped during the first epoch
  restore(module, best);
  meta["best_epoch"] = best_epoch;
  meta["val_score"] = x_val.defined() && best_epoch > 0 ? json(best_score) : json(nullptr);
  meta["score_name"] = task == "au" ? "P_AU" : task == "ex" ? "P_EX" : "P_VA";
  module.to(torch::kCPU);
  save_checkpoint(o.output, module, meta);
  if (log_file.is_open() && !log_file.flush()) throw OutputError(o.log + ": cannot write log");
  if (stopped) {
    cli::warn("stopped; wrote the best epoch so far (" + std::to_string(best_epoch) + ") to " + o.output);
    throw Interrupted(stopped);
  }
  cli::info("wrote " + o.output + " (epoch " + std::to_string(best_epoch) +
            (x_val.defined() ? ", validation " + meta["score_name"].get<std::string>() + " " + std::to_string(best_score)
                             : std::string()) + ")");
}

}  // namespace mtl
