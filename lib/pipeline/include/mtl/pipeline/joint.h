// Joint fine-tuning of the three heads (mtl-train-joint): the AU, EX and VA heads, each trained
// alone first, learn together on every row that carries any label. The loss is
//   L = lambda_AU L_AU + lambda_EX L_EX + lambda_VA L_VA,
// each task's own loss (the heads' training losses, with their class weights fitted on the joint
// training rows that carry that task's label) over the rows of the batch with its label; a task
// with no row in a batch adds 0. The EX head's cross attention reads the AU head's probabilities
// on the same rows, now with their gradient, so that L_EX trains the AU head too. The best epoch is
// kept by the validation P_MTL = P_AU + P_EX + P_VA. The header is free of LibTorch.
#pragma once
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "mtl/model/hyperparameters.h"

namespace mtl {

// How the lambdas are chosen.
struct JointLambda {
  enum class Kind {
    Equal,  // 1, 1, 1
    Scale,  // 1 / (each task's loss at the start, on the training rows): every term starts at 1
    Given,  // the three values given
  } kind = Kind::Equal;
  std::array<double, 3> values{1, 1, 1};  // AU, EX, VA (Given; after training: those used)
  std::string text() const;               // "equal", "scale", or "A,E,V"
};
// Parses "equal", "scale" or three comma-separated numbers, each finite and >= 0 and not all 0.
// Throws UsageError naming --lambda.
JointLambda parse_joint_lambda(const std::string& text);

struct JointOptions {
  std::string au, ex, va;               // the separately trained heads' checkpoints
  std::vector<std::string> train, val;  // feature stores (val: picks the best epoch by P_MTL)
  std::string output;                   // folder for au.pt, ex.pt, va.pt
  std::string log;                      // per-epoch JSON lines ("": stderr unless quiet)
  JointLambda lambda;
  TrainRecipe recipe;                   // epochs, batch, SAM, --augment flip (input: the heads')
  uint64_t seed = 1;
  int threads = 0;
  std::string device = "auto";
  size_t memory_budget = 0;  // bytes for the rows in memory (0: half the memory available); beyond, streamed
  bool resume = true;        // go on from OUTPUT/joint.resume
  // Checks what needs no file. Throws UsageError, or SettingError for a recipe value.
  void check() const;
  // The fine-tuning recipe's defaults: 10 epochs at lr 0.01 (ten times the single heads' default
  // of 0.001, the authors'; below the demo heads' 0.05-0.3), the rest the single heads'.
  static TrainRecipe default_recipe();
};

// Loads the three heads (the EX head's AU head must be the --au given: InputError naming both
// files otherwise), fine-tunes them together, and writes OUTPUT/au.pt, ex.pt and va.pt atomically
// (each a checkpoint of its task that mtl-predict, mtl-export and mtl-tune read as any other; the
// EX checkpoint records the new AU checkpoint as the one it reads; each records the run under
// "joint"). After every epoch the state goes to OUTPUT/joint.resume, so that a rerun of a killed
// or stopped run goes on after its last epoch and ends with the same bytes. Heads with temporal
// context are refused (UsageError). Throws as run_train.
void run_joint(const JointOptions& o);

}  // namespace mtl
