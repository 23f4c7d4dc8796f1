// mtl-export: head checkpoints (and a backbone) -> one TorchScript model file; see man mtl-export.
#include <cstdio>

#include "cli.h"
#include "options.h"
#include "mtl/core/error.h"
#include "mtl/core/log.h"
#include "mtl/core/signals.h"
#include "mtl/pipeline/export.h"

int main(int argc, char** argv) {
  return mtl::cli::run("mtl-export", [&] {
    mtl::cli::Parser p("mtl-export", "",
                       "Writes trained heads (and a backbone) as one TorchScript model for torch.jit.load.", 0);
    mtl::ExportOptions o;
    mtl::cli::add_checkpoint_options(p, o.checkpoints);
    p.add()
      ("thresholds", "thresholds file (mtl-formats(5)); default: those stored in the checkpoints, else the AU head's",
       cxxopts::value(o.thresholds))
      ("o,output", "model file to write (required)", cxxopts::value(o.output))
      ("tta", "test-time augmentation: none, or flip (the model returns the mean over its input and the mirror: "
              "images are flipped inside, features of the mirrored images come as forward's last argument)",
       cxxopts::value<std::string>()->default_value("none"));
    const std::string group = "With a backbone (the model then takes images)";
    p.add(group)("backbone", "TorchScript backbone to put in front of the heads", cxxopts::value(o.backbone));
    mtl::cli::add_input_options(p, group, o.pre);
    auto r = p.parse(argc, argv);
    if (o.backbone.empty())
      for (const char* name : {"size", "mean", "std"})
        if (r.count(name))
          throw mtl::UsageError(std::string("--") + name + " is for the backbone's input: give --backbone, or leave it out");
    o.size_from_backbone = mtl::cli::finish_input_options(r, o.pre);
    o.tta_flip = mtl::cli::parse_flip("--tta", r["tta"].as<std::string>());
    mtl::install_stop_signals();  // SIGTERM or SIGINT: exit 128+N, no temporary file left
    const auto res = mtl::run_export(o);
    char diff[32];
    std::snprintf(diff, sizeof diff, "%.3g", res.self_check_max_diff);
    mtl::logging::info("wrote " + o.output + ": " + res.tasks + " from " + res.input +
                       "; self-check: largest difference from the toolkit's heads " + diff);
    return 0;
  });
}
