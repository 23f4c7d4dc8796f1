// mtl-bench: the toolkit's side of the benchmarks in bench/run.sh, and their inputs.
//   mtl-bench forward BACKBONE.pt THREADS BATCH REPS [cpu|cuda [fp16] [channels-last] [no-optimize]]
//       the bare forward rate of mtl::Backbone on preloaded batches (the extraction ceiling): one
//       JSON line {"images_per_s": ...}, the median over REPS timed batches after two warm-up ones
//   mtl-bench store OUT.h5 ROWS DIM
//       a feature store of ROWS random float32 features with AU, EX and VA labels that depend on them
//   mtl-bench images DIR N
//       N random 112 x 112 JPEG face-crop stand-ins in DIR, and DIR/list.txt naming them
// No LibTorch headers: the backbone is reached through mtl_vision.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "mtl/core/feature_store.h"
#include "mtl/model/runtime.h"
#include "mtl/vision/backbone.h"
#include "mtl/vision/image.h"

namespace {

int forward_rate(int argc, char** argv) {
  if (argc < 6) throw std::invalid_argument("forward BACKBONE THREADS BATCH REPS [cpu|cuda [fp16] [channels-last]]");
  mtl::set_threads(std::stoi(argv[3]));
  mtl::BackboneOptions o;
  o.device = argc > 6 ? argv[6] : "cpu";
  for (int i = 7; i < argc; ++i) {
    o.fp16 |= std::string(argv[i]) == "fp16";
    o.channels_last |= std::string(argv[i]) == "channels-last";
    o.optimize &= std::string(argv[i]) != "no-optimize";
  }
  const int batch = std::stoi(argv[4]), reps = std::stoi(argv[5]);
  mtl::Backbone net(argv[2], o);
  mtl::HostBuffer in = net.host_buffer(batch);
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  for (size_t i = 0; i < in.size(); ++i) in.data()[i] = normal(rng);
  std::vector<float> f, l;
  std::vector<double> secs;
  for (int r = 0; r < reps + 2; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    net.forward(in.data(), batch, f, l);
    if (r >= 2) secs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(secs.begin(), secs.end());
  std::printf("{\"images_per_s\": %.3f}\n", batch / secs[secs.size() / 2]);
  return 0;
}

int store(int argc, char** argv) {
  if (argc < 5) throw std::invalid_argument("store OUT.h5 ROWS DIM");
  const size_t rows = std::stoul(argv[3]);
  const int dim = std::stoi(argv[4]);
  mtl::StoreInfo info;
  info.backbone = "random";
  info.backbone_sha256 = std::string(64, '0');
  info.input_size = 224;
  info.feature_dim = dim;
  info.labelled = true;
  info.toolkit_version = "bench";
  info.input_sha256 = "random-" + std::to_string(rows);
  mtl::FeatureStoreWriter w(argv[2], info, false);
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  const size_t chunk = 4096;
  for (size_t s = 0; s < rows; s += chunk) {
    mtl::FeatureRows r;
    r.dim = dim;
    for (size_t i = s; i < std::min(rows, s + chunk); ++i) {
      r.image.push_back("v" + std::to_string(i / 1000) + "/" + std::to_string(i % 1000) + ".jpg");
      mtl::Labels l;
      float sum = 0;
      for (int d = 0; d < dim; ++d) {
        const float x = normal(rng);
        r.features.push_back(x);
        if (d < 64) sum += x * ((d % 3) - 1);
      }
      for (int a = 0; a < mtl::kNumAU; ++a) l.au[a] = r.features[(i - s) * dim + a] > 0.5f * (a % 3);
      l.ex = static_cast<int8_t>(static_cast<int>(std::fabs(sum) * 2) % 8);
      l.va = {std::tanh(sum / 8), std::tanh(r.features[(i - s) * dim + 20])};
      r.labels.push_back(l);
    }
    w.append(r, std::min(rows, s + chunk));
  }
  w.finish();
  return 0;
}

int images(int argc, char** argv) {
  if (argc < 4) throw std::invalid_argument("images DIR N");
  const std::string dir = argv[2];
  const int n = std::stoi(argv[3]);
  std::FILE* list = std::fopen((dir + "/list.txt").c_str(), "w");
  if (!list) throw std::runtime_error(dir + "/list.txt: cannot create");
  std::mt19937 rng(2);
  std::uniform_real_distribution<float> u(0, 1);
  std::vector<uint8_t> px(112 * 112 * 3);
  for (int i = 0; i < n; ++i) {
    const float fx = 0.02f + 0.1f * u(rng), fy = 0.02f + 0.1f * u(rng), ph = 6.3f * u(rng);
    for (int y = 0; y < 112; ++y)
      for (int x = 0; x < 112; ++x)
        for (int c = 0; c < 3; ++c)
          px[(y * 112 + x) * 3 + c] = static_cast<uint8_t>(
              127 + 100 * std::sin(fx * x * (c + 1) + fy * y + ph) + 20 * (u(rng) - 0.5f));
    const std::string name = "img" + std::to_string(i) + ".jpg";
    mtl::write_jpeg(dir + "/" + name, px.data(), 112, 112, 90);
    std::fprintf(list, "%s\n", name.c_str());
  }
  return std::fclose(list) == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string cmd = argc > 1 ? argv[1] : "";
    if (cmd == "forward") return forward_rate(argc, argv);
    if (cmd == "store") return store(argc, argv);
    if (cmd == "images") return images(argc, argv);
    std::cerr << "usage: mtl-bench forward|store|images ... (see bench/mtl-bench.cpp)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "mtl-bench: " << e.what() << "\n";
    return 1;
  }
}
