// The HDF5 C API as the feature store uses it: owned identifiers, the types it stores (UTF-8
// strings, float16), attributes, and row datasets chunked along their rows and extended as rows
// are appended. Errors are the toolkit's: InputError for what is read, OutputError for what is
// written. Internal to the core.
#pragma once
#include <hdf5.h>

#include <array>
#include <string>
#include <vector>

namespace mtl {
namespace h5 {

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

// Sets HDF5 up once, before its first use: no error stack printed, no exit handler.
void quiet_hdf5();

// Variable-length UTF-8 strings (h5py reads them as str); IEEE 754 half precision (float16).
Hid utf8_string_type();
Hid half_type();

// Throws, when r < 0, OutputError(what) (`output`) or InputError(what) with HDF5's innermost reason.
void check(herr_t r, const std::string& what, bool output);

// Attributes of `obj`. A read throws InputError naming `file` and the attribute when it is missing,
// holds another number of values (`count`) or another type.
Hid open_attr(hid_t obj, const char* name, const std::string& file, hssize_t count = 1);
bool has_attr(hid_t obj, const char* name);
void write_attr_string(hid_t obj, const char* name, const std::string& value);
void write_attr_ints(hid_t obj, const char* name, long long value);  // int64; rewritten in place when present
void write_attr_floats(hid_t obj, const char* name, const float* v, hsize_t n);
std::string read_attr_string(hid_t obj, const char* name, const std::string& file);
long long read_attr_int(hid_t obj, const char* name, const std::string& file);
void read_attr_floats(hid_t obj, const char* name, float* v, const std::string& file);  // 3 values

// An array of variable-length UTF-8 strings (h5py reads it as an array of str).
template <size_t N>
void write_attr_strings(hid_t obj, const char* name, const std::array<const char*, N>& values) {
  Hid t = utf8_string_type();
  const hsize_t n = N;
  Hid space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  Hid a(H5Acreate2(obj, name, t, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  check(a.ok() ? H5Awrite(a, t, values.data()) : -1, std::string("cannot write attribute ") + name, true);
}

// Creates a chunked, extendable dataset of `cols` columns (cols 0: one-dimensional), with a
// Fletcher-32 checksum on every chunk (HDF5 takes none on variable-length strings).
Hid create_rows_dataset(hid_t file, const char* name, hid_t type, hsize_t cols, bool compress);
// Appends `n` rows of `cols` values (cols 0: one-dimensional) at row `at`.
void append_rows(hid_t dset, hid_t mem_type, hsize_t at, hsize_t n, hsize_t cols, const void* data, const char* name);
// Reads rows [start, start+n) of `cols` values into `data`; `what` names them in errors.
void read_rows(hid_t dset, hid_t mem_type, hsize_t start_row, hsize_t n, hsize_t cols, void* data,
               const std::string& what, hid_t xfer = H5P_DEFAULT);
void write_string_rows(hid_t dset, hsize_t at, const std::vector<std::string>& v, const char* name);
std::vector<std::string> read_string_rows(hid_t dset, hsize_t start, hsize_t n, const std::string& what);
// The dataset's rank, 1 or 2, with its extent in `dims`; -1 for any other rank.
int dataset_shape(hid_t dset, hsize_t (&dims)[2]);
hsize_t dataset_rows(hid_t dset);

}  // namespace h5
}  // namespace mtl
