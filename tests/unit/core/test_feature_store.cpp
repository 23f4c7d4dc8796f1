// Unit tests of the HDF5 feature store (feature_store*.cpp, store_schema.cpp).
#include "helpers.h"

#include "mtl/core/atomic_file.h"
#include "mtl/core/feature_store.h"

using namespace mtl;
using namespace mtl_test;

namespace {
FeatureRows make_rows(int first, int n, int dim, int logits_dim) {
  FeatureRows r;
  r.dim = dim;
  r.logits_dim = logits_dim;
  for (int i = first; i < first + n; ++i) {
    r.image.push_back("vid/" + std::to_string(i) + ".jpg");
    Labels l;
    if (i % 2 == 0) l.au.fill(static_cast<int8_t>(i % 3 == 0));
    l.ex = static_cast<int8_t>(i % 9 - 1);
    if (i != 1) l.va = {0.5f - (i % 10) * 0.1f, -0.25f};
    r.labels.push_back(l);
    for (int d = 0; d < dim; ++d) r.features.push_back(i * 100 + d + 0.5f);
    for (int d = 0; d < logits_dim; ++d) r.logits.push_back(-i - d * 0.25f);
  }
  return r;
}
}  // namespace

BOOST_AUTO_TEST_CASE(store_round_trip) {
  const std::string path = temp_path("store.h5");
  StoreInfo info;
  info.backbone = "bb.pt";
  info.backbone_sha256 = "abc";
  info.input_size = 224;
  info.mean = {0.485f, 0.456f, 0.406f};
  info.std = {0.229f, 0.224f, 0.225f};
  info.feature_dim = 5;
  info.logits_dim = 8;
  info.labelled = true;
  info.toolkit_version = "test";
  {
    FeatureStoreWriter w(path, info);
    w.append(make_rows(0, 3, 5, 8), 3);
  }
  // Stopped before finish(): only the .part exists, and it says it is unfinished.
  BOOST_TEST(!exists(path));
  BOOST_CHECK_THROW(FeatureStoreReader r(AtomicFile::temp_name(path)), InputError);
  BOOST_TEST(FeatureStoreReader(AtomicFile::temp_name(path), /*allow_partial=*/true).rows() == 3u);
  {
    FeatureStoreWriter w(path, info);  // resumes
    w.append(make_rows(3, 300, 5, 8), 304, {"vid/bad.jpg"});  // past one chunk of 256 rows
    w.finish();
  }
  FeatureStoreReader r(path);
  BOOST_TEST(r.rows() == 303u);
  BOOST_TEST(r.info().complete);
  BOOST_TEST(r.info().feature_dim == 5);
  BOOST_TEST(r.info().logits_dim == 8);
  BOOST_TEST(r.info().backbone == "bb.pt");
  BOOST_TEST(r.info().mean[1] == 0.456f);
  BOOST_TEST(r.skipped() == std::vector<std::string>{"vid/bad.jpg"});
  auto all = r.read_all();
  auto want = make_rows(0, 303, 5, 8);
  BOOST_TEST(all.image == want.image);
  BOOST_TEST(all.features == want.features);
  BOOST_TEST(all.logits == want.logits);
  for (size_t i = 0; i < 303; ++i) {
    BOOST_TEST(all.labels[i].au == want.labels[i].au);
    BOOST_TEST(all.labels[i].ex == want.labels[i].ex);
    BOOST_TEST(all.labels[i].va == want.labels[i].va);
  }
  auto mid = r.read(250, 10);
  BOOST_TEST(mid.image[0] == "vid/250.jpg");
  BOOST_TEST(mid.features[5] == 251 * 100 + 0.5f);
  BOOST_CHECK_THROW(r.read(300, 10), std::out_of_range);
  std::remove(path.c_str());
}

BOOST_AUTO_TEST_CASE(store_float16) {
  const std::string path = temp_path("half.h5");
  StoreInfo info;
  info.feature_dim = 3;
  info.half = true;
  {
    FeatureStoreWriter w(path, info);
    FeatureRows r;
    r.dim = 3;
    r.image = {"a.jpg"};
    r.labels.resize(1);
    r.features = {0.5f, -2.0f, 1.0f / 3};
    w.append(r, 1);
    w.finish();
  }
  FeatureStoreReader r(path);
  BOOST_TEST(r.info().half);
  auto rows = r.read_all();
  BOOST_TEST(rows.features[0] == 0.5f);
  BOOST_TEST(rows.features[1] == -2.0f);
  BOOST_TEST(std::abs(rows.features[2] - 1.0f / 3) < 1e-3);  // float16 keeps 11 bits
  std::remove(path.c_str());
}

namespace {
StoreInfo small_info() {
  StoreInfo info;
  info.backbone_sha256 = "abc";
  info.input_sha256 = "list-1";
  info.feature_dim = 4;
  info.logits_dim = 2;
  return info;
}
}  // namespace

BOOST_AUTO_TEST_CASE(store_resumes_an_interrupted_run) {
  const std::string path = temp_path("resume.h5");
  const StoreInfo info = small_info();
  {  // an interrupted run: 5 rows and one skipped input committed, never finished
    FeatureStoreWriter w(path, info);
    w.append(make_rows(0, 3, 4, 2), 4, {"vid/skip.jpg"});
    w.append(make_rows(3, 2, 4, 2), 6);
    // While it runs, a second run on the same output is refused and changes nothing.
    BOOST_CHECK_THROW(FeatureStoreWriter(path, info), OutputError);
    BOOST_TEST(w.rows() == 5u);
  }
  {  // the rerun goes on after the committed rows
    FeatureStoreWriter w(path, info);
    BOOST_TEST(w.rows() == 5u);
    BOOST_TEST(w.inputs_done() == 6u);
    BOOST_TEST(w.skipped() == 1u);
    w.append(make_rows(5, 4, 4, 2), 10, {"vid/skip2.jpg"});
    w.finish();
  }
  FeatureStoreReader r(path);
  BOOST_TEST(r.rows() == 9u);
  BOOST_TEST(r.info().input_sha256 == "list-1");
  BOOST_TEST((r.skipped() == std::vector<std::string>{"vid/skip.jpg", "vid/skip2.jpg"}));
  auto all = r.read_all();
  auto want = make_rows(0, 9, 4, 2);
  BOOST_TEST(all.image == want.image);
  BOOST_TEST(all.features == want.features);
  BOOST_TEST(all.logits == want.logits);
  std::remove(path.c_str());
}

BOOST_AUTO_TEST_CASE(store_restarts_when_settings_differ) {
  const std::string path = temp_path("restart.h5");
  StoreInfo info = small_info();
  {
    FeatureStoreWriter w(path, info);
    w.append(make_rows(0, 3, 4, 2), 3);
  }
  info.input_sha256 = "list-2";  // another input list: the .part is not resumed
  {
    FeatureStoreWriter w(path, info);
    BOOST_TEST(w.rows() == 0u);
    BOOST_TEST(w.inputs_done() == 0u);
  }
  {  // --no-resume starts afresh even when the settings match
    FeatureStoreWriter w(path, info);
    w.append(make_rows(0, 2, 4, 2), 3, {"vid/x.jpg"});
  }
  {  // committed paths that are, in order, the first inputs: resumed
    FeatureStoreWriter w(path, info, true, {"vid/0.jpg", "vid/x.jpg", "vid/1.jpg", "vid/2.jpg"});
    BOOST_TEST(w.rows() == 2u);
  }
  {  // committed paths that are not (a damaged .part, or another list): started afresh
    FeatureStoreWriter w(path, info, true, {"vid/1.jpg", "vid/0.jpg", "vid/x.jpg"});
    BOOST_TEST(w.rows() == 0u);
    w.append(make_rows(0, 2, 4, 2), 2);
  }
  {
    FeatureStoreWriter w(path, info, /*resume=*/false);
    BOOST_TEST(w.rows() == 0u);
    w.discard();
  }
  BOOST_TEST(!exists(AtomicFile::temp_name(path)));
  BOOST_TEST(!exists(path));
}

// A failed write can damage the heap of the committed image paths. Reading them back fails part-way,
// after HDF5 allocated the paths read so far: the .part is started afresh, and (checked by the
// sanitizer build's LeakSanitizer) those paths are freed.
BOOST_AUTO_TEST_CASE(store_with_a_damaged_path_heap_starts_afresh) {
  const std::string path = temp_path("heap.h5");
  const StoreInfo info = small_info();
  const FeatureRows rows = make_rows(0, 600, 4, 2);
  {  // appended in batches, as mtl-extract does: the paths fill several global heap collections
    FeatureStoreWriter w(path, info);
    for (int i = 0; i < 600; i += 16) w.append(make_rows(i, std::min(16, 600 - i), 4, 2), std::min(i + 16, 600));
  }
  // The signature of the collection that holds the last path is spoiled.
  const std::string part = AtomicFile::temp_name(path);
  std::string bytes;
  {
    std::ifstream in(part, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const size_t heap = bytes.rfind("GCOL", bytes.find(rows.image.back()));
  BOOST_REQUIRE(heap != std::string::npos && heap > bytes.find(rows.image.front()));
  bytes[heap] = 'X';
  std::ofstream(part, std::ios::binary) << bytes;
  {
    FeatureStoreWriter w(path, info, true, rows.image);
    BOOST_TEST(w.rows() == 0u);
    w.append(rows, 600);
    w.finish();
  }
  BOOST_TEST(FeatureStoreReader(path).read_all().image == rows.image);
  std::remove(path.c_str());
}

BOOST_AUTO_TEST_CASE(store_refuses_other_files) {
  BOOST_CHECK_THROW(FeatureStoreReader("/nonexistent.h5"), InputError);
  const std::string path = temp_path("text.h5");
  FILE* f = std::fopen(path.c_str(), "w");
  std::fputs("hello", f);
  std::fclose(f);
  try {
    FeatureStoreReader r(path);
    BOOST_FAIL("no error");
  } catch (const InputError& e) {
    BOOST_TEST(std::string(e.what()).find("not an HDF5 file") != std::string::npos);
  }
  std::remove(path.c_str());
}

// Rows with a label out of range or a non-finite feature are refused on reading, naming the row.
BOOST_AUTO_TEST_CASE(store_reader_refuses_bad_rows) {
  StoreInfo info;
  info.input_size = 224;
  info.feature_dim = 3;
  info.labelled = true;
  struct Case {
    std::function<void(FeatureRows&)> spoil;
    std::string want;
  };
  const std::vector<Case> cases = {
      {[](FeatureRows& r) { r.labels[2].ex = 8; }, "row 2 (vid/2.jpg): expression label 8 is not 0-7 or -1 (missing)"},
      {[](FeatureRows& r) { r.labels[1].au[11] = -2; }, "row 1 (vid/1.jpg): AU label AU26 is -2, not 0, 1 or -1 (missing)"},
      {[](FeatureRows& r) { r.labels[0].va[1] = -1.5f; }, "row 0 (vid/0.jpg): arousal label -1.500000 is outside [-1, 1]"},
      {[](FeatureRows& r) { r.features[3 * 3 + 2] = std::nanf(""); }, "row 3 (vid/3.jpg): feature column 2 is nan"},
      {[](FeatureRows& r) { r.features[0] = -INFINITY; }, "row 0 (vid/0.jpg): feature column 0 is -inf"},
  };
  for (const auto& c : cases) {
    const std::string path = temp_path("bad.h5");
    {
      FeatureStoreWriter w(path, info, false);
      FeatureRows r = make_rows(0, 5, 3, 0);
      for (auto& l : r.labels) l.ex = std::max<int8_t>(l.ex, 0);
      c.spoil(r);
      w.append(r, 5);
      w.finish();
    }
    FeatureStoreReader reader(path);
    try {
      reader.read_all();
      BOOST_ERROR("no error for " + c.want);
    } catch (const InputError& e) {
      BOOST_TEST(std::string(e.what()).find(path + ": " + c.want) == 0, e.what());
    }
    BOOST_TEST(reader.read(4, 1).size() == 1u);  // the rows after it are still readable alone
    std::remove(path.c_str());
  }
}

namespace {
// A finished store at `path` of rows make_rows(0, n, dim, logits_dim), with their mirrored values
// (features and logits negated) when `mirror`; `rename` renames row `rename` (-1: none).
void write_store(const std::string& path, int n, int dim, int logits_dim, bool mirror, const std::string& sha,
                 int rename = -1) {
  StoreInfo info = small_info();
  info.feature_dim = dim;
  info.logits_dim = logits_dim;
  info.backbone_sha256 = sha;
  info.mirror = mirror;
  FeatureRows r = make_rows(0, n, dim, logits_dim);
  if (rename >= 0) r.image[static_cast<size_t>(rename)] = "vid/other.jpg";
  if (mirror) {
    for (float v : r.features) r.features_mirror.push_back(-v);
    for (float v : r.logits) r.logits_mirror.push_back(-v);
  }
  FeatureStoreWriter w(path, info, false);
  w.append(r, static_cast<size_t>(n));
  w.finish();
}
}  // namespace

BOOST_AUTO_TEST_CASE(store_mirror_round_trip) {
  const std::string with = temp_path("m.h5"), without = temp_path("nm.h5");
  write_store(with, 300, 4, 2, true, "a");
  write_store(without, 3, 4, 2, false, "a");
  FeatureStoreReader r(with);
  BOOST_TEST(r.info().mirror);
  BOOST_TEST(r.read(0, 3).features_mirror.empty());  // only when asked for
  r.read_mirror("test");
  const FeatureRows got = r.read_all(), want = make_rows(0, 300, 4, 2);
  BOOST_TEST(got.features == want.features);
  BOOST_REQUIRE(got.features_mirror.size() == want.features.size());
  BOOST_REQUIRE(got.logits_mirror.size() == want.logits.size());
  for (size_t i = 0; i < want.features.size(); ++i) BOOST_TEST(got.features_mirror[i] == -want.features[i]);
  for (size_t i = 0; i < want.logits.size(); ++i) BOOST_TEST(got.logits_mirror[i] == -want.logits[i]);
  const FeatureRows sel = r.read_selected({1, 250});  // two runs of rows
  BOOST_TEST(sel.features_mirror == (std::vector<float>{-100.5f, -101.5f, -102.5f, -103.5f, -25000.5f, -25001.5f,
                                                         -25002.5f, -25003.5f}));
  BOOST_TEST(got.mirrored().features == got.features_mirror);
  FeatureStoreReader plain(without);
  BOOST_TEST(!plain.info().mirror);
  check_throws_message<InputError>([&] { plain.read_mirror("--tta flip"); },
                                   "nm.h5: --tta flip needs the features of mirrored images");
  std::remove(with.c_str());
  std::remove(without.c_str());
}

BOOST_AUTO_TEST_CASE(store_join_puts_the_features_side_by_side) {
  const std::string a = temp_path("ja.h5"), b = temp_path("jb.h5"), c = temp_path("jc.h5");
  write_store(a, 300, 4, 2, true, "aaa");
  write_store(b, 300, 3, 2, true, "bbb");
  write_store(c, 300, 2, 0, false, "ccc");
  FeatureStoreReader ab(a + "+" + b);
  BOOST_TEST(ab.rows() == 300u);
  BOOST_TEST(ab.info().feature_dim == 7);
  BOOST_TEST(ab.info().logits_dim == 4);
  BOOST_TEST(ab.info().backbone_sha256 == "aaa+bbb");
  BOOST_TEST(ab.info().mirror);
  ab.read_mirror("test");
  const FeatureRows ra = make_rows(0, 300, 4, 2), rb = make_rows(0, 300, 3, 2);
  const FeatureRows got = ab.read(0, 300);
  BOOST_TEST(got.image == ra.image);
  for (size_t i = 0; i < 300; ++i) {  // row i: a's 4 features then b's 3; a's 2 logits then b's 2
    std::vector<float> f(ra.features.begin() + i * 4, ra.features.begin() + i * 4 + 4);
    f.insert(f.end(), rb.features.begin() + i * 3, rb.features.begin() + i * 3 + 3);
    std::vector<float> l(ra.logits.begin() + i * 2, ra.logits.begin() + i * 2 + 2);
    l.insert(l.end(), rb.logits.begin() + i * 2, rb.logits.begin() + i * 2 + 2);
    BOOST_TEST(std::vector<float>(got.features.begin() + i * 7, got.features.begin() + i * 7 + 7) == f);
    BOOST_TEST(std::vector<float>(got.logits.begin() + i * 4, got.logits.begin() + i * 4 + 4) == l);
    BOOST_TEST(got.features_mirror[i * 7 + 5] == -f[5]);
  }
  const FeatureRows part = ab.read_selected({7, 299});
  BOOST_TEST(part.features.size() == 14u);
  BOOST_TEST(part.features[7] == got.features[299 * 7]);
  // A part without logits: the join has none; without mirrored features: none either.
  FeatureStoreReader ac(a + "+" + c);
  BOOST_TEST(ac.info().feature_dim == 6);
  BOOST_TEST(ac.info().logits_dim == 0);
  BOOST_TEST(ac.read(0, 2).logits.empty());
  check_throws_message<InputError>([&] { ac.read_mirror("--augment flip"); }, "jc.h5: --augment flip needs");
  // Rows that differ are refused, naming the row.
  const std::string shorter = temp_path("js.h5"), renamed = temp_path("jr.h5");
  write_store(shorter, 299, 3, 2, false, "s");
  write_store(renamed, 300, 3, 2, false, "r", 123);
  check_throws_message<InputError>([&] { FeatureStoreReader(a + "+" + shorter); }, "js.h5 holds 299 rows");
  check_throws_message<InputError>([&] { FeatureStoreReader(a + "+" + renamed); },
                                   "row 123 of " + renamed + " is 'vid/other.jpg', not 'vid/123.jpg'");
  check_throws_message<InputError>([&] { FeatureStoreReader(a + "+"); }, "an empty store name in a join");
  // A file whose name holds '+' is that file.
  const std::string plus = temp_path("x+y.h5");
  write_store(plus, 3, 2, 0, false, "p");
  BOOST_TEST(FeatureStoreReader(plus).info().feature_dim == 2);
  for (const auto& p : {a, b, c, shorter, renamed, plus}) std::remove(p.c_str());
}
