// One interface for the heads, so that training, prediction and export never ask which head they
// hold, and the registry of head kinds: each kind (an architecture for a task) is defined in its
// own file (au_head.cpp, ...) and listed once in head_kinds(), through which the toolkit makes,
// loads and exports heads.
// This header includes LibTorch.
#pragma once
#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mtl/core/feature_store.h"
#include "mtl/core/predictions.h"
#include "mtl/core/task.h"
#include "mtl/model/hyperparameters.h"

namespace mtl {

// The outputs of other heads that a head reads (EX with attention: the AU probabilities [B,12]).
using UpstreamOutputs = std::map<Task, torch::Tensor>;

struct HeadKind;

class TaskHead {
 public:
  virtual ~TaskHead() = default;
  virtual const HeadKind& kind() const = 0;
  Task task() const;
  // The tasks whose head outputs forward() reads; their heads are trained first and frozen.
  std::vector<Task> needs() const { return upstream_tasks(task(), options()); }
  // The LibTorch module holding the parameters and buffers (saved under stable names).
  virtual torch::nn::Module& module() = 0;
  // The head's hyperparameters, "0 means" values resolved (stored in the checkpoint).
  virtual HeadOptions options() const = 0;

  // The targets of rows that all carry the task's label: AU [n,12] float, EX [n] int64, VA [n,2].
  virtual torch::Tensor targets(const FeatureRows& rows) const = 0;
  // Fixes the loss weights from the training targets and returns them (empty when the loss has none).
  virtual std::vector<float> fit_loss_weights(const torch::Tensor& targets) { return {}; }

  // The head's raw output for inputs x [B,D] (what the loss reads). A temporal head sees each
  // frame alone here (a window of one frame).
  virtual torch::Tensor forward(const torch::Tensor& x, const UpstreamOutputs& upstream) = 0;
  // Frames the head sees on each side of a frame (--context T); 0 for a per-frame head.
  virtual int context() const { return 0; }
  // The raw output for the centre frames of windows x [B,W,D] (W odd; a frame's video around it,
  // see frame_windows.h) with mask [B,W] (1 a frame, 0 none, whose x is 0). A head of context T
  // reads the 2T+1 frames in the middle (a narrower window is padded with missing frames); a
  // per-frame head reads the centre alone. `upstream` holds the other heads' centre outputs.
  virtual torch::Tensor forward_window(const torch::Tensor& x, const torch::Tensor& mask,
                                       const UpstreamOutputs& upstream) {
    return forward(x.select(1, x.size(1) / 2), upstream);
  }
  // The training loss of a raw output against targets.
  virtual torch::Tensor loss(const torch::Tensor& out, const torch::Tensor& targets) const = 0;
  // What a prediction line reports, from a raw output: AU and EX probabilities, VA values [B,K].
  virtual torch::Tensor prediction(const torch::Tensor& out) const { return out; }
  // The task's challenge score of raw outputs against targets (both on the CPU).
  virtual double score(const torch::Tensor& out, const torch::Tensor& targets) const = 0;
  // Fills the task's part of a prediction line from one row of the raw output (`out`) and of
  // prediction() (`pred`, K floats). Decisions are taken on the raw output: the expression class is
  // the argmax of the logits, which float32 probabilities can tie (logits 2e-10 and 4e-9 give the
  // same probability), so that a prediction line agrees with score() on the same output.
  virtual void fill(const float* out, const float* pred, Prediction& p) const = 0;

  // forward() in evaluation mode as TorchScript source: one "def forward(self, x: Tensor) -> Tensor"
  // (a head with context: "x: Tensor, mask: Tensor", its forward_window; EX with attention: also
  // "p_au: Tensor", the AU probabilities) over the parameters and
  // submodules of module() under their names; a batch norm's epsilon is its attribute "eps"
  // (see script_head.h). mtl-export compiles it into the model; test_heads holds it equal to forward().
  virtual std::string script_forward() const = 0;
  // Submodules of module() whose forward the head's script calls (self.NAME.forward), each with its
  // TorchScript source, compiled before script_forward(): the temporal kinds' encoder and task head.
  virtual std::vector<std::pair<std::string, std::string>> script_children() const { return {}; }
};

// TorchScript text of a batch norm in evaluation mode on `x` with the statistics of submodule `bn`,
// for script_forward().
std::string script_batch_norm(const std::string& x, const std::string& bn);

// The values of a float tensor (on any device), e.g. loss weights for the checkpoint metadata.
std::vector<float> float_values(const torch::Tensor& t);

// A kind of head: an architecture for one task. Each head file defines its own (kAnflHead in
// au_head.cpp, kExHead, kVaHead, the temporal kinds in temporal_head.cpp) and head_kinds() lists them; a new kind is a new file, one line
// there, and its options struct and settings in hyperparameters.{h,cpp}.
struct HeadKind {
  const char* name;         // recorded in a checkpoint whose head is not its task's default kind
  Task task;
  const char* description;  // for --help and messages
  // An untrained head for inputs of in_dim values; std::invalid_argument for bad hyperparameters.
  std::unique_ptr<TaskHead> (*make)(int in_dim, const HeadOptions& options);
  // Its hyperparameters (hyperparameters.h): the trainer's option group and the metadata's keys.
  const std::vector<HeadSetting>& (*settings)();
};

// Every head kind the toolkit knows, the default kind of each task first among that task's.
const std::vector<const HeadKind*>& head_kinds();
// The kind a task's trainer makes unless told otherwise (and that a checkpoint without a kind holds).
const HeadKind& default_head_kind(Task task);
// The kind called `name`, or null.
const HeadKind* find_head_kind(const std::string& name);

// Builds an untrained head of `task` for inputs of in_dim values: of the task's default kind, or of
// its temporal kind when options.temporal.context > 0 (head_kind_name). Throws
// std::invalid_argument for hyperparameters that fail HeadOptions::check.
std::unique_ptr<TaskHead> make_head(Task task, int in_dim, const HeadOptions& options);

// Windows of frames for forward_window: the rows of `frames` [F,D] that `window` [n,W] names
// (-1: no frame) as x [n,W,D], zero where there is no frame, and the mask [n,W] (1 a frame, 0 none).
std::pair<torch::Tensor, torch::Tensor> gather_windows(const torch::Tensor& frames, const torch::Tensor& window);

// The head input for rows of a store: the features, with the logits appended when `with_logits`.
// Throws InputError naming `source` and `checkpoint` when the rows lack logits or give another
// number of values than in_dim.
torch::Tensor head_input(const FeatureRows& rows, bool with_logits, int in_dim, const std::string& source,
                         const std::string& checkpoint);

}  // namespace mtl
