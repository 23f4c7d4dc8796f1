#!/bin/bash
# Makes gpu-deps/, the dependencies that bench/gpu-check.sh carries to the GPU machine (which has
# LibTorch 2.11, CMake, ninja and a compiler, but no package registry): see cmake/deps-bundle.cmake.
# OpenCV 4.6 (the version Debian 12 ships) is built static from PyPI's opencv-python-headless
# source archive with only core, imgproc and imgcodecs and its own JPEG, PNG and zlib, because
# Debian's libopencv-imgcodecs pulls in GDAL and about 140 libraries (213 MB). HDF5, libcrypto and
# the header-only libraries come from this machine's Debian packages (scripts/debian-deps.sh).
#   bench/gpu-deps.sh [OUT]        (default: gpu-deps/ in the project; about 15 minutes on 2 cores)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$root/gpu-deps}" && cd "${1:-$root/gpu-deps}" && pwd)
src=${MTL_OPENCV_WORK:-/tmp/mtl-opencv}
url=https://files.pythonhosted.org/packages/fe/5d/f99eb2182c6f7bf9647babe6f86f5e397f6be07a2035bbdf272e7cb16cd4/opencv-python-headless-4.6.0.66.tar.gz
sum=d5291d7e10aa2c19cab6fd86f0d61af8617290ecd2d7ffcb051e446868d04cc5
mkdir -p "$src"
if [ ! -d "$src/opencv-python-headless-4.6.0.66/opencv" ]; then
  [ -s "$src/ocv.tar.gz" ] || curl -sSfL -o "$src/ocv.tar.gz" "$url"
  echo "$sum  $src/ocv.tar.gz" | sha256sum -c --quiet
  tar xzf "$src/ocv.tar.gz" -C "$src"
fi
if [ ! -e "$out/opencv/lib/libopencv_imgcodecs.a" ]; then
  cmake -S "$src/opencv-python-headless-4.6.0.66/opencv" -B "$src/build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$out/opencv" -DBUILD_SHARED_LIBS=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
    -DBUILD_LIST=core,imgproc,imgcodecs,videoio -DBUILD_JPEG=ON -DBUILD_PNG=ON -DBUILD_ZLIB=ON \
    -DWITH_JPEG=ON -DWITH_PNG=ON -DWITH_TIFF=OFF -DWITH_WEBP=OFF -DWITH_OPENJPEG=OFF -DWITH_JASPER=OFF \
    -DWITH_OPENEXR=OFF -DWITH_IMGCODEC_HDR=OFF -DWITH_IMGCODEC_SUNRASTER=OFF -DWITH_IMGCODEC_PXM=OFF \
    -DWITH_IMGCODEC_PFM=OFF -DWITH_GDAL=OFF -DWITH_GDCM=OFF -DWITH_IPP=OFF -DWITH_ITT=OFF -DWITH_OPENCL=OFF \
    -DWITH_TBB=OFF -DWITH_OPENMP=OFF -DWITH_EIGEN=OFF -DWITH_LAPACK=OFF -DWITH_PROTOBUF=OFF -DWITH_FFMPEG=OFF \
    -DWITH_GTK=OFF -DWITH_V4L=OFF -DWITH_VA=OFF -DWITH_1394=OFF -DWITH_QUIRC=OFF -DWITH_ADE=OFF \
    -DWITH_CAROTENE=OFF -DWITH_CUDA=OFF -DCV_TRACE=OFF -DBUILD_TESTS=OFF -DBUILD_PERF_TESTS=OFF \
    -DBUILD_EXAMPLES=OFF -DBUILD_opencv_apps=OFF -DBUILD_JAVA=OFF -DBUILD_opencv_python3=OFF \
    -DOPENCV_GENERATE_PKGCONFIG=OFF -DCPU_DISPATCH=AVX2 > "$src/configure.log" 2>&1
  cmake --build "$src/build" -j"$(nproc)" > "$src/build.log"
  cmake --install "$src/build" > /dev/null
fi
rm -rf "$out/opencv/share" "$out/opencv/bin"

# HDF5 (Debian's shared library, with every library it loads but the C and C++ runtimes),
# libcrypto and h5dump.
mkdir -p "$out/lib" "$out/bin" "$out/include"
L=/usr/lib/x86_64-linux-gnu
for lib in $(ldd "$L/hdf5/serial/libhdf5.so" "$L/libcrypto.so.3" | awk '/=>/ {print $3}' | sort -u); do
  case $(basename "$lib") in libc.so*|libm.so*|libstdc++*|libgcc_s*|libpthread*|libdl.so*|librt.so*) continue ;; esac
  cp -L "$lib" "$out/lib/"
done
cp -L "$L/hdf5/serial/libhdf5.so" "$out/lib/libhdf5_serial.so.103"
cp -L "$L/libcrypto.so.3" "$out/lib/"
cp -L "$(command -v h5dump)" "$out/bin/"
# Headers, each library in its own folder so that no other system header comes along.
rm -rf "$out/include"; mkdir -p "$out/include"/{hdf5,cxxopts,json,openssl/openssl,zlib}
cp -r /usr/include/hdf5/serial/. "$out/include/hdf5/"
cp /usr/include/cxxopts.hpp "$out/include/cxxopts/"
cp -r /usr/include/nlohmann "$out/include/json/"
cp /usr/include/zlib.h /usr/include/zconf.h "$out/include/zlib/"  # for OpenCV's static zlib (lib/plot)
cp -r /usr/include/openssl/. /usr/include/x86_64-linux-gnu/openssl/. "$out/include/openssl/openssl/"
du -sh "$out" >&2
