# What `cmake --install` puts in place (the autotools build's `make install` installs the same):
#   bin/                       the programs (tools/CMakeLists.txt) and mtl-gen-demo, the demo data generator
#   share/man/man1, man5       the manual
#   share/mtl/                 AU and class names, convert_hsemotion.py and convert_retinaface.py (executable)
#   share/doc/mtl-toolkit/examples   pipeline.sh, ablation.sh, video.sh, slurm/ (run them with BUILD_DIR "installed")
#   lib/libmtl_*.a, include/mtl/     the four library layers and their public headers
#   lib/cmake/mtl-toolkit/     the CMake package: find_package(mtl-toolkit) gives mtl::core, mtl::vision,
#                              mtl::model and mtl::pipeline
#   lib/pkgconfig/mtl-toolkit.pc     the same for pkg-config (static libraries: use --static for the deps)
include(CMakePackageConfigHelpers)

install(TARGETS mtl-gen-demo RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY man/man1 man/man5 DESTINATION ${CMAKE_INSTALL_MANDIR})
install(DIRECTORY share/mtl/ DESTINATION ${CMAKE_INSTALL_DATADIR}/mtl PATTERN "__pycache__" EXCLUDE
  PATTERN "*.py" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
install(DIRECTORY examples/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples USE_SOURCE_PERMISSIONS)

# The library is installed with the dependencies it was built against; a deps bundle (bench/gpu-deps.sh)
# is a build-machine shortcut that a consumer could not find again, so that build installs programs only.
if(MTL_DEPS_BUNDLE)
  return()
endif()
set(MTL_LAYERS core vision model pipeline)
foreach(layer ${MTL_LAYERS})
  set_target_properties(mtl_${layer} PROPERTIES EXPORT_NAME ${layer})
  install(DIRECTORY lib/${layer}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endforeach()
install(TARGETS mtl_core mtl_vision mtl_model mtl_pipeline EXPORT mtl-toolkitTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
set(MTL_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/mtl-toolkit)
install(EXPORT mtl-toolkitTargets NAMESPACE mtl:: DESTINATION ${MTL_CMAKE_DIR})
configure_package_config_file(cmake/mtl-toolkitConfig.cmake.in ${CMAKE_BINARY_DIR}/mtl-toolkitConfig.cmake
  INSTALL_DESTINATION ${MTL_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/mtl-toolkitConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/mtl-toolkitConfig.cmake ${CMAKE_BINARY_DIR}/mtl-toolkitConfigVersion.cmake
  DESTINATION ${MTL_CMAKE_DIR})

# pkg-config: the same template as configure.ac's, filled with this build's paths and flags.
# The prefix relative to the installed .pc file (${pcfiledir}), so that `cmake --install --prefix`
# anywhere, or moving the tree, keeps it right.
file(RELATIVE_PATH MTL_PC_UP "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
set(prefix "\${pcfiledir}/${MTL_PC_UP}")
set(exec_prefix "\${prefix}")
set(libdir "\${exec_prefix}/${CMAKE_INSTALL_LIBDIR}")
set(includedir "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
set(PACKAGE_VERSION ${PROJECT_VERSION})
set(MTL_PC_CFLAGS "-std=c++17")
foreach(dir ${TORCH_INCLUDE_DIRS} ${OpenCV_INCLUDE_DIRS} ${HDF5_C_INCLUDE_DIRS})
  # /usr/include as -isystem would break the C++ library's #include_next <stdlib.h>
  if(NOT dir STREQUAL "/usr/include" AND NOT MTL_PC_CFLAGS MATCHES " -isystem ${dir}( |$)")
    string(APPEND MTL_PC_CFLAGS " -isystem ${dir}")
  endif()
endforeach()
get_filename_component(MTL_TORCH_LIBDIR "${TORCH_LIBRARY}" DIRECTORY)
set(MTL_PC_LIBS "-L${MTL_TORCH_LIBDIR} -Wl,-rpath,${MTL_TORCH_LIBDIR} -ltorch -ltorch_cpu -lc10")
foreach(lib ${OpenCV_LIBS})
  string(REPLACE "opencv_" "-lopencv_" lib "${lib}")
  string(APPEND MTL_PC_LIBS " ${lib}")
endforeach()
foreach(lib ${HDF5_C_LIBRARIES})  # HDF5's own library; the system ones it lists come with it
  if(lib MATCHES "hdf5")
    string(APPEND MTL_PC_LIBS " ${lib}")
  endif()
endforeach()
string(APPEND MTL_PC_LIBS " -lcrypto -lpthread -ldl")
configure_file(mtl-toolkit.pc.in ${CMAKE_BINARY_DIR}/mtl-toolkit.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/mtl-toolkit.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
