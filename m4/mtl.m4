# Dependency checks of mtl-toolkit's autotools build: plain compile and link tests, no third-party macros.

# MTL_CHECK_LINK(WHAT, CFLAGS, LIBS, PROLOGUE, BODY, ERROR)
# Compiles and links PROLOGUE/BODY with the C++17 flags, CFLAGS and LIBS; stops configure with ERROR
# (a sentence naming the package to install) when it fails.
AC_DEFUN([MTL_CHECK_LINK], [
  AC_MSG_CHECKING([whether a program using $1 compiles and links])
  mtl_save_CXXFLAGS=$CXXFLAGS mtl_save_CPPFLAGS=$CPPFLAGS mtl_save_LIBS=$LIBS
  CXXFLAGS="$CXXFLAGS $MTL_STD" CPPFLAGS="$CPPFLAGS $2" LIBS="$3 $LIBS"
  AC_LINK_IFELSE([AC_LANG_PROGRAM([$4], [$5])], [mtl_ok=yes], [mtl_ok=no])
  CXXFLAGS=$mtl_save_CXXFLAGS CPPFLAGS=$mtl_save_CPPFLAGS LIBS=$mtl_save_LIBS
  AC_MSG_RESULT([$mtl_ok])
  AS_IF([test "$mtl_ok" = no], [AC_MSG_ERROR([$6 (the failed test is in config.log)])])
])

# MTL_ISYSTEM_INIT: defines the shell function mtl_isystem FLAGS..., which prints FLAGS with each
# -IDIR turned into -isystem DIR, so that the compiler prints no warnings from a dependency's
# headers; -I/usr/include is dropped (already a system folder, and -isystem on it breaks
# #include_next in libstdc++). Call it once before the checks.
AC_DEFUN([MTL_ISYSTEM_INIT], [
mtl_isystem() {
  mtl_out=
  for mtl_w in "$[@]"; do
    case $mtl_w in
      -I/usr/include|-I/usr/include/) ;;
      -I*) mtl_out="$mtl_out -isystem ${mtl_w#-I}" ;;
      *) mtl_out="$mtl_out $mtl_w" ;;
    esac
  done
  echo "$mtl_out"
}
])

# MTL_PKG_FLAGS(VAR, MODULE, DEFAULT-LIBS): unless the user set VAR_CFLAGS or VAR_LIBS, takes the
# compile flags of MODULE from pkg-config (as system headers) and its library folder, and links
# DEFAULT-LIBS from there (or pkg-config's libraries when DEFAULT-LIBS is empty). Without pkg-config
# or the module, leaves both empty for the link test to decide.
AC_DEFUN([MTL_PKG_FLAGS], [
  AC_ARG_VAR([$1_CFLAGS], [compile flags for $2, overriding pkg-config])
  AC_ARG_VAR([$1_LIBS], [linker flags for $2, overriding pkg-config])
  AS_IF([test -z "$$1_CFLAGS$$1_LIBS" && test -n "$PKG_CONFIG" && $PKG_CONFIG --exists $2], [
    $1_CFLAGS=$(mtl_isystem $($PKG_CONFIG --cflags $2))
    AS_IF([test -n "$3"],
      [$1_LIBS="-L`$PKG_CONFIG --variable=libdir $2` $3"],
      [$1_LIBS=`$PKG_CONFIG --libs $2`])
  ], [test -z "$$1_LIBS"], [$1_LIBS="$3"])
])
