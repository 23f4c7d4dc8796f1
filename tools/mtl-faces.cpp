// mtl-faces: videos and photos -> detected, aligned face crops, an image list for mtl-extract,
// and one JSON line per frame on stdout.
#include <malloc.h>

#include <iostream>

#include "cli.h"
#include "mtl/core/error.h"
#include "mtl/core/log.h"
#include "mtl/core/signals.h"
#include "mtl/model/runtime.h"
#include "mtl/pipeline/faces.h"

int main(int argc, char** argv) {
  return mtl::cli::run("mtl-faces", [&] {
    mtl::cli::Parser p("mtl-faces", "[VIDEO|IMAGE|FOLDER|-]...",
                       "Finds the faces in videos and photos with a RetinaFace detector, aligns each face's five "
                       "landmarks onto a template, and writes the crops as OUT/NAME/NNNNN.jpg (Aff-Wild2's layout), "
                       "an image list that mtl-extract reads as it is (OUT/list.txt), and one JSON line per frame on "
                       "stdout (a frame without a face says so).",
                       mtl::cli::kThreads | mtl::cli::kDevice);
    mtl::FacesOptions o;
    std::string faces = "largest", tmpl = "arcface", fit;
    p.add()
      ("detector", "TorchScript face detector (share/mtl/convert_retinaface.py makes one; required)",
       cxxopts::value(o.detector), "DETECTOR.pt")
      ("o,output", "the folder to write the crops to (required); with --fit-template, the template file",
       cxxopts::value(o.output), "OUT")
      ("list", "the image list to write (default: OUT/list.txt; crop paths relative to OUT)", cxxopts::value(o.list), "FILE")
      ("faces", "largest: the largest face of each frame; all: every face, followed across frames, each track "
                "in its own folder OUT/NAME_tK", cxxopts::value(faces)->default_value("largest"), "largest|all")
      ("template", "where the five landmarks go in the crop: arcface (the standard 112x112 template) or a "
                   "template file (see --fit-template)", cxxopts::value(tmpl)->default_value("arcface"), "arcface|FILE")
      ("fit-template", "instead: run the detector over the aligned crops under CROPS (e.g. Aff-Wild2's "
                       "cropped_aligned) and write their mean landmark positions to -o as a template file",
       cxxopts::value(fit), "CROPS")
      ("every", "look at every N-th frame only (1, 1+N, ...)", cxxopts::value(o.every)->default_value("1"), "N")
      ("score", "keep faces the detector scores above X", cxxopts::value(o.detect.score)->default_value("0.95"), "X")
      ("min-face", "drop faces whose box's shorter side is below PX pixels", cxxopts::value(o.detect.min_face)->default_value("0"), "PX")
      ("nms", "drop a face that overlaps a better one by more than this IoU", cxxopts::value(o.detect.nms)->default_value("0.4"), "X")
      ("size", "the detector's input side: frames are scaled to fit it (0: the detector's own, 640)",
       cxxopts::value(o.detect.size)->default_value("0"), "S")
      ("batch", "frames per forward of the detector (0: one per thread on the CPU, at most 4, where larger batches "
                "measured slower; 16 on CUDA)",
       cxxopts::value(o.batch)->default_value("0"), "N")
      ("format", "crop image format", cxxopts::value(o.ext)->default_value("jpg"), "jpg|png")
      ("quality", "JPEG quality of the crops", cxxopts::value(o.quality)->default_value("95"), "Q")
      ("track-gap", "frames looked at that a face may be missing from before its track ends (--faces all)",
       cxxopts::value(o.track_gap)->default_value("30"), "N")
      ("skip-bad", "go on past an unreadable input or a frame that cannot be decoded (reported on stderr)")
      ("no-resume", "make every video again, even those an earlier run of the same settings finished")
      ("input", "videos, images, folders of images ('-': their paths on stdin)", cxxopts::value<std::vector<std::string>>());
    p.positional("input");
    auto r = p.parse(argc, argv);
    if (faces != "largest" && faces != "all") throw mtl::UsageError("--faces must be largest or all, not '" + faces + "'");
    o.all_faces = faces == "all";
    o.skip_bad = r.count("skip-bad") > 0;
    o.resume = r.count("no-resume") == 0;
    o.device = p.common().device;
    o.threads = p.common().threads;
    // The detector's activations (tens of MB a frame) would otherwise be mapped and unmapped by
    // malloc at every frame: their page faults took as much time as the convolutions.
    mallopt(M_MMAP_THRESHOLD, 128 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    if (r.count("fit-template")) {
      if (r.count("input")) throw mtl::UsageError("--fit-template takes no other inputs than its folder");
      for (const char* other : {"faces", "template", "every", "list", "track-gap", "format", "quality", "skip-bad", "no-resume"})
        if (r.count(other))
          throw mtl::UsageError(std::string("--") + other + " does not apply to --fit-template (it reads the crops and writes a template)");
      mtl::FitTemplateOptions f;
      f.detector = o.detector;
      f.crops = fit;
      f.output = o.output;
      f.detect = o.detect;
      f.batch = o.batch > 0 ? o.batch : 8;
      f.device = o.device;
      mtl::set_threads(o.threads);
      mtl::install_stop_signals();
      mtl::run_fit_template(f);
      return 0;
    }
    if (r.count("input")) o.inputs = r["input"].as<std::vector<std::string>>();
    if (o.inputs.empty()) throw mtl::UsageError("no input: give video files, images, folders of images, or - (paths on stdin)");
    if (tmpl != "arcface") o.face_template = mtl::read_face_template(tmpl);
    o.check();
    o.threads = mtl::set_threads(o.threads);
    mtl::install_stop_signals();
    const mtl::FacesResult res = mtl::run_faces(o, std::cout);
    mtl::logging::info(std::to_string(res.videos) + " inputs, " + std::to_string(res.frames) + " frames, " +
                       std::to_string(res.frames_with_face) + " with a face, " + std::to_string(res.crops) + " crops" +
                       (res.resumed ? " (" + std::to_string(res.resumed) + " inputs finished by an earlier run)" : "") +
                       (res.skipped ? "; " + std::to_string(res.skipped) + " frames skipped" : ""));
    return 0;
  });
}
