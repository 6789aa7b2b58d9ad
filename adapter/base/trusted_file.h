/*
 * trusted_file.h -- opening the files mamori takes orders from (mamori.conf,
 * tenants.d and its tenant files, plugins) only when nobody but root and
 * the service user can have written them.
 *
 * A file is trusted when it is opened without following a symbolic link in
 * its last component (O_NOFOLLOW), and the open descriptor (fstat, so the
 * file checked is the file read) is a regular file owned by root or the
 * effective user, writable by neither its group nor others; and every
 * directory above it, up to /, is owned by root or the effective user and
 * writable by neither group nor others -- except a root-owned directory
 * with the sticky bit (/tmp), where nobody can rename or replace another
 * user's entries. A directory is trusted under the same rules.
 *
 * Errors name the path, what it is for, the mode or owner found and the
 * command that fixes it.
 */
#ifndef MAMORI_TRUSTED_FILE_H
#define MAMORI_TRUSTED_FILE_H

#include "base/error.h"

/* Open path read-only when it is a trusted file. Returns the descriptor
 * (>= 0, O_CLOEXEC; the caller closes it), or a negative MAMORI_E* code
 * with err set. `what` says what the file is for ("configuration file",
 * "tenant file", "plugin"). */
int mamori_trusted_open(const char *path, const char *what, struct mamori_error *err);

/* Open directory path when it is trusted (O_DIRECTORY). Returns the
 * descriptor or a negative MAMORI_E* code with err set. */
int mamori_trusted_opendir(const char *path, const char *what, struct mamori_error *err);

#endif
