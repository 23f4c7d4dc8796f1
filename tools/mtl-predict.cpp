// mtl-predict: feature stores (or images through a backbone) + head checkpoints -> JSON lines on stdout.
#include <iostream>

#include "mtl/cli.h"
#include "mtl/error.h"
#include "mtl/predict.h"

int main(int argc, char** argv) {
  return mtl::cli::run("mtl-predict", [&] {
    mtl::cli::Parser p("mtl-predict", "FEATS.h5... | --backbone TS.pt LIST...",
                       "Predicts action units, expression and valence-arousal with any subset of the trained heads "
                       "and writes one JSON object per image to stdout.",
                       mtl::cli::kThreads | mtl::cli::kDevice);
    mtl::PredictOptions o;
    p.add()
      ("au", "AU checkpoint (mtl-train-au)", cxxopts::value(o.au))
      ("ex", "EX checkpoint (mtl-train-ex); with attention it needs --au", cxxopts::value(o.ex))
      ("va", "VA checkpoint (mtl-train-va)", cxxopts::value(o.va))
      ("inputs", "feature stores, or image lists with --backbone", cxxopts::value(o.inputs));
    p.add("From images")
      ("backbone", "TorchScript backbone: read images from lists instead of feature stores", cxxopts::value(o.backbone))
      ("image-root", "folder that the listed paths are relative to", cxxopts::value(o.image_root))
      ("size", "backbone input size S", cxxopts::value(o.pre.size)->default_value("224"))
      ("skip-bad", "skip unreadable images")
      ("batch", "images per backbone forward", cxxopts::value(o.batch)->default_value("64"));
    p.positional("inputs");
    auto r = p.parse(argc, argv);
    o.skip_bad = r.count("skip-bad") > 0;
    o.threads = p.common().threads;
    o.device = p.common().device;
    mtl::cli::install_stop_signals();
    mtl::run_predict(o, std::cout);
    return 0;
  });
}
