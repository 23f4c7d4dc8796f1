// The HDF5 C API as the feature store uses it (hdf5_util.h).
#include "hdf5_util.h"

#include <cstdlib>
#include <cstring>
#include <set>

#include "mtl/core/error.h"

namespace mtl {
namespace h5 {

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

namespace {

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

}  // namespace

void check(herr_t r, const std::string& what, bool output) {
  if (r < 0) {
    if (output) throw OutputError(what);
    const std::string reason = hdf5_reason();
    throw InputError(what + (reason.empty() ? "" : " (" + reason + "; the file is damaged)"));
  }
}

// Opens a root attribute that must hold exactly one value (`count` for an array).
Hid open_attr(hid_t obj, const char* name, const std::string& file, hssize_t count) {
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
               const std::string& what, hid_t xfer) {
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

namespace {

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

}  // namespace

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

}  // namespace h5
}  // namespace mtl
