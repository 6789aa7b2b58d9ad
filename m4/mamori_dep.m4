# MAMORI_DEP(VARIABLE-PREFIX, PKG-CONFIG-MODULES, DEBIAN-PACKAGE)
# Checks a pkg-config dependency without stopping at the first missing one:
# each failure is appended to $missing with the Debian package to install.
AC_DEFUN([MAMORI_DEP], [
  PKG_CHECK_MODULES([$1], [$2], [],
    [missing="$missing
    m4_format([%-33s], [$2]) -> apt-get install $3"])
])
