// A trained head as a TorchScript module (see script_head.h).
#include "mtl/model/script_head.h"

namespace mtl {
namespace {

// A torch::jit::Module holding the parameters and buffers of `m` under the same names, with a
// submodule per child and the batch-norm epsilon as an attribute "eps".
torch::jit::Module mirror(torch::nn::Module& m, const std::string& cls, const std::shared_ptr<torch::jit::CompilationUnit>& cu) {
  torch::jit::Module j(c10::QualifiedName("__torch__.mtl_export." + cls), cu, /*shouldMangle=*/true);
  j.register_attribute("training", c10::BoolType::get(), false);
  for (const auto& t : m.named_parameters(/*recurse=*/false))
    j.register_parameter(t.key(), t.value().detach().to(torch::kCPU).clone(), /*is_buffer=*/false);
  for (const auto& t : m.named_buffers(/*recurse=*/false)) j.register_buffer(t.key(), t.value().detach().to(torch::kCPU).clone());
  if (auto* bn = dynamic_cast<torch::nn::BatchNorm1dImpl*>(&m))
    j.register_attribute("eps", c10::FloatType::get(), bn->options.eps());
  for (const auto& c : m.named_children()) j.register_module(c.key(), mirror(*c.value(), cls + "_" + c.key(), cu));
  return j;
}

}  // namespace

torch::jit::Module script_head(TaskHead& head, const std::string& cls,
                               const std::shared_ptr<torch::jit::CompilationUnit>& cu) {
  torch::jit::Module j = mirror(head.module(), cls, cu);
  for (const auto& [child, source] : head.script_children()) j.attr(child).toModule().define(source);
  j.define(head.script_forward());
  j.eval();
  return j;
}

}  // namespace mtl
