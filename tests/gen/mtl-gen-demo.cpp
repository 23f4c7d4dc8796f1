// mtl-gen-demo: writes a small, seeded, s-Aff-Wild2-shaped data set and a TorchScript backbone,
// so that the demo and the tests need nothing from outside.
//
//   DIR/cropped_aligned/<video>/<frame>.jpg   112x112 face crops whose pixels depend on the labels
//   DIR/train.txt, DIR/val.txt                 ABAW MTL annotation files (disjoint videos)
//   DIR/backbone.pt                            TorchScript: [B,3,S,S] -> (features [B,D], logits [B,8])
//
// Labels: expressions run in segments of frames; AUs co-occur with expressions (AU6+AU12+AU25 with
// happiness, AU1+AU2+AU26 with surprise, ...); valence/arousal follow the expression; each task
// has its own rate of missing labels. Pixels: each AU brightens its own facial region, the
// expression tints the face, valence and arousal shade it; plus noise and JPEG compression.
// These pixels are not mirror-symmetric: valence shades left against right, and each AU of a
// left-right pair (AU1/AU2, AU6/AU7, AU12/AU15, AU25/AU26) lights one side, so a flipped crop
// shows other labels. With --mirror-safe a flip keeps the labels, as on real faces: valence shades
// the sides against the middle, and each AU lights its region and the mirror of it in a colour
// channel of its own (the two AUs of a pair in different channels).
#include <torch/script.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <sys/stat.h>

#include "cli.h"
#include "mtl/core/error.h"
#include "mtl/core/log.h"
#include "mtl/core/memory.h"
#include "mtl/vision/image.h"
#include "mtl/core/labels.h"

namespace {

using mtl::kNumAU;
using mtl::kNumEX;

// P(AU present | expression), rows: Neutral Anger Disgust Fear Happiness Sadness Surprise Other;
// columns: AU1 AU2 AU4 AU6 AU7 AU10 AU12 AU15 AU23 AU24 AU25 AU26.
const double kAuGivenEx[kNumEX][kNumAU] = {
    {.05, .04, .08, .05, .10, .04, .06, .04, .05, .05, .10, .05},
    {.10, .08, .80, .20, .70, .30, .05, .10, .60, .55, .30, .15},
    {.10, .05, .65, .35, .50, .75, .05, .30, .20, .20, .35, .15},
    {.75, .55, .65, .10, .30, .15, .05, .20, .15, .10, .70, .40},
    {.08, .06, .04, .85, .45, .40, .92, .03, .05, .05, .75, .30},
    {.65, .15, .70, .15, .25, .10, .03, .70, .15, .25, .10, .05},
    {.85, .80, .10, .05, .05, .05, .10, .03, .03, .03, .85, .75},
    {.20, .15, .25, .20, .25, .20, .20, .15, .15, .15, .30, .20}};
const double kExPrior[kNumEX] = {.30, .06, .04, .05, .22, .12, .09, .12};
const double kValence[kNumEX] = {0.0, -0.6, -0.5, -0.45, 0.6, -0.5, 0.15, 0.0};
const double kArousal[kNumEX] = {0.05, 0.6, 0.3, 0.65, 0.4, -0.25, 0.7, 0.15};
// Tint (B, G, R) of each expression.
const int kTint[kNumEX][3] = {{0, 0, 0},     {-20, -20, 35}, {-15, 30, -10}, {30, 10, -15},
                              {-10, 25, 30}, {35, -10, -20}, {25, 25, -20}, {10, -10, 10}};
// Top-left corner (x, y) of each AU's 18x18 region in the 112x112 crop: brows, eyes, cheeks, nose, mouth, jaw.
const int kAuRegion[kNumAU][2] = {{30, 14}, {64, 14}, {47, 24}, {18, 44}, {76, 44}, {47, 46},
                                  {20, 70}, {74, 70}, {47, 64}, {47, 78}, {30, 88}, {64, 92}};

struct Frame {
  std::string path;
  mtl::Labels labels;
};

int sample(std::mt19937_64& rng, const double* p, int n) {
  std::discrete_distribution<int> d(p, p + n);
  return d(rng);
}

void mkdirs(const std::string& path) {
  for (size_t i = 1; i <= path.size(); ++i)
    if (i == path.size() || path[i] == '/') mkdir(path.substr(0, i).c_str(), 0755);
}

// Draws one video's frames: labels first, then pixels from the labels.
// A share `degraded` of the frames is drawn degraded (as by motion blur or a bad exposure): their
// pixel noise is 6 times stronger, their labels unchanged. At 0 no random number is drawn for it,
// so the default data set stays as it was.
std::vector<Frame> make_video(std::mt19937_64& rng, const std::string& root, const std::string& video, int frames,
                              double degraded, bool mirror_safe) {
  std::uniform_real_distribution<double> U(0, 1);
  std::normal_distribution<double> N(0, 1);
  const int skin[3] = {static_cast<int>(90 + 60 * U(rng)), static_cast<int>(110 + 50 * U(rng)),
                       static_cast<int>(150 + 60 * U(rng))};
  mkdirs(root + "/" + video);
  std::vector<Frame> out;
  int ex = sample(rng, kExPrior, kNumEX), left = 0;
  std::vector<uint8_t> img(112 * 112 * 3);
  for (int f = 0; f < frames; ++f) {
    if (left-- <= 0) {  // a new expression segment of 5-20 frames
      ex = sample(rng, kExPrior, kNumEX);
      left = 5 + static_cast<int>(U(rng) * 15);
    }
    Frame fr;
    char name[32];
    std::snprintf(name, sizeof name, "%05d.jpg", f + 1);
    fr.path = video + "/" + name;
    std::array<int, kNumAU> au{};
    for (int i = 0; i < kNumAU; ++i) au[i] = U(rng) < kAuGivenEx[ex][i];
    double v = std::clamp(kValence[ex] + 0.15 * N(rng), -1.0, 1.0);
    double a = std::clamp(kArousal[ex] + 0.15 * N(rng), -1.0, 1.0);
    const double noise = degraded > 0 && U(rng) < degraded ? 72 : 12;
    // Pixels: skin, a tint by expression, shading by valence (left-right) and arousal (top-bottom),
    // AU regions brightened, noise.
    for (int y = 0; y < 112; ++y)
      for (int x = 0; x < 112; ++x) {
        double dx = (x - 55.5) / 50, dy = (y - 55.5) / 58;
        bool face = dx * dx + dy * dy <= 1;
        for (int c = 0; c < 3; ++c) {
          double p = face ? skin[c] + 0.8 * kTint[ex][c] : 40 + 20 * c;
          p += (mirror_safe ? 30 * v * (2 * std::abs(x - 55.5) / 56 - 1) : 30 * v * (x - 55.5) / 56) + 30 * a * (y - 55.5) / 56;
          p += noise * N(rng);
          img[(y * 112 + x) * 3 + c] = static_cast<uint8_t>(std::clamp(p, 0.0, 255.0));
        }
      }
    for (int i = 0; i < kNumAU; ++i) {
      if (!au[i]) continue;
      for (int y = kAuRegion[i][1]; y < kAuRegion[i][1] + 18; ++y)
        for (int x = kAuRegion[i][0]; x < kAuRegion[i][0] + 18; ++x)
          for (int c = 0; c < 3; ++c) {
            if (mirror_safe) {  // the region and its mirror, in channel i % 3 (a pair's AUs differ by one)
              if (c != i % 3) continue;
              const double lift = 60 + 10 * N(rng);
              for (int xx : {x, 111 - x}) {
                auto& px = img[(y * 112 + xx) * 3 + c];
                px = static_cast<uint8_t>(std::clamp(px + lift, 0.0, 255.0));
              }
              continue;
            }
            auto& px = img[(y * 112 + x) * 3 + c];
            px = static_cast<uint8_t>(std::clamp(px + 45 + 10 * N(rng), 0.0, 255.0));
          }
    }
    mtl::write_jpeg(root + "/" + fr.path, img.data(), 112, 112, 90);
    // Missing labels, at rates like s-Aff-Wild2's.
    if (U(rng) >= 0.15)
      for (int i = 0; i < kNumAU; ++i) fr.labels.au[i] = static_cast<int8_t>(au[i]);
    if (U(rng) >= 0.20) fr.labels.ex = static_cast<int8_t>(ex);
    if (U(rng) >= 0.05) fr.labels.va = {static_cast<float>(v), static_cast<float>(a)};
    out.push_back(fr);
  }
  return out;
}

void write_annotations(const std::string& path, const std::vector<Frame>& frames) {
  std::ofstream o(path);
  o << "image,valence,arousal,expression";
  for (auto n : mtl::au_names()) o << "," << n;
  o << "\n";
  for (const auto& f : frames) {
    char buf[64];
    std::snprintf(buf, sizeof buf, ",%.4f,%.4f,%d", f.labels.va[0], f.labels.va[1], f.labels.ex);
    o << f.path << buf;
    for (auto a : f.labels.au) o << "," << int(a);
    o << "\n";
  }
  if (!o.flush()) throw mtl::OutputError(path + ": cannot write");
}

// A small fixed backbone: 8x8 average pooling of the normalised input, a random projection with
// ReLU to D features, and 8 logits from the features.
void write_backbone(const std::string& path, int dim, bool with_logits, uint64_t seed) {
  torch::manual_seed(seed);
  torch::jit::Module m("DemoBackbone");
  m.register_parameter("w1", torch::randn({192, dim}) / std::sqrt(192.0), false);
  m.register_parameter("b1", 0.1 * torch::randn({dim}), false);
  m.register_parameter("w2", torch::randn({dim, kNumEX}) / std::sqrt(static_cast<double>(dim)), false);
  m.register_parameter("b2", torch::zeros({kNumEX}), false);
  std::string ret = with_logits ? "return (f, torch.matmul(f, self.w2) + self.b2)" : "return f";
  m.define(R"(
def forward(self, x):
    b = x.size(0)
    s = x.size(2)
    p = torch.adaptive_avg_pool1d(x.reshape(b * 3, s, x.size(3)), 8)
    p = torch.adaptive_avg_pool1d(p.transpose(1, 2), 8).reshape(b, 192)
    f = torch.relu(torch.matmul(p, self.w1) + self.b1)
    )" + ret + "\n");
  m.save(path);
}

}  // namespace

int main(int argc, char** argv) {
  return mtl::cli::run("mtl-gen-demo", [&] {
    mtl::cli::Parser p("mtl-gen-demo", "", "Writes a small seeded s-Aff-Wild2-shaped data set and a TorchScript backbone.",
                       mtl::cli::kSeed);
    std::string out;
    int train_videos, val_videos, frames, dim;
    double degraded;
    p.add()
      ("o,out,output", "folder to write the data set to (required; --out is accepted too)", cxxopts::value(out))
      ("train-videos", "videos in the training split", cxxopts::value(train_videos)->default_value("8"))
      ("val-videos", "videos in the validation split", cxxopts::value(val_videos)->default_value("3"))
      ("frames", "frames per video", cxxopts::value(frames)->default_value("80"))
      ("feature-dim", "features D of the backbone", cxxopts::value(dim)->default_value("256"))
      ("degraded", "share of frames drawn with 6 times the pixel noise (labels unchanged)",
       cxxopts::value(degraded)->default_value("0"), "P")
      ("features-only", "the backbone returns features only, no logits")
      ("mirror-safe", "draw faces whose labels a left-right flip keeps (valence shades the sides, each AU lights "
                      "its region and the mirror of it), for measuring flips; the default faces are one-sided");
    auto r = p.parse(argc, argv);
    if (out.empty()) throw mtl::UsageError("--output is required");
    if (!(degraded >= 0 && degraded <= 1)) throw mtl::UsageError("--degraded: a share from 0 to 1");
    if (dim < 1) throw mtl::UsageError("--feature-dim must be positive");
    // The backbone's weights ([192, D] and [D, 8], each made twice) must fit before LibTorch allocates them.
    const double backbone_bytes = 4.0 * 2 * (192.0 + 1 + kNumEX) * dim;
    const size_t total = mtl::total_memory();  // 0: unknown, not checked
    if (total > 0 && backbone_bytes > static_cast<double>(total))
      throw mtl::UsageError("--feature-dim " + std::to_string(dim) + ": the backbone would need about " +
                            mtl::format_size(static_cast<size_t>(backbone_bytes)) + " of memory, more than the " +
                            mtl::format_size(total) + " this machine has");
    std::mt19937_64 rng(p.common().seed);
    const std::string root = out + "/cropped_aligned";
    mkdirs(root);
    std::vector<Frame> train, val;
    for (int v = 0; v < train_videos + val_videos; ++v) {
      char name[16];
      std::snprintf(name, sizeof name, "%d-%d", 100 + v, 1 + v % 3);
      auto frames_v = make_video(rng, root, name, frames, degraded, r.count("mirror-safe") > 0);
      auto& dst = v < train_videos ? train : val;
      dst.insert(dst.end(), frames_v.begin(), frames_v.end());
    }
    write_annotations(out + "/train.txt", train);
    write_annotations(out + "/val.txt", val);
    write_backbone(out + "/backbone.pt", dim, r.count("features-only") == 0, p.common().seed);
    mtl::logging::info("wrote " + std::to_string(train.size()) + " training and " + std::to_string(val.size()) +
                   " validation images, annotations and backbone.pt to " + out);
    return 0;
  });
}
