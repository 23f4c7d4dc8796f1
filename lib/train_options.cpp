// The command line of mtl-train-au, mtl-train-ex and mtl-train-va, in one place.
#include "mtl/error.h"
#include "mtl/train.h"

namespace mtl {

void add_train_options(cli::Parser& p, TrainOptions& o) {
  p.add("Data")
    ("train", "feature store to train on (repeat for shards)", cxxopts::value(o.train))
    ("val", "feature store for validation (repeat for shards); picks the best epoch", cxxopts::value(o.val))
    ("o,output", "checkpoint to write (required)", cxxopts::value(o.output))
    ("log", "write the per-epoch JSON lines here instead of stderr", cxxopts::value(o.log))
    ("input", "head input: features, features+logits (the authors' 1288 values), or auto (logits appended "
              "when the store has them)", cxxopts::value(o.input)->default_value(o.input));
  if (o.task == "ex")
    p.add("Data")("au", "trained AU checkpoint (required; frozen while the EX head trains)",
                  cxxopts::value(o.au_checkpoint));
  p.add("Training (defaults: the authors' recipe)")
    ("epochs", "epochs", cxxopts::value(o.epochs)->default_value(std::to_string(o.epochs)))
    ("batch", "rows per batch", cxxopts::value(o.batch)->default_value(std::to_string(o.batch)))
    ("lr", "SGD learning rate", cxxopts::value(o.lr)->default_value("0.001"))
    ("momentum", "SGD momentum", cxxopts::value(o.momentum)->default_value("0.9"))
    ("weight-decay", "SGD weight decay", cxxopts::value(o.weight_decay)->default_value("0.00390625"))
    ("rho", "SAM neighbourhood size (0: plain SGD steps taken twice)", cxxopts::value(o.rho)->default_value("0.05"));
  if (o.task == "au")
    p.add("AU head")
      ("node-dim", "per-AU node size C (0: the input size, as the authors)", cxxopts::value(o.node_dim)->default_value("0"))
      ("k", "graph neighbours per node, itself included", cxxopts::value(o.k)->default_value("4"))
      ("dropout", "dropout on the input of the per-AU layers", cxxopts::value(o.dropout)->default_value("0.5"))
      ("node-init-std", "std of the per-AU weights (0: sqrt(1/C), as the authors)",
       cxxopts::value(o.node_init_std)->default_value("0"));
  if (o.task == "ex")
    p.add("EX head")
      ("attention", "cross attention on the AU output: additive (the authors' code), paper (the paper's "
                    "equations 6-7) or none", cxxopts::value(o.attention)->default_value(o.attention))
      ("loss-mean", "class-weighted CE averaged as the authors (mean of P_y CE) or as PyTorch "
                    "(sum P_y CE / sum P_y): authors|pytorch", cxxopts::value(o.ex_loss_mean)->default_value(o.ex_loss_mean));
}

void finish_train_options(const cli::Parser& p, const cxxopts::ParseResult& r, TrainOptions& o) {
  o.seed = p.common().seed;
  o.threads = p.common().threads;
  o.device = p.common().device;
  if (o.train.empty()) throw UsageError("at least one --train feature store is required");
  if (o.output.empty()) throw UsageError("an output checkpoint is required (-o FILE.pt)");
  if (o.task == "ex" && o.au_checkpoint.empty())
    throw UsageError("--au is required: the EX head's cross attention reads the trained AU head's output "
                     "(train it with mtl-train-au)");
  if (o.epochs < 1) throw UsageError("--epochs must be at least 1");
  if (o.batch < 2) throw UsageError("--batch must be at least 2 (batch norm needs two rows)");
  if (o.input != "auto" && o.input != "features" && o.input != "features+logits")
    throw UsageError("--input must be features, features+logits or auto");
  if (o.ex_loss_mean != "authors" && o.ex_loss_mean != "pytorch")
    throw UsageError("--loss-mean must be authors or pytorch");
  if (!(o.lr > 0)) throw UsageError("--lr must be positive");
  if (o.rho < 0) throw UsageError("--rho must not be negative");
  if (o.node_dim < 0) throw UsageError("--node-dim must not be negative");
}

}  // namespace mtl

namespace mtl {

int train_program(const std::string& task, int argc, char** argv) {
  static const std::string name = "mtl-train-" + task;
  return cli::run(name.c_str(), [&] {
    const char* what = task == "au"   ? "the action unit head (ANFL graph head, 12 AUs)"
                       : task == "ex" ? "the expression head (8 classes) with cross attention on the AU head's output"
                                      : "the valence-arousal head";
    cli::Parser p(name, "", "Trains " + std::string(what) + " on cached features with SAM-wrapped SGD; rows "
                            "without a " + task + " label are skipped.", cli::kThreads | cli::kDevice | cli::kSeed);
    TrainOptions o;
    o.task = task;
    add_train_options(p, o);
    auto r = p.parse(argc, argv);
    if (!r.unmatched().empty()) throw UsageError("unexpected operand '" + r.unmatched().front() + "'");
    finish_train_options(p, r, o);
    cli::install_stop_signals();
    run_train(o);
    return 0;
  });
}

}  // namespace mtl
