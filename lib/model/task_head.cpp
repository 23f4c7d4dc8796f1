// The registry of head kinds, make_head, and the head input from a store's rows.
#include "mtl/model/task_head.h"

#include "mtl/core/error.h"
#include "mtl/model/au_head.h"
#include "mtl/model/ex_head.h"
#include "mtl/model/temporal_head.h"
#include "mtl/model/va_head.h"

namespace mtl {

Task TaskHead::task() const { return kind().task; }

const std::vector<const HeadKind*>& head_kinds() {
  static const std::vector<const HeadKind*> kinds = {&kAnflHead, &kExHead, &kVaHead, &kAuTemporalHead, &kExTemporalHead,
                                                      &kVaTemporalHead};
  return kinds;
}

const HeadKind& default_head_kind(Task task) {
  for (const HeadKind* k : head_kinds())
    if (k->task == task) return *k;
  throw std::invalid_argument(std::string("no head kind for the task ") + task_name(task));
}

const HeadKind* find_head_kind(const std::string& name) {
  for (const HeadKind* k : head_kinds())
    if (name == k->name) return k;
  return nullptr;
}

std::unique_ptr<TaskHead> make_head(Task task, int in_dim, const HeadOptions& o) {
  const std::string kind = head_kind_name(task, o);
  return (kind.empty() ? default_head_kind(task) : *find_head_kind(kind)).make(in_dim, o);
}

std::string script_batch_norm(const std::string& x, const std::string& bn) {
  const std::string b = "self." + bn;
  return "torch.batch_norm(" + x + ", " + b + ".weight, " + b + ".bias, " + b + ".running_mean, " + b +
         ".running_var, False, 0.0, " + b + ".eps, True)";
}

std::vector<float> float_values(const torch::Tensor& t) {
  auto c = t.to(torch::kCPU, torch::kFloat32).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

std::pair<torch::Tensor, torch::Tensor> gather_windows(const torch::Tensor& frames, const torch::Tensor& window) {
  const int64_t n = window.size(0), w = window.size(1);
  const auto mask = (window >= 0).to(frames.scalar_type());
  auto x = frames.index_select(0, window.clamp_min(0).reshape({-1})).view({n, w, frames.size(1)});
  return {x * mask.unsqueeze(-1), mask};
}

torch::Tensor head_input(const FeatureRows& rows, bool with_logits, int in_dim, const std::string& source,
                         const std::string& checkpoint) {
  const int64_t n = static_cast<int64_t>(rows.size());
  const int have = rows.dim + (with_logits ? rows.logits_dim : 0);
  if (with_logits && rows.logits_dim == 0)
    throw InputError(checkpoint + " was trained on features with the backbone's logits appended, but " + source +
                     " holds no logits");
  if (have != in_dim)
    throw InputError(checkpoint + " expects " + std::to_string(in_dim) + " input values per image, but " + source +
                     " gives " + std::to_string(have) + " (" + std::to_string(rows.dim) + " features" +
                     (with_logits ? " + " + std::to_string(rows.logits_dim) + " logits" : std::string()) + ")");
  if (rows.features.size() != static_cast<size_t>(n) * rows.dim ||
      (with_logits && rows.logits.size() != static_cast<size_t>(n) * rows.logits_dim))
    throw InputError(source + ": " + std::to_string(n) + " rows, but the features or logits hold another count");
  auto f = torch::from_blob(const_cast<float*>(rows.features.data()), {n, rows.dim}, torch::kFloat32);
  if (!with_logits) return f.clone();
  auto l = torch::from_blob(const_cast<float*>(rows.logits.data()), {n, rows.logits_dim}, torch::kFloat32);
  return torch::cat({f, l}, 1);
}

}  // namespace mtl
