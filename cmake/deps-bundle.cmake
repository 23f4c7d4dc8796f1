# The dependencies besides LibTorch from a bundle that bench/gpu-deps.sh makes, for a machine with
# LibTorch, CMake and a compiler but no package registry (the GPU machine of bench/gpu-check.sh):
#   opencv/   OpenCV 4.6 core, imgproc and imgcodecs, static, with its own JPEG, PNG and zlib
#   include/  HDF5, OpenSSL, cxxopts, nlohmann/json and zlib headers, each in its own folder
#   lib/      HDF5's shared library (Debian's) with what it needs, and libcrypto
#   bin/      h5dump, which the end-to-end tests read stores with
# Selected with -DMTL_DEPS_BUNDLE=DIR; the bundle's lib/ must be on LD_LIBRARY_PATH when the
# programs run (HDF5's own dependencies are found through it).
set(B "${MTL_DEPS_BUNDLE}")
if(NOT EXISTS "${B}/opencv" OR NOT EXISTS "${B}/lib/libhdf5_serial.so.103")
  message(FATAL_ERROR "MTL_DEPS_BUNDLE=${B} is not a bundle made by bench/gpu-deps.sh")
endif()
find_package(OpenCV REQUIRED COMPONENTS core imgproc imgcodecs videoio PATHS "${B}/opencv" NO_DEFAULT_PATH)
set(HDF5_C_INCLUDE_DIRS "${B}/include/hdf5")
set(HDF5_C_LIBRARIES "${B}/lib/libhdf5_serial.so.103")
set(HDF5_C_DEFINITIONS "")
file(STRINGS "${B}/include/hdf5/H5public.h" MTL_H5_VERS REGEX "^#define H5_VERS_INFO")
string(REGEX MATCH "[0-9]+\\.[0-9]+\\.[0-9]+" HDF5_VERSION "${MTL_H5_VERS}")
add_library(cxxopts::cxxopts INTERFACE IMPORTED)
target_include_directories(cxxopts::cxxopts INTERFACE "${B}/include/cxxopts")
add_library(nlohmann_json::nlohmann_json INTERFACE IMPORTED)
target_include_directories(nlohmann_json::nlohmann_json INTERFACE "${B}/include/json")
add_library(OpenSSL::Crypto SHARED IMPORTED)
set_target_properties(OpenSSL::Crypto PROPERTIES IMPORTED_LOCATION "${B}/lib/libcrypto.so.3"
  INTERFACE_INCLUDE_DIRECTORIES "${B}/include/openssl")
# zlib for lib/plot's PNG files: OpenCV's own static copy, with Debian's headers.
if(NOT EXISTS "${B}/include/zlib/zlib.h")
  message(FATAL_ERROR "MTL_DEPS_BUNDLE=${B} has no include/zlib: rerun bench/gpu-deps.sh (it keeps the OpenCV build)")
endif()
add_library(ZLIB::ZLIB INTERFACE IMPORTED)
target_include_directories(ZLIB::ZLIB INTERFACE "${B}/include/zlib")
target_link_libraries(ZLIB::ZLIB INTERFACE zlib)
message(STATUS "Dependencies from the bundle ${B}")
