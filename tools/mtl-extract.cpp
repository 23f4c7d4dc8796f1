// mtl-extract: images -> backbone features in an HDF5 feature store.
#include "mtl/cli.h"
#include "mtl/error.h"
#include "mtl/extract.h"
#include "mtl/runtime.h"

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
      ("image-root", "folder that the listed paths are relative to (cropped_aligned)", cxxopts::value(o.image_root))
      ("skip-bad", "skip unreadable or undecodable images, record them, and go on")
      ("batch", "images per backbone forward", cxxopts::value(o.batch)->default_value("64"))
      ("size", "input size S of the S x S backbone input (224 for B0, 260 for B2)", cxxopts::value(o.pre.size)->default_value("224"))
      ("mean", "normalisation mean, R,G,B", cxxopts::value<std::vector<float>>()->default_value("0.485,0.456,0.406"))
      ("std", "normalisation standard deviation, R,G,B", cxxopts::value<std::vector<float>>()->default_value("0.229,0.224,0.225"))
      ("half", "store features as float16")
      ("input", "annotation file or image list ('-': stdin)", cxxopts::value<std::vector<std::string>>());
    p.positional("input");
    auto r = p.parse(argc, argv);
    if (r.count("input") > 1) throw mtl::UsageError("one input list expected, got " + std::to_string(r.count("input")));
    if (r.count("input")) o.input = r["input"].as<std::vector<std::string>>()[0];
    for (auto [name, dst] : {std::pair{"mean", &o.pre.mean}, std::pair{"std", &o.pre.std}}) {
      auto v = r[name].as<std::vector<float>>();
      if (v.size() != 3) throw mtl::UsageError(std::string("--") + name + " takes three values, R,G,B");
      std::copy(v.begin(), v.end(), dst->begin());
    }
    o.skip_bad = r.count("skip-bad") > 0;
    o.half = r.count("half") > 0;
    o.device = p.common().device;
    o.threads = mtl::set_threads(p.common().threads);
    mtl::cli::install_stop_signals();
    mtl::run_extract(o);
    return 0;
  });
}
