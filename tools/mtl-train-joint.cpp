// mtl-train-joint: fine-tunes the AU, EX and VA heads together; see man mtl-train-joint.
#include "cli.h"
#include "mtl/core/error.h"
#include "mtl/core/signals.h"
#include "mtl/model/runtime.h"
#include "mtl/pipeline/joint.h"
#include "options.h"

int main(int argc, char** argv) {
  return mtl::cli::run("mtl-train-joint", [&] {
    mtl::cli::Parser p("mtl-train-joint", "",
                       "Fine-tunes the AU, EX and VA heads, each trained alone first, together on every row with a "
                       "label: loss lambda_AU L_AU + lambda_EX L_EX + lambda_VA L_VA over the rows with each label; "
                       "the EX head's cross attention passes gradients into the AU head; the best epoch by validation "
                       "P_MTL. Writes DIR/au.pt, ex.pt and va.pt.",
                       mtl::cli::kThreads | mtl::cli::kDevice | mtl::cli::kSeed);
    mtl::JointOptions o;
    o.recipe = mtl::JointOptions::default_recipe();
    std::string lambda = "equal";
    p.add("Data")
      ("au", "the AU head's checkpoint (mtl-train-au)", cxxopts::value(o.au), "AU.pt")
      ("ex", "the EX head's checkpoint (mtl-train-ex), trained on that AU head when it reads it", cxxopts::value(o.ex), "EX.pt")
      ("va", "the VA head's checkpoint (mtl-train-va)", cxxopts::value(o.va), "VA.pt")
      ("train", "feature store to train on (repeat for shards)", cxxopts::value(o.train))
      ("val", "feature store for validation (repeat for shards); picks the best epoch by P_MTL", cxxopts::value(o.val))
      ("o,output", "folder for au.pt, ex.pt and va.pt (made if missing; required)", cxxopts::value(o.output), "DIR")
      ("log", "write the per-epoch JSON lines here instead of stderr", cxxopts::value(o.log))
      ("no-resume", "start afresh even when a stopped run left DIR/joint.resume with the same settings")
      ("memory-budget", "memory for the training rows, e.g. 512M or 4G (default: half the memory available); "
                        "rows that do not fit are streamed from the stores, in the same batches",
       cxxopts::value<std::string>());
    p.add("Joint loss")
      ("lambda", "the tasks' weights: equal (1,1,1), scale (1 / each task's loss at the start: every term starts at "
                 "1), or AU,EX,VA (three numbers >= 0)", cxxopts::value(lambda)->default_value("equal"));
    mtl::cli::add_recipe_options(p, o.recipe);
    auto r = p.parse(argc, argv);
    o.seed = p.common().seed;
    o.threads = p.common().threads;
    o.device = p.common().device;
    if (p.common().deterministic) mtl::set_deterministic();
    o.resume = r.count("no-resume") == 0;
    o.memory_budget = mtl::cli::memory_budget_option(r);
    o.lambda = mtl::parse_joint_lambda(lambda);
    mtl::cli::finish_recipe_options(r, o.recipe);
    o.check();
    mtl::install_stop_signals();
    mtl::run_joint(o);
    return 0;
  });
}
