/*
 * check_user.h -- `mamori-fcgi --check-config` run as root checks the
 * configuration once more as the service user.
 *
 * Root reads every file, so a check as root passes a secret, key or config
 * file that the daemon, running as the service user (User=mamori), cannot
 * read, and the failure shows only at start or reload. The second check
 * runs in a child that has dropped to that user.
 */
#ifndef MAMORI_CHECK_USER_H
#define MAMORI_CHECK_USER_H

#include <sys/types.h>

#include "base/error.h"

/* The service user to check as when the check runs as root: `name` when
 * given (--user); else the owner of the store's directory (the package
 * makes /var/lib/mamori the service user's) when that is not root. Sets
 * *uid and copies the name into buf (cap bytes). Returns 1 when a user was
 * found, 0 when there is none to check as (all belongs to root), or a
 * negative MAMORI_E* code with err set (an unknown --user). */
int mamori_check_user_find(const char *name, const char *store_path, uid_t *uid, char *buf, size_t cap,
                           struct mamori_error *err);

/* Load config_path as --check-config does (config, tenants, secrets, keys,
 * plugins without open()) and check the store's files
 * (mamori_store_check), in a child running as user `name`. Nothing is
 * created. Returns 0, or a negative MAMORI_E* code with err saying which
 * file the user cannot use. */
int mamori_check_user_run(const char *config_path, const char *name, struct mamori_error *err);

#endif
