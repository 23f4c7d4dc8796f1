// mtl-extract: images -> backbone features in an HDF5 feature store.
#include "cli.h"
#include "mtl/core/error.h"
#include "mtl/core/shard.h"
#include "mtl/core/signals.h"
#include "mtl/model/runtime.h"
#include "mtl/pipeline/extract.h"
#include "options.h"

int main(int argc, char** argv) {
  return mtl::cli::run("mtl-extract", [&] {
    mtl::cli::Parser p("mtl-extract", "[ANNOTATIONS|LIST|-]",
                       "Runs a frozen TorchScript backbone over face crops and writes their features, paths and "
                       "labels to an HDF5 feature store.",
                       mtl::cli::kThreads | mtl::cli::kDevice);
    mtl::ExtractOptions o;
    p.add()
      ("backbone", "TorchScript backbone file (required)", cxxopts::value(o.backbone))
      ("o,output", "feature store to write (required)", cxxopts::value(o.output))
      ("half", "store features as float16")
      ("mirror", "also store the features and logits of each image flipped left to right (for the trainers' "
                 "--augment flip and mtl-predict's --tta flip); the backbone runs twice per image")
      ("shard", "extract only shard I of N of the input list (I/N); inside a Slurm job array the default is "
                "the array task's shard", cxxopts::value<std::string>())
      ("no-resume", "start afresh even when an interrupted run left a matching OUTPUT.part")
      ("input", "annotation file or image list ('-': stdin)", cxxopts::value<std::vector<std::string>>());
    mtl::cli::add_image_options(p, "Image", o);
    p.positional("input");
    auto r = p.parse(argc, argv);
    if (r.count("input") > 1) throw mtl::UsageError("one input list expected, got " + std::to_string(r.count("input")));
    if (r.count("input")) o.input = r["input"].as<std::vector<std::string>>()[0];
    mtl::cli::finish_image_options(r, o);
    o.half = r.count("half") > 0;
    o.mirror = r.count("mirror") > 0;
    o.resume = r.count("no-resume") == 0;
    if (r.count("shard")) o.shard = mtl::parse_shard(r["shard"].as<std::string>());
    else if (auto s = mtl::slurm_array_shard()) o.shard = *s;
    o.device = p.common().device;
    if (p.common().deterministic) mtl::set_deterministic();
    o.threads = mtl::set_threads(p.common().threads);
    mtl::install_stop_signals();
    mtl::run_extract(o);
    return 0;
  });
}
