// Joining predictions with the truth and reporting the scores.
#include "mtl/core/score.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <string_view>
#include <nlohmann/json.hpp>

#include "mtl/core/annotations.h"
#include "mtl/core/error.h"
#include "mtl/core/feature_store.h"

namespace mtl {

void Truth::reserve(size_t n) {
  images_.reserve(n);
  labels_.reserve(n);
  size_t want = 16;
  while (want < 2 * n) want *= 2;
  if (want <= slots_.size()) return;
  slots_.assign(want, 0);
  for (size_t row = 0; row < images_.size(); ++row) slots_[slot_of(images_[row])] = static_cast<uint32_t>(row + 1);
}

size_t Truth::slot_of(std::string_view image) const {
  const size_t mask = slots_.size() - 1;
  for (size_t i = std::hash<std::string_view>()(image) & mask;; i = (i + 1) & mask)
    if (slots_[i] == 0 || images_[slots_[i] - 1] == image) return i;
}

const std::string* Truth::add(std::string image, const Labels& l) {
  if (2 * (images_.size() + 1) > slots_.size()) reserve(std::max<size_t>(16, 2 * images_.size()));
  const size_t slot = slot_of(image);
  if (slots_[slot]) return &images_[slots_[slot] - 1];
  images_.push_back(std::move(image));
  labels_.push_back(l);
  slots_[slot] = static_cast<uint32_t>(images_.size());
  return nullptr;
}

long Truth::find(std::string_view image) const {
  if (slots_.empty()) return -1;
  const uint32_t s = slots_[slot_of(image)];
  return s ? static_cast<long>(s) - 1 : -1;
}

Truth read_truth(const std::string& path) {
  Truth t;
  t.source = path;
  if (path != "-" && (is_hdf5_file(path) || joined_store_parts(path).size() > 1)) {  // a store, or stores joined with '+'
    FeatureStoreReader store(path);
    FeatureRows rows = store.read_all(/*with_features=*/false);
    t.reserve(rows.size());
    for (size_t i = 0; i < rows.size(); ++i)
      if (t.add(rows.image[i], rows.labels[i]))
        throw InputError(path + ": image '" + rows.image[i] + "' appears twice");
    return t;
  }
  InputList list = read_input_list(path);
  if (!list.labelled)
    throw InputError(path + ": not an annotation file (its first line must start with 'image,') or a feature store");
  t.reserve(list.images.size());
  for (auto& img : list.images)
    if (const std::string* dup = t.add(std::move(img.path), img.labels))
      throw InputError(path + ":" + std::to_string(img.line) + ": image '" + *dup + "' appears twice");
  return t;
}

ScoreReport score(const std::vector<Prediction>& preds, const Truth& truth, const std::string& pred_name) {
  ScoreReport r;
  ScoreAccumulator acc;
  // The line each image was predicted on: per truth row, and in a map for the images without truth.
  std::vector<int> predicted_on(truth.size(), 0);
  std::unordered_map<std::string_view, int> unmatched;
  for (const auto& p : preds) {
    const long t = truth.find(p.image);
    int& first = t < 0 ? unmatched.emplace(p.image, 0).first->second : predicted_on[t];
    if (first)
      throw InputError(pred_name + ":" + std::to_string(p.line) + ": image '" + p.image +
                       "' was already predicted on line " + std::to_string(first - 1));
    first = p.line + 1;  // 0: not predicted yet
    ++r.predictions;
    if (t < 0) {
      ++r.predictions_without_truth;
      continue;
    }
    ++r.matched;
    const Labels& l = truth.labels(t);
    if (p.au) {
      bool any = false;
      for (auto a : l.au) any |= a >= 0;
      if (any) acc.add_au(l.au, *p.au);
    }
    if (p.ex && l.has_ex()) acc.add_ex(l.ex, *p.ex);
    if (p.va && l.has_va()) acc.add_va(l.va, {(*p.va)[0], (*p.va)[1]});
  }
  r.truth_without_predictions = truth.size() - r.matched;
  r.scores = acc.compute();
  return r;
}

namespace {
std::string fmt(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.4f", v);
  return b;
}
std::string opt(const std::optional<double>& v) { return v ? fmt(*v) : "absent"; }
}  // namespace

std::string format_table(const ScoreReport& r) {
  const Scores& s = r.scores;
  std::string o;
  o += "task  score   rows\n";
  o += "AU    " + opt(s.p_au) + "  " + std::to_string(s.n_au) + "\n";
  o += "EX    " + opt(s.p_ex) + "  " + std::to_string(s.n_ex) + "\n";
  o += "VA    " + opt(s.p_va) + "  " + std::to_string(s.n_va) + "\n";
  o += "MTL   " + opt(s.p_mtl()) + "\n";
  if (s.p_au) {
    o += "\nAU F1:";
    for (int i = 0; i < kNumAU; ++i) o += std::string(" ") + au_names()[i] + "=" + fmt(s.au_f1[i]);
    o += "\n";
  }
  if (s.p_ex) {
    o += "EX F1:";
    for (int c = 0; c < kNumEX; ++c) o += std::string(" ") + ex_names()[c] + "=" + fmt(s.ex_f1[c]);
    o += "\n";
  }
  if (s.p_va) o += "VA CCC: valence=" + fmt(s.ccc_v) + " arousal=" + fmt(s.ccc_a) + "\n";
  o += "\nrows: " + std::to_string(r.predictions) + " predicted, " + std::to_string(r.matched) + " matched, " +
       std::to_string(r.predictions_without_truth) + " predicted without truth, " +
       std::to_string(r.truth_without_predictions) + " in the truth without a prediction\n";
  return o;
}

std::string format_json(const ScoreReport& r) {
  const Scores& s = r.scores;
  using nlohmann::json;
  auto val = [](const std::optional<double>& v) { return v ? json(*v) : json(nullptr); };
  json j;
  j["P_AU"] = val(s.p_au);
  j["P_EX"] = val(s.p_ex);
  j["P_VA"] = val(s.p_va);
  j["P_MTL"] = val(s.p_mtl());
  json au = json::object(), ex = json::object();
  if (s.p_au)
    for (int i = 0; i < kNumAU; ++i) au[au_names()[i]] = s.au_f1[i];
  if (s.p_ex)
    for (int c = 0; c < kNumEX; ++c) ex[ex_names()[c]] = s.ex_f1[c];
  j["F1_AU"] = s.p_au ? au : json(nullptr);
  j["F1_EX"] = s.p_ex ? ex : json(nullptr);
  j["CCC_V"] = s.p_va ? json(s.ccc_v) : json(nullptr);
  j["CCC_A"] = s.p_va ? json(s.ccc_a) : json(nullptr);
  j["rows"] = {{"AU", s.n_au}, {"EX", s.n_ex}, {"VA", s.n_va}};
  j["predictions"] = r.predictions;
  j["matched"] = r.matched;
  j["predictions_without_truth"] = r.predictions_without_truth;
  j["truth_without_predictions"] = r.truth_without_predictions;
  return j.dump() + "\n";
}

}  // namespace mtl
