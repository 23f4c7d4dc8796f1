// The label sets of the ABAW multi-task challenge: 12 action units, 8 expressions, valence/arousal.
#pragma once
#include <array>
#include <cstdint>
#include <string>

namespace mtl {

constexpr int kNumAU = 12;
constexpr int kNumEX = 8;

// AU names in the order of the annotation file's columns and of every array the toolkit writes.
inline const std::array<const char*, kNumAU>& au_names() {
  static const std::array<const char*, kNumAU> n = {"AU1",  "AU2",  "AU4",  "AU6",  "AU7",  "AU10",
                                                    "AU12", "AU15", "AU23", "AU24", "AU25", "AU26"};
  return n;
}

// Expression names indexed by their code in the annotation file.
inline const std::array<const char*, kNumEX>& ex_names() {
  static const std::array<const char*, kNumEX> n = {"Neutral",   "Anger",   "Disgust",  "Fear",
                                                    "Happiness", "Sadness", "Surprise", "Other"};
  return n;
}

// Sentinels for a missing label, as in the annotation file.
constexpr int8_t kMissingAU = -1;
constexpr int8_t kMissingEX = -1;
constexpr float kMissingVA = -5.0f;

// The labels of one image; any part may be missing.
struct Labels {
  std::array<int8_t, kNumAU> au;  // 0/1, or -1 missing
  int8_t ex = kMissingEX;         // 0..7, or -1 missing
  std::array<float, 2> va = {kMissingVA, kMissingVA};  // valence, arousal in [-1,1], or -5
  Labels() { au.fill(kMissingAU); }
  // True when all 12 AUs are labelled.
  bool has_au() const {
    for (auto a : au)
      if (a < 0) return false;
    return true;
  }
  bool has_ex() const { return ex >= 0; }
  bool has_va() const { return va[0] != kMissingVA && va[1] != kMissingVA; }
};

}  // namespace mtl
