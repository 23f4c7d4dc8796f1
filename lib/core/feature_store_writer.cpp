// FeatureStoreWriter (feature_store.h): a store written under .part, locked, resumed after a stop,
// committed batch by batch and renamed into place. Its datasets and attributes come from the
// schema's tables (store_schema.h).
#include "mtl/core/feature_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "hdf5_util.h"
#include "mtl/core/atomic_file.h"
#include "mtl/core/error.h"
#include "mtl/core/log.h"
#include "store_schema.h"

namespace mtl {

using namespace h5;
using namespace store_schema;

struct FeatureStoreWriter::Impl {
  int lock_fd = -1;  // an flock on the .part, held while this writer lives
  Hid file;
  std::array<Hid, kColumnCount> sets;  // the row datasets, by Column
  StoreInfo info;
  void close_sets() {
    for (Hid& d : sets) d.reset();
  }
  ~Impl() {
    if (lock_fd >= 0) ::close(lock_fd);
  }
};

namespace {

// File access without HDF5's own file locks: the writer holds its own lock on the .part, and
// HDF5's flock on a second descriptor of the same file would conflict with it.
Hid unlocked_access() {
  Hid fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_file_locking(fapl, false, true);
  return fapl;
}

// Takes an exclusive lock on `part` (created if missing, never truncated) and returns its descriptor.
int lock_part(const std::string& part) {
  int fd = ::open(part.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw OutputError(part + ": cannot create: " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK)
      throw OutputError(part + ": another run is writing this store now; wait for it to end or give another -o");
    throw OutputError(part + ": cannot lock: " + std::strerror(err) + " (a file system without file locks?)");
  }
  return fd;
}

// The settings a resumed .part must share with the new run ("" when they match).
std::string resume_mismatch(hid_t f, const StoreInfo& want, const std::string& part) {
  if (!has_attr(f, "format") || read_attr_string(f, "format", part) != "mtl-feature-store") return "not a feature store";
  if (read_attr_int(f, "format_version", part) != kStoreFormatVersion) return "another format version";
  if (!has_attr(f, "input_sha256") || !has_attr(f, "inputs_committed")) return "written by an older toolkit";
  if (read_attr_int(f, "complete", part) != 0) return "already complete";
  StoreInfo got;  // what decides whether the features are comparable
  read_attributes(f, part, got);
  if (std::string why = store_mismatch(got, want); !why.empty()) return why;
  if (got.input_sha256 != want.input_sha256) return "other input rows";
  if (got.mirror != want.mirror) return got.mirror ? "written with --mirror" : "written without --mirror";
  Hid d(H5Dopen2(f, kRowDatasets[kFeatures].name, H5P_DEFAULT), H5Dclose);
  Hid t(H5Dget_type(d), H5Tclose);
  if ((H5Tget_size(t) == 2) != want.half) return "another precision";
  if (has_attr(f, "compute") && got.compute != want.compute)
    return "the backbone ran elsewhere or otherwise (" + got.compute + ")";
  return "";
}

// Opens a dataset of a resumed store and cuts it back to `rows` (drops rows of an uncommitted batch).
Hid reopen_rows(hid_t f, const char* name, hsize_t rows, const std::string& part) {
  Hid d(H5Dopen2(f, name, H5P_DEFAULT), H5Dclose);
  if (!d.ok() || dataset_rows(d) < rows) throw InputError(part + ": dataset '" + std::string(name) + "' is damaged");
  hsize_t dims[2] = {0, 0};
  const int rank = dataset_shape(d, dims);
  dims[0] = rows;
  if (rank < 1 || H5Dset_extent(d, dims) < 0) throw InputError(part + ": cannot resize dataset " + name);
  return d;
}

// The HDF5 type a store of `info` keeps dataset `c` in.
hid_t file_type(Column c, const StoreInfo& info, hid_t half, hid_t utf8) {
  switch (kRowDatasets[c].type) {
    case RowDataset::Type::Features: return info.half ? half : H5T_IEEE_F32LE;
    case RowDataset::Type::Float32: return H5T_IEEE_F32LE;
    case RowDataset::Type::Int8: return H5T_STD_I8LE;
    case RowDataset::Type::Utf8: return utf8;
  }
  return H5T_IEEE_F32LE;
}

}  // namespace

FeatureStoreWriter::FeatureStoreWriter(const std::string& path, const StoreInfo& info, bool resume,
                                       const std::vector<std::string>& inputs)
    : impl_(new Impl), path_(path), part_(AtomicFile::temp_name(path)) {
  quiet_hdf5();
  impl_->info = info;
  impl_->lock_fd = lock_part(part_);
  struct stat st {};
  const bool nonempty = ::fstat(impl_->lock_fd, &st) == 0 && st.st_size > 0;
  if (!(resume && nonempty && try_resume(info, inputs))) create(info);
}

bool FeatureStoreWriter::try_resume(const StoreInfo& info, const std::vector<std::string>& inputs) {
  std::string why;
  try {
    Hid fapl = unlocked_access();
    if (!is_hdf5_file(part_)) throw InputError("not an HDF5 file");
    Hid f(H5Fopen(part_.c_str(), H5F_ACC_RDWR, fapl), H5Fclose);
    if (!f.ok()) throw InputError("cannot open as HDF5");
    why = resume_mismatch(f, info, part_);
    if (why.empty()) {
      rows_ = static_cast<size_t>(read_attr_int(f, "rows_committed", part_));
      inputs_done_ = static_cast<size_t>(read_attr_int(f, "inputs_committed", part_));
      skipped_ = static_cast<size_t>(read_attr_int(f, "skipped_committed", part_));
      for (int c = 0; c < kColumnCount; ++c) {
        const Column col = static_cast<Column>(c);
        if (!present(col, info)) continue;
        impl_->sets[c] = reopen_rows(f, kRowDatasets[c].name, kRowDatasets[c].counts_skipped ? skipped_ : rows_, part_);
      }
      if (inputs.empty() || committed_inputs_match(inputs)) {
        impl_->file = std::move(f);
        return true;
      }
      why = "its committed rows do not match the input list: damaged by a failed write";
    }
  } catch (const Error& e) {
    why = e.what();
  }
  logging::warn("not resuming " + part_ + " (" + why + "); starting afresh");
  impl_->close_sets();
  rows_ = inputs_done_ = skipped_ = 0;
  return false;
}

bool FeatureStoreWriter::committed_inputs_match(const std::vector<std::string>& inputs) const {
  if (inputs_done_ > inputs.size() || rows_ + skipped_ != inputs_done_) return false;
  const auto images = read_string_rows(impl_->sets[kImage], 0, rows_, part_ + ": image");
  const auto skipped = read_string_rows(impl_->sets[kSkipped], 0, skipped_, part_ + ": skipped");
  size_t r = 0, k = 0;
  for (size_t i = 0; i < inputs_done_; ++i) {
    if (r < images.size() && images[r] == inputs[i]) ++r;
    else if (k < skipped.size() && skipped[k] == inputs[i]) ++k;
    else return false;
  }
  return true;
}

void FeatureStoreWriter::create(const StoreInfo& info) {
  Hid fapl = unlocked_access();
  // The 1.8 file format checksums the superblock and the object headers (the attributes). Not the
  // 1.10 format: a writer marks its superblock "open for writing", and a killed run's .part could
  // then not be reopened to resume.
  H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18);
  impl_->file = Hid(H5Fcreate(part_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl), H5Fclose);
  if (!impl_->file.ok()) throw OutputError(part_ + ": cannot create: " + std::strerror(errno));
  hid_t f = impl_->file;
  Hid half = half_type(), utf8 = utf8_string_type();
  for (int c = 0; c < kColumnCount; ++c) {
    const Column col = static_cast<Column>(c);
    if (!present(col, info)) continue;
    impl_->sets[c] = create_rows_dataset(f, kRowDatasets[c].name, file_type(col, info, half, utf8), columns(col, info), false);
  }
  write_attr_string(f, "format", "mtl-feature-store");
  write_attr_ints(f, "format_version", kStoreFormatVersion);
  write_attributes(f, info);
  // The names of the columns of "au" and of the codes in "ex", for readers outside the toolkit
  // (added in 0.3; the toolkit's readers do not need them, so older stores stay readable).
  write_attr_strings(f, "au_names", au_names());
  write_attr_strings(f, "ex_names", ex_names());
  for (const char* a : kCounters) write_attr_ints(f, a, 0);
  check(H5Fflush(f, H5F_SCOPE_GLOBAL), part_ + ": cannot write", true);
}

FeatureStoreWriter::~FeatureStoreWriter() = default;

void FeatureStoreWriter::append(const FeatureRows& r, size_t inputs_done, const std::vector<std::string>& skipped) {
  const size_t n = r.size();
  const auto& info = impl_->info;
  if (r.dim != info.feature_dim && n > 0)
    throw std::invalid_argument("feature rows have size " + std::to_string(r.dim) + ", the store " +
                                std::to_string(info.feature_dim));
  if (r.features.size() != n * info.feature_dim || (info.logits_dim > 0 && r.logits.size() != n * info.logits_dim))
    throw std::invalid_argument("feature or logit rows do not match the store's sizes");
  if (info.mirror && (r.features_mirror.size() != r.features.size() || r.logits_mirror.size() != r.logits.size()))
    throw std::invalid_argument("mirrored feature or logit rows do not match the store's sizes");
  std::vector<int8_t> au(n * kNumAU), ex(n);
  std::vector<float> va(n * 2);
  for (size_t i = 0; i < n; ++i) {
    const Labels& l = r.labels[i];
    std::memcpy(&au[i * kNumAU], l.au.data(), kNumAU);
    ex[i] = l.ex;
    va[2 * i] = l.va[0];
    va[2 * i + 1] = l.va[1];
  }
  const hsize_t at = rows_;
  auto& sets = impl_->sets;
  auto rows = [&](Column c, hid_t mem_type, const void* data) {
    append_rows(sets[c], mem_type, at, n, columns(c, info), data, kRowDatasets[c].name);
  };
  try {
    rows(kFeatures, H5T_NATIVE_FLOAT, r.features.data());
    write_string_rows(sets[kImage], at, r.image, kRowDatasets[kImage].name);
    rows(kAu, H5T_NATIVE_INT8, au.data());
    rows(kEx, H5T_NATIVE_INT8, ex.data());
    rows(kVa, H5T_NATIVE_FLOAT, va.data());
    if (present(kLogits, info)) rows(kLogits, H5T_NATIVE_FLOAT, r.logits.data());
    if (present(kFeaturesMirror, info)) rows(kFeaturesMirror, H5T_NATIVE_FLOAT, r.features_mirror.data());
    if (present(kLogitsMirror, info)) rows(kLogitsMirror, H5T_NATIVE_FLOAT, r.logits_mirror.data());
    write_string_rows(sets[kSkipped], skipped_, skipped, kRowDatasets[kSkipped].name);
    // The committed counts move only after every dataset holds the new rows.
    check(H5Fflush(impl_->file, H5F_SCOPE_GLOBAL), "cannot write (disk full?)", true);
    write_attr_ints(impl_->file, "rows_committed", static_cast<long long>(at + n));
    write_attr_ints(impl_->file, "skipped_committed", static_cast<long long>(skipped_ + skipped.size()));
    write_attr_ints(impl_->file, "inputs_committed", static_cast<long long>(inputs_done));
    check(H5Fflush(impl_->file, H5F_SCOPE_GLOBAL), "cannot write (disk full?)", true);
  } catch (const OutputError& e) {
    throw OutputError(part_ + ": " + e.what());
  }
  rows_ += n;
  skipped_ += skipped.size();
  inputs_done_ = inputs_done;
}

void FeatureStoreWriter::finish() {
  try {
    write_attr_ints(impl_->file, "complete", 1);
    check(H5Fflush(impl_->file, H5F_SCOPE_GLOBAL), "cannot write (disk full?)", true);
  } catch (const OutputError& e) {
    throw OutputError(part_ + ": " + e.what());
  }
  impl_->close_sets();
  herr_t r = H5Fclose(impl_->file);
  impl_->file = Hid();
  if (r < 0) throw OutputError(part_ + ": cannot close");
  AtomicFile committed(path_);  // names the .part written above; flushes and renames it
  try {
    committed.commit();
  } catch (...) {
    committed.keep();  // a complete .part is worth keeping when the rename fails
    throw;
  }
}

void FeatureStoreWriter::discard() {
  impl_->close_sets();
  impl_->file.reset();
  std::remove(part_.c_str());
}

}  // namespace mtl
