// The HDF5 feature store, written and read with the HDF5 C API.
#include "mtl/core/feature_store.h"

#include <fcntl.h>
#include <hdf5.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "mtl/core/atomic_file.h"
#include "mtl/core/error.h"
#include "mtl/core/log.h"

namespace mtl {
namespace {

constexpr hsize_t kChunkRows = 256;

// Owns one HDF5 identifier and closes it with the matching function.
class Hid {
 public:
  Hid() = default;
  Hid(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  Hid(Hid&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
  Hid& operator=(Hid&& o) noexcept {
    reset();
    id_ = o.id_;
    close_ = o.close_;
    o.id_ = -1;
    return *this;
  }
  ~Hid() { reset(); }
  void reset() {
    if (id_ >= 0 && close_) close_(id_);
    id_ = -1;
  }
  operator hid_t() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_ = -1;
  herr_t (*close_)(hid_t) = nullptr;
};

// Sets HDF5 up once, before its first use. HDF5 prints its own error stack by default; the toolkit
// reports errors itself. HDF5's exit handler closes files left open, and after a failed write
// (a full disk) it crashes in doing so: the toolkit closes its files itself and turns it off.
void quiet_hdf5() {
  static bool done = [] {
    H5dont_atexit();
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)done;
}

Hid utf8_string_type() {
  Hid t(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  return t;
}

// IEEE 754 half precision, which h5py reads as float16.
Hid half_type() {
  Hid t(H5Tcopy(H5T_IEEE_F32LE), H5Tclose);
  H5Tset_fields(t, 15, 10, 5, 0, 10);
  H5Tset_precision(t, 16);
  H5Tset_size(t, 2);
  H5Tset_ebias(t, 15);
  return t;
}

// The innermost message of HDF5's error stack ("data error detected by Fletcher32 checksum").
std::string hdf5_reason() {
  std::string reason;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD,
           [](unsigned n, const H5E_error2_t* e, void* out) -> herr_t {
             if (n == 0 && e->desc) *static_cast<std::string*>(out) = e->desc;
             return 0;
           },
           &reason);
  return reason;
}

void check(herr_t r, const std::string& what, bool output) {
  if (r < 0) {
    if (output) throw OutputError(what);
    const std::string reason = hdf5_reason();
    throw InputError(what + (reason.empty() ? "" : " (" + reason + "; the file is damaged)"));
  }
}

// Opens a root attribute that must hold exactly one value (`count` for an array).
Hid open_attr(hid_t obj, const char* name, const std::string& file, hssize_t count = 1) {
  Hid a(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
  if (!a.ok()) throw InputError(file + ": missing attribute '" + name + "'");
  Hid space(H5Aget_space(a), H5Sclose);
  if (H5Sget_simple_extent_npoints(space) != count)
    throw InputError(file + ": attribute '" + name + "' holds " + std::to_string(H5Sget_simple_extent_npoints(space)) +
                     " values, not " + std::to_string(count));
  return a;
}

void write_attr_string(hid_t obj, const char* name, const std::string& value) {
  // Variable-length UTF-8, which h5py returns as str.
  Hid t = utf8_string_type();
  Hid space(H5Screate(H5S_SCALAR), H5Sclose);
  if (H5Aexists(obj, name) > 0) H5Adelete(obj, name);
  Hid a(H5Acreate2(obj, name, t, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  const char* p = value.c_str();
  check(a.ok() ? H5Awrite(a, t, &p) : -1, std::string("cannot write attribute ") + name, true);
}

// An array of variable-length UTF-8 strings (h5py reads it as an array of str).
template <size_t N>
void write_attr_strings(hid_t obj, const char* name, const std::array<const char*, N>& values) {
  Hid t = utf8_string_type();
  const hsize_t n = N;
  Hid space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  Hid a(H5Acreate2(obj, name, t, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  check(a.ok() ? H5Awrite(a, t, values.data()) : -1, std::string("cannot write attribute ") + name, true);
}

void write_attr_ints(hid_t obj, const char* name, long long value) {
  Hid space(H5Screate(H5S_SCALAR), H5Sclose);
  if (H5Aexists(obj, name) > 0) {
    Hid a(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
    check(a.ok() ? H5Awrite(a, H5T_NATIVE_LLONG, &value) : -1, std::string("cannot write attribute ") + name, true);
    return;
  }
  Hid a(H5Acreate2(obj, name, H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  check(a.ok() ? H5Awrite(a, H5T_NATIVE_LLONG, &value) : -1, std::string("cannot write attribute ") + name, true);
}

void write_attr_floats(hid_t obj, const char* name, const float* v, hsize_t n) {
  Hid space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  Hid a(H5Acreate2(obj, name, H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  check(a.ok() ? H5Awrite(a, H5T_NATIVE_FLOAT, v) : -1, std::string("cannot write attribute ") + name, true);
}

bool has_attr(hid_t obj, const char* name) { return H5Aexists(obj, name) > 0; }

std::string read_attr_string(hid_t obj, const char* name, const std::string& file) {
  constexpr size_t kMaxFixedString = 1 << 16;  // paths and checksums; a larger size is damage
  Hid a = open_attr(obj, name, file);
  Hid ft(H5Aget_type(a), H5Tclose);
  if (H5Tget_class(ft) != H5T_STRING) throw InputError(file + ": attribute '" + name + "' is not a string");
  if (H5Tis_variable_str(ft) > 0) {
    Hid mt = utf8_string_type();
    char* s = nullptr;
    check(H5Aread(a, mt, &s), file + ": cannot read attribute " + name, false);
    std::string out = s ? s : "";
    H5free_memory(s);
    return out;
  }
  size_t n = H5Tget_size(ft);
  if (n > kMaxFixedString)
    throw InputError(file + ": attribute '" + name + "' is a string of " + std::to_string(n) + " bytes");
  std::string out(n, '\0');
  Hid mt(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(mt, n);
  H5Tset_cset(mt, H5Tget_cset(ft));
  check(H5Aread(a, mt, out.data()), file + ": cannot read attribute " + name, false);
  out.resize(std::strlen(out.c_str()));
  return out;
}

long long read_attr_int(hid_t obj, const char* name, const std::string& file) {
  Hid a = open_attr(obj, name, file);
  long long v = 0;
  check(H5Aread(a, H5T_NATIVE_LLONG, &v), file + ": cannot read attribute " + name, false);
  return v;
}

void read_attr_floats(hid_t obj, const char* name, float* v, const std::string& file) {
  Hid a = open_attr(obj, name, file, 3);
  check(H5Aread(a, H5T_NATIVE_FLOAT, v), file + ": cannot read attribute " + name, false);
}

// Creates a chunked, extendable dataset of `cols` columns (cols 0: one-dimensional).
Hid create_rows_dataset(hid_t file, const char* name, hid_t type, hsize_t cols, bool compress) {
  int rank = cols ? 2 : 1;
  hsize_t dims[2] = {0, cols}, maxdims[2] = {H5S_UNLIMITED, cols}, chunk[2] = {kChunkRows, cols};
  Hid space(H5Screate_simple(rank, dims, maxdims), H5Sclose);
  Hid plist(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_chunk(plist, rank, chunk);
  if (compress) H5Pset_deflate(plist, 1);
  // A checksum on every chunk, verified whenever it is read. HDF5 takes no filter on the
  // variable-length paths, which live in the (unchecked) global heap.
  if (H5Tis_variable_str(type) <= 0) H5Pset_fletcher32(plist);
  Hid d(H5Dcreate2(file, name, type, space, H5P_DEFAULT, plist, H5P_DEFAULT), H5Dclose);
  if (!d.ok()) throw OutputError(std::string("cannot create dataset ") + name);
  return d;
}

// Appends `n` rows of `cols` values (cols 0: one-dimensional) at row `at`.
void append_rows(hid_t dset, hid_t mem_type, hsize_t at, hsize_t n, hsize_t cols, const void* data,
                 const char* name) {
  if (n == 0) return;
  int rank = cols ? 2 : 1;
  hsize_t newdims[2] = {at + n, cols};
  check(H5Dset_extent(dset, newdims), std::string("cannot extend dataset ") + name, true);
  Hid fspace(H5Dget_space(dset), H5Sclose);
  hsize_t start[2] = {at, 0}, count[2] = {n, cols};
  H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, nullptr, count, nullptr);
  Hid mspace(H5Screate_simple(rank, count, nullptr), H5Sclose);
  check(H5Dwrite(dset, mem_type, mspace, fspace, H5P_DEFAULT, data), std::string("cannot write dataset ") + name,
        true);
}

// Reads rows [start, start+n) of `cols` values into `data`.
void read_rows(hid_t dset, hid_t mem_type, hsize_t start_row, hsize_t n, hsize_t cols, void* data,
               const std::string& what, hid_t xfer = H5P_DEFAULT) {
  if (n == 0) return;
  int rank = cols ? 2 : 1;
  Hid fspace(H5Dget_space(dset), H5Sclose);
  hsize_t start[2] = {start_row, 0}, count[2] = {n, cols};
  H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, nullptr, count, nullptr);
  Hid mspace(H5Screate_simple(rank, count, nullptr), H5Sclose);
  check(H5Dread(dset, mem_type, mspace, fspace, xfer, data), what + ": cannot read", false);
}

void write_string_rows(hid_t dset, hsize_t at, const std::vector<std::string>& v, const char* name) {
  std::vector<const char*> p(v.size());
  for (size_t i = 0; i < v.size(); ++i) p[i] = v[i].c_str();
  Hid t = utf8_string_type();
  append_rows(dset, t, at, v.size(), 0, p.data(), name);
}

// The strings HDF5 allocates during one read, all freed at the end. When a read fails part-way
// (a damaged string heap), HDF5 1.10 drops the strings converted so far without freeing them, and
// they never reach the caller's buffer: only a record of every allocation can free them.
struct StringMemory {
  std::set<void*> live;
  static void* alloc(size_t n, void* self) {
    void* p = std::malloc(n);
    if (p) static_cast<StringMemory*>(self)->live.insert(p);
    return p;
  }
  static void release(void* p, void* self) {
    static_cast<StringMemory*>(self)->live.erase(p);
    std::free(p);
  }
  ~StringMemory() {
    for (void* p : live) std::free(p);
  }
};

std::vector<std::string> read_string_rows(hid_t dset, hsize_t start, hsize_t n, const std::string& what) {
  std::vector<char*> p(n, nullptr);
  Hid t = utf8_string_type();
  StringMemory memory;
  Hid xfer(H5Pcreate(H5P_DATASET_XFER), H5Pclose);
  H5Pset_vlen_mem_manager(xfer, StringMemory::alloc, &memory, StringMemory::release, &memory);
  read_rows(dset, t, start, n, 0, p.data(), what, xfer);
  std::vector<std::string> out(n);
  for (hsize_t i = 0; i < n; ++i) out[i] = p[i] ? p[i] : "";
  return out;
}

// The dataset's rank, 1 or 2, with its extent in `dims`; -1 for any other rank, which no store
// has (H5Sget_simple_extent_dims would write past `dims`).
int dataset_shape(hid_t dset, hsize_t (&dims)[2]) {
  Hid space(H5Dget_space(dset), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 1 || rank > 2) return -1;
  return H5Sget_simple_extent_dims(space, dims, nullptr);
}

hsize_t dataset_rows(hid_t dset) {
  hsize_t dims[2] = {0, 0};
  dataset_shape(dset, dims);
  return dims[0];
}

}  // namespace

void FeatureRows::append(const FeatureRows& o) {
  if (o.size() == 0) return;
  if (size() == 0 && dim == 0) {
    dim = o.dim;
    logits_dim = o.logits_dim;
  }
  if (o.dim != dim || o.logits_dim != logits_dim)
    throw std::invalid_argument("feature rows of different sizes (" + std::to_string(dim) + " and " +
                                std::to_string(o.dim) + ")");
  image.insert(image.end(), o.image.begin(), o.image.end());
  features.insert(features.end(), o.features.begin(), o.features.end());
  logits.insert(logits.end(), o.logits.begin(), o.logits.end());
  labels.insert(labels.end(), o.labels.begin(), o.labels.end());
}

std::string store_mismatch(const StoreInfo& got, const StoreInfo& want) {
  auto sha = [](const std::string& h) { return h.substr(0, 12) + "..."; };
  auto floats = [](const std::array<float, 3>& v) {
    std::ostringstream o;
    o << v[0] << "," << v[1] << "," << v[2];
    return o.str();
  };
  if (got.backbone_sha256 != want.backbone_sha256)
    return "another backbone (SHA-256 " + sha(got.backbone_sha256) + ", not " + sha(want.backbone_sha256) + ")";
  if (got.input_size != want.input_size)
    return "another input size (" + std::to_string(got.input_size) + ", not " + std::to_string(want.input_size) + ")";
  if (got.feature_dim != want.feature_dim || got.logits_dim != want.logits_dim)
    return "other feature sizes (" + std::to_string(got.feature_dim) + " features + " + std::to_string(got.logits_dim) +
           " logits, not " + std::to_string(want.feature_dim) + " + " + std::to_string(want.logits_dim) + ")";
  if (got.mean != want.mean || got.std != want.std)
    return "another normalisation (mean " + floats(got.mean) + " std " + floats(got.std) + ", not mean " +
           floats(want.mean) + " std " + floats(want.std) + ")";
  if (got.resize != want.resize) return "images resized otherwise (--resize " + got.resize + ", not " + want.resize + ")";
  return "";
}

bool is_hdf5_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  char sig[8] = {};
  f.read(sig, 8);
  return f.gcount() == 8 && std::memcmp(sig, "\x89HDF\r\n\x1a\n", 8) == 0;
}

// ---------------------------------------------------------------------------------------------
struct FeatureStoreWriter::Impl {
  int lock_fd = -1;  // an flock on the .part, held while this writer lives
  Hid file, features, image, au, ex, va, logits, skipped;
  StoreInfo info;
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
  got.backbone_sha256 = read_attr_string(f, "backbone_sha256", part);
  got.input_size = static_cast<int>(read_attr_int(f, "input_size", part));
  got.feature_dim = static_cast<int>(read_attr_int(f, "feature_dim", part));
  got.logits_dim = static_cast<int>(read_attr_int(f, "logits_dim", part));
  read_attr_floats(f, "mean", got.mean.data(), part);
  read_attr_floats(f, "std", got.std.data(), part);
  got.resize = has_attr(f, "resize") ? read_attr_string(f, "resize", part) : "opencv";
  if (std::string why = store_mismatch(got, want); !why.empty()) return why;
  if (read_attr_string(f, "input_sha256", part) != want.input_sha256) return "other input rows";
  Hid d(H5Dopen2(f, "features", H5P_DEFAULT), H5Dclose);
  Hid t(H5Dget_type(d), H5Tclose);
  if ((H5Tget_size(t) == 2) != want.half) return "another precision";
  if (has_attr(f, "compute") && read_attr_string(f, "compute", part) != want.compute)
    return "the backbone ran elsewhere or otherwise (" + read_attr_string(f, "compute", part) + ")";
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
      impl_->features = reopen_rows(f, "features", rows_, part_);
      impl_->image = reopen_rows(f, "image", rows_, part_);
      impl_->au = reopen_rows(f, "au", rows_, part_);
      impl_->ex = reopen_rows(f, "ex", rows_, part_);
      impl_->va = reopen_rows(f, "va", rows_, part_);
      if (info.logits_dim > 0) impl_->logits = reopen_rows(f, "logits", rows_, part_);
      impl_->skipped = reopen_rows(f, "skipped", skipped_, part_);
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
  for (Hid* d : {&impl_->features, &impl_->image, &impl_->au, &impl_->ex, &impl_->va, &impl_->logits, &impl_->skipped})
    d->reset();
  rows_ = inputs_done_ = skipped_ = 0;
  return false;
}

bool FeatureStoreWriter::committed_inputs_match(const std::vector<std::string>& inputs) const {
  if (inputs_done_ > inputs.size() || rows_ + skipped_ != inputs_done_) return false;
  const auto images = read_string_rows(impl_->image, 0, rows_, part_ + ": image");
  const auto skipped = read_string_rows(impl_->skipped, 0, skipped_, part_ + ": skipped");
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
  Hid half = half_type();
  impl_->features = create_rows_dataset(f, "features", info.half ? hid_t(half) : H5T_IEEE_F32LE,
                                        static_cast<hsize_t>(info.feature_dim), false);
  Hid str = utf8_string_type();
  impl_->image = create_rows_dataset(f, "image", str, 0, false);
  impl_->au = create_rows_dataset(f, "au", H5T_STD_I8LE, kNumAU, false);
  impl_->ex = create_rows_dataset(f, "ex", H5T_STD_I8LE, 0, false);
  impl_->va = create_rows_dataset(f, "va", H5T_IEEE_F32LE, 2, false);
  if (info.logits_dim > 0)
    impl_->logits = create_rows_dataset(f, "logits", H5T_IEEE_F32LE, static_cast<hsize_t>(info.logits_dim), false);
  impl_->skipped = create_rows_dataset(f, "skipped", str, 0, false);
  write_attr_string(f, "format", "mtl-feature-store");
  write_attr_ints(f, "format_version", kStoreFormatVersion);
  write_attr_string(f, "toolkit_version", info.toolkit_version);
  write_attr_string(f, "backbone", info.backbone);
  write_attr_string(f, "backbone_sha256", info.backbone_sha256);
  write_attr_string(f, "input_sha256", info.input_sha256);
  write_attr_string(f, "shard", info.shard);
  write_attr_string(f, "compute", info.compute);
  write_attr_string(f, "resize", info.resize);
  write_attr_ints(f, "input_size", info.input_size);
  write_attr_floats(f, "mean", info.mean.data(), 3);
  write_attr_floats(f, "std", info.std.data(), 3);
  write_attr_ints(f, "feature_dim", info.feature_dim);
  write_attr_ints(f, "logits_dim", info.logits_dim);
  write_attr_ints(f, "labelled", info.labelled);
  // The names of the columns of "au" and of the codes in "ex", for readers outside the toolkit
  // (added in 0.3; the toolkit's readers do not need them, so older stores stay readable).
  write_attr_strings(f, "au_names", au_names());
  write_attr_strings(f, "ex_names", ex_names());
  for (const char* a : {"rows_committed", "inputs_committed", "skipped_committed", "complete"}) write_attr_ints(f, a, 0);
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
  try {
    append_rows(impl_->features, H5T_NATIVE_FLOAT, at, n, info.feature_dim, r.features.data(), "features");
    write_string_rows(impl_->image, at, r.image, "image");
    append_rows(impl_->au, H5T_NATIVE_INT8, at, n, kNumAU, au.data(), "au");
    append_rows(impl_->ex, H5T_NATIVE_INT8, at, n, 0, ex.data(), "ex");
    append_rows(impl_->va, H5T_NATIVE_FLOAT, at, n, 2, va.data(), "va");
    if (info.logits_dim > 0)
      append_rows(impl_->logits, H5T_NATIVE_FLOAT, at, n, info.logits_dim, r.logits.data(), "logits");
    write_string_rows(impl_->skipped, skipped_, skipped, "skipped");
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
  for (Hid* d : {&impl_->features, &impl_->image, &impl_->au, &impl_->ex, &impl_->va, &impl_->logits, &impl_->skipped})
    d->reset();
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
  for (Hid* d : {&impl_->features, &impl_->image, &impl_->au, &impl_->ex, &impl_->va, &impl_->logits, &impl_->skipped})
    d->reset();
  impl_->file.reset();
  std::remove(part_.c_str());
}

// ---------------------------------------------------------------------------------------------
struct FeatureStoreReader::Impl {
  Hid file, features, image, au, ex, va, logits;
};

FeatureStoreReader::FeatureStoreReader(const std::string& path, bool allow_partial)
    : impl_(new Impl), path_(path) {
  quiet_hdf5();
  if (!is_hdf5_file(path)) {
    std::ifstream probe(path);
    if (!probe) throw InputError(path + ": cannot open: " + std::strerror(errno));
    throw InputError(path + ": not an HDF5 file (expected a feature store written by mtl-extract)");
  }
  impl_->file = Hid(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!impl_->file.ok()) {
    // A store being written is an mtl-extract .part, which its writer holds locked (lock_part).
    const bool part = path.size() > 5 && path.compare(path.size() - 5, 5, ".part") == 0;
    const std::string final_name = part ? path.substr(0, path.size() - 5) : path;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    const bool locked = fd >= 0 && ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    if (fd >= 0) ::close(fd);
    if (locked)
      throw InputError(path + ": a store that mtl-extract is writing now; wait for it to end" +
                       (part ? " (" + final_name + " is the finished store)" : std::string()));
    if (part)
      throw InputError(path + ": an unfinished store (a stopped mtl-extract's .part); run mtl-extract -o " +
                       final_name + " again to finish it");
    throw InputError(path + ": cannot open as HDF5 (a damaged file?)");
  }
  hid_t f = impl_->file;
  if (!has_attr(f, "format") || read_attr_string(f, "format", path) != "mtl-feature-store")
    throw InputError(path + ": not a feature store (no format attribute 'mtl-feature-store')");
  info_.format_version = static_cast<int>(read_attr_int(f, "format_version", path));
  if (info_.format_version != kStoreFormatVersion)
    throw InputError(path + ": feature store format version " + std::to_string(info_.format_version) +
                     " is not supported (this toolkit reads version " + std::to_string(kStoreFormatVersion) + ")");
  info_.toolkit_version = read_attr_string(f, "toolkit_version", path);
  info_.backbone = read_attr_string(f, "backbone", path);
  info_.backbone_sha256 = read_attr_string(f, "backbone_sha256", path);
  info_.input_size = static_cast<int>(read_attr_int(f, "input_size", path));
  read_attr_floats(f, "mean", info_.mean.data(), path);
  read_attr_floats(f, "std", info_.std.data(), path);
  for (auto [name, dim] : {std::pair{"feature_dim", &info_.feature_dim}, std::pair{"logits_dim", &info_.logits_dim}}) {
    const long long v = read_attr_int(f, name, path);
    if (v < (dim == &info_.feature_dim ? 1 : 0) || v > kMaxStoreColumns)
      throw InputError(path + ": attribute '" + name + "' is " + std::to_string(v) + ", outside " +
                       (dim == &info_.feature_dim ? "1" : "0") + "-" + std::to_string(kMaxStoreColumns));
    *dim = static_cast<int>(v);
  }
  info_.labelled = read_attr_int(f, "labelled", path) != 0;
  info_.complete = read_attr_int(f, "complete", path) != 0;
  const long long rows = read_attr_int(f, "rows_committed", path);
  if (rows < 0) throw InputError(path + ": attribute 'rows_committed' is " + std::to_string(rows));
  info_.rows = static_cast<size_t>(rows);
  if (has_attr(f, "input_sha256")) info_.input_sha256 = read_attr_string(f, "input_sha256", path);
  if (has_attr(f, "shard")) info_.shard = read_attr_string(f, "shard", path);
  if (has_attr(f, "compute")) info_.compute = read_attr_string(f, "compute", path);
  if (has_attr(f, "resize")) info_.resize = read_attr_string(f, "resize", path);
  if (!info_.complete && !allow_partial)
    throw InputError(path + ": unfinished feature store (" + std::to_string(info_.rows) +
                     " rows committed); the run that wrote it did not complete");
  check_sizes(f);
}

// The attributes' sizes, and each dataset's rank, columns, rows and type, against each other.
void FeatureStoreReader::check_sizes(hid_t f) {
  const std::string& path = path_;
  auto open = [&](const char* name, int rank, hsize_t cols, H5T_class_t type) {
    Hid d(H5Dopen2(f, name, H5P_DEFAULT), H5Dclose);
    if (!d.ok()) throw InputError(path + ": missing dataset '" + name + "'");
    hsize_t dims[2] = {0, 0};
    if (dataset_shape(d, dims) != rank || (rank == 2 && dims[1] != cols))
      throw InputError(path + ": dataset '" + name + "' is not [rows" +
                       (rank == 2 ? "," + std::to_string(cols) : std::string()) + "]");
    if (dims[0] < info_.rows)
      throw InputError(path + ": dataset '" + name + "' has " + std::to_string(dims[0]) + " rows, fewer than rows_committed (" +
                       std::to_string(info_.rows) + ")");
    Hid t(H5Dget_type(d), H5Tclose);
    if (H5Tget_class(t) != type) throw InputError(path + ": dataset '" + name + "' has the wrong type");
    return d;
  };
  impl_->features = open("features", 2, info_.feature_dim, H5T_FLOAT);
  Hid ft(H5Dget_type(impl_->features), H5Tclose);
  info_.half = H5Tget_size(ft) == 2;
  impl_->image = open("image", 1, 0, H5T_STRING);
  impl_->au = open("au", 2, kNumAU, H5T_INTEGER);
  impl_->ex = open("ex", 1, 0, H5T_INTEGER);
  impl_->va = open("va", 2, 2, H5T_FLOAT);
  if (info_.logits_dim > 0) impl_->logits = open("logits", 2, info_.logits_dim, H5T_FLOAT);
}

FeatureStoreReader::~FeatureStoreReader() = default;

FeatureRows FeatureStoreReader::read(size_t start, size_t count, bool with_features) const {
  if (start > rows() || count > rows() - start)
    throw std::out_of_range(path_ + ": rows " + std::to_string(start) + "+" + std::to_string(count) +
                            " past the end (" + std::to_string(rows()) + " rows)");
  FeatureRows r;
  r.dim = info_.feature_dim;
  r.logits_dim = info_.logits_dim;
  const hsize_t n = count;
  if (with_features) {
    r.features.resize(n * r.dim);
    read_rows(impl_->features, H5T_NATIVE_FLOAT, start, n, r.dim, r.features.data(), path_ + ": features");
    if (r.logits_dim > 0) {
      r.logits.resize(n * r.logits_dim);
      read_rows(impl_->logits, H5T_NATIVE_FLOAT, start, n, r.logits_dim, r.logits.data(), path_ + ": logits");
    }
  }
  r.image = read_string_rows(impl_->image, start, n, path_ + ": image");
  std::vector<int8_t> au(n * kNumAU), ex(n);
  std::vector<float> va(n * 2);
  read_rows(impl_->au, H5T_NATIVE_INT8, start, n, kNumAU, au.data(), path_ + ": au");
  read_rows(impl_->ex, H5T_NATIVE_INT8, start, n, 0, ex.data(), path_ + ": ex");
  read_rows(impl_->va, H5T_NATIVE_FLOAT, start, n, 2, va.data(), path_ + ": va");
  r.labels.resize(n);
  for (size_t i = 0; i < n; ++i) {
    std::memcpy(r.labels[i].au.data(), &au[i * kNumAU], kNumAU);
    r.labels[i].ex = ex[i];
    r.labels[i].va = {va[2 * i], va[2 * i + 1]};
  }
  check_rows(r, start);
  return r;
}

// Labels in their ranges and features without NaN or infinity: a damaged or hand-made store is
// refused here rather than trained on. Rows are named by their 0-based index in the datasets.
void FeatureStoreReader::check_rows(const FeatureRows& r, size_t start) const {
  auto bad = [&](size_t i, const std::string& what) {
    throw InputError(path_ + ": row " + std::to_string(start + i) + " (" + r.image[i] + "): " + what);
  };
  for (size_t i = 0; i < r.size(); ++i) {
    const Labels& l = r.labels[i];
    for (int k = 0; k < kNumAU; ++k)
      if (l.au[k] < -1 || l.au[k] > 1)
        bad(i, std::string("AU label ") + au_names()[k] + " is " + std::to_string(l.au[k]) + ", not 0, 1 or -1 (missing)");
    if (l.ex < -1 || l.ex >= kNumEX) bad(i, "expression label " + std::to_string(l.ex) + " is not 0-7 or -1 (missing)");
    for (int k = 0; k < 2; ++k)
      if (l.va[k] != kMissingVA && !(l.va[k] >= -1 && l.va[k] <= 1))
        bad(i, std::string(k ? "arousal" : "valence") + " label " + std::to_string(l.va[k]) +
                   " is outside [-1, 1] and is not -5 (missing)");
  }
  auto finite = [&](const std::vector<float>& v, int cols, const char* what) {
    if (cols <= 0) return;
    for (size_t j = 0; j < v.size(); ++j)
      if (!std::isfinite(v[j])) bad(j / cols, std::string(what) + " column " + std::to_string(j % cols) + " is " + std::to_string(v[j]));
  };
  finite(r.features, r.dim, "feature");
  finite(r.logits, r.logits_dim, "logit");
}

std::vector<std::string> FeatureStoreReader::skipped() const {
  if (H5Lexists(impl_->file, "skipped", H5P_DEFAULT) <= 0) return {};
  Hid d(H5Dopen2(impl_->file, "skipped", H5P_DEFAULT), H5Dclose);
  hsize_t n = dataset_rows(d);
  if (has_attr(impl_->file, "skipped_committed"))
    n = std::min<hsize_t>(n, static_cast<hsize_t>(read_attr_int(impl_->file, "skipped_committed", path_)));
  return read_string_rows(d, 0, n, path_ + ": skipped");
}

}  // namespace mtl
