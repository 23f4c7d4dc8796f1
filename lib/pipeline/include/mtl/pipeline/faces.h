// mtl-faces: videos and photos -> detected, aligned face crops in Aff-Wild2's layout
// (OUT/NAME/NNNNN.jpg), an image list that mtl-extract reads as it is, and one JSON line per frame
// (mtl/core/face_lines.h). The header is free of LibTorch.
#pragma once
#include <ostream>
#include <string>
#include <vector>

#include "mtl/core/face_lines.h"
#include "mtl/vision/face_detector.h"

namespace mtl {

struct FacesOptions {
  std::string detector;             // TorchScript detector (convert_retinaface.py)
  std::vector<std::string> inputs;  // video files, image files, folders of images; "-": paths on stdin
  std::string output;               // the folder of crops
  std::string list;                 // the image list to write ("": OUTPUT/list.txt)
  bool all_faces = false;           // --faces all: every face, followed across frames; else the largest
  FaceTemplate face_template = arcface_template();
  long every = 1;                   // keep frames 1, 1 + every, ...
  DetectOptions detect;
  int batch = 0;                    // frames per forward of the detector (0: one per thread on the CPU, at most 4; 16 on CUDA)
  int threads = 0;                  // the detector's and the crop writing's (0: the CPUs this process may use)
  std::string device = "auto";
  bool skip_bad = false;            // go on past unreadable inputs and undecodable frames
  std::string ext = "jpg";          // crop format: jpg or png
  int quality = 95;                 // JPEG quality
  long track_gap = 30;              // frames a track may miss before it ends (--faces all)
  bool resume = true;               // keep the videos a previous run of the same settings finished
  // Checks the values that need no file. Throws UsageError naming the option.
  void check() const;
};

struct FacesResult {
  long videos = 0, frames = 0, frames_with_face = 0, crops = 0, resumed = 0, skipped = 0;
};

// The whole of mtl-faces. Each input is one video (a folder of images is one, its images in name
// order as its frames; a photo is a video of one frame without a time). The inputs' names (file
// name without extension, or folder name) name the crop folders and must differ. Frames are decoded
// on a thread and detected in batches; memory holds a few batches whatever a video's length. Each
// video's lines are written to `lines` as they are made and kept in OUTPUT/.mtl-faces/NAME.jsonl
// once the video is whole, so that a rerun of the same command after a kill goes on from the
// videos it finished (it prints their lines again) and redoes the one it was in. The list file is
// written at the end, atomically. Throws InputError naming the file (and the frame) for an
// unreadable input or an undecodable frame unless o.skip_bad; Interrupted on a stop signal.
FacesResult run_faces(const FacesOptions& o, std::ostream& lines);

struct FitTemplateOptions {
  std::string detector;
  std::string crops;   // a folder of aligned crops (searched recursively)
  std::string output;  // the template file
  DetectOptions detect;
  int batch = 8;
  std::string device = "auto";
};

// mtl-faces --fit-template: the mean landmark positions of the largest face the detector finds in
// each crop under o.crops (each crop is padded to twice its size first, so that a face filling
// it is found), in the pixels of a crop of the first crop's size; crops of another size are scaled
// to it. Writes the template file (mtl-formats(5)) atomically and returns it. Throws InputError
// when there are no images or no faces.
FaceTemplate run_fit_template(const FitTemplateOptions& o);

}  // namespace mtl
