// mtl-predict: feature stores (or images through a backbone) + head checkpoints -> JSON lines on stdout.
#include <iostream>

#include "cli.h"
#include "mtl/core/error.h"
#include "mtl/core/signals.h"
#include "mtl/model/runtime.h"
#include "mtl/pipeline/predict.h"
#include "options.h"

int main(int argc, char** argv) {
  return mtl::cli::run("mtl-predict", [&] {
    mtl::cli::Parser p("mtl-predict", "FEATS.h5... | --backbone TS.pt LIST...",
                       "Predicts action units, expression and valence-arousal with any subset of the trained heads "
                       "and writes one JSON object per image to stdout.",
                       mtl::cli::kThreads | mtl::cli::kDevice);
    mtl::PredictOptions o;
    mtl::cli::add_checkpoint_options(p, o.checkpoints);
    p.add()
      ("thresholds", "thresholds file (mtl-tune) to decide with; default: those stored in the checkpoints",
       cxxopts::value(o.thresholds), "FILE")
      ("untuned", "ignore thresholds stored in the checkpoints: each AU at its head's threshold, EX argmax",
       cxxopts::value(o.untuned))
      ("chunk-rows", "store rows predicted at a time; heads with temporal context read the frames of these "
                     "rows' windows with them (memory grows with it, the lines do not change)",
       cxxopts::value(o.chunk_rows)->default_value("4096"), "N")
      ("tta", "test-time augmentation: none, or flip (each probability and VA value the mean over the image "
              "and its mirror; stores need mtl-extract --mirror)", cxxopts::value<std::string>()->default_value("none"))
      ("inputs", "feature stores, or image lists with --backbone", cxxopts::value(o.inputs));
    p.add("Image input")("backbone", "TorchScript backbone: read images from lists instead of feature stores",
                         cxxopts::value(o.images.backbone));
    mtl::cli::add_image_options(p, "Image input", o.images);
    p.positional("inputs");
    auto r = p.parse(argc, argv);
    mtl::cli::finish_image_options(r, o.images);
    o.tta_flip = mtl::cli::parse_flip("--tta", r["tta"].as<std::string>());
    o.threads = p.common().threads;
    o.device = p.common().device;
    if (p.common().deterministic) mtl::set_deterministic();
    mtl::install_stop_signals();
    mtl::run_predict(o, std::cout);
    return 0;
  });
}
