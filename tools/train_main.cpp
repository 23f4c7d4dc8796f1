// The shared main of the three training programs.
#include "train_main.h"

#include "cli.h"
#include "mtl/core/error.h"
#include "mtl/core/signals.h"
#include "options.h"

namespace mtl {
namespace {

const char* head_description(Task task) {
  switch (task) {
    case Task::AU: return "the action unit head (ANFL graph head, 12 AUs)";
    case Task::EX: return "the expression head (8 classes) with cross attention on the AU head's output";
    case Task::VA: return "the valence-arousal head";
  }
  return "";
}

}  // namespace

int train_main(Task task, int argc, char** argv) {
  const std::string name = std::string("mtl-train-") + task_name(task);
  return cli::run(name.c_str(), [&] {
    cli::Parser p(name, "",
                  "Trains " + std::string(head_description(task)) + " on cached features with SAM-wrapped SGD (defaults: the authors' recipe); "
                  "rows without this head's label are skipped.",
                  cli::kThreads | cli::kDevice | cli::kSeed);
    TrainOptions o;
    o.task = task;
    cli::add_train_options(p, o);
    auto r = p.parse(argc, argv);
    cli::finish_train_options(p, r, o);
    install_stop_signals();
    run_train(o);
    return 0;
  });
}

}  // namespace mtl
