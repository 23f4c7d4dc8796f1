// mtl-export: head checkpoints (and a backbone) -> one TorchScript model file; see man mtl-export.
#include <charconv>
#include <cstdio>

#include "cli.h"
#include "mtl/core/error.h"
#include "mtl/core/log.h"
#include "mtl/pipeline/export.h"

namespace {

// "0.485,0.456,0.406": each float with the fewest digits that read back as the same float.
std::string floats_text(const std::array<float, 3>& v) {
  std::string s;
  for (float f : v) {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, f);
    s += (s.empty() ? "" : ",") + std::string(buf, r.ptr);
  }
  return s;
}

void take_floats(const cxxopts::ParseResult& r, const char* name, std::array<float, 3>& dst) {
  auto v = r[name].as<std::vector<float>>();
  if (v.size() != 3) throw mtl::UsageError(std::string("--") + name + " takes three values, R,G,B");
  std::copy(v.begin(), v.end(), dst.begin());
}

}  // namespace

int main(int argc, char** argv) {
  return mtl::cli::run("mtl-export", [&] {
    mtl::cli::Parser p("mtl-export", "",
                       "Writes trained heads (and a backbone) as one TorchScript model for torch.jit.load.", 0);
    mtl::ExportOptions o;
    p.add()
      ("au", "AU checkpoint (mtl-train-au)", cxxopts::value(o.checkpoints[mtl::Task::AU]))
      ("ex", "EX checkpoint (mtl-train-ex); with attention it needs --au", cxxopts::value(o.checkpoints[mtl::Task::EX]))
      ("va", "VA checkpoint (mtl-train-va)", cxxopts::value(o.checkpoints[mtl::Task::VA]))
      ("thresholds", "thresholds file (mtl-formats(5)); default: the AU head's own threshold",
       cxxopts::value(o.thresholds))
      ("o,output", "model file to write (required)", cxxopts::value(o.output));
    p.add("With a backbone (the model then takes images)")
      ("backbone", "TorchScript backbone to put in front of the heads", cxxopts::value(o.backbone))
      ("size", "input size S of the S x S images (224 for B0, 260 for B2)",
       cxxopts::value(o.pre.size)->default_value(mtl::cli::default_text(o.pre.size)))
      ("mean", "normalisation mean, R,G,B", cxxopts::value<std::vector<float>>()->default_value(floats_text(o.pre.mean)))
      ("std", "normalisation standard deviation, R,G,B",
       cxxopts::value<std::vector<float>>()->default_value(floats_text(o.pre.std)));
    auto r = p.parse(argc, argv);
    take_floats(r, "mean", o.pre.mean);
    take_floats(r, "std", o.pre.std);
    const auto res = mtl::run_export(o);
    char diff[32];
    std::snprintf(diff, sizeof diff, "%.3g", res.self_check_max_diff);
    mtl::logging::info("wrote " + o.output + ": " + res.tasks + " from " + res.input +
                       "; self-check: largest difference from the toolkit's heads " + diff);
    return 0;
  });
}
