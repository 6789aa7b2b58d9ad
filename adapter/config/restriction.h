/*
 * restriction.h -- what a tenant's policy says about warned customers
 * (issue 16): the policy file's "contact_restriction" block
 * (policies/FORMAT.md), read by the host from the policy of the tenant's
 * first plugin that has a `policy =` option, following "extends" when the
 * block is not in the file itself. The rules plugin checks the block's
 * shape when it compiles the policy; the host only reads it.
 *
 *   raise_severity   steps a harassing contact's severity rises once the customer was warned (default 1)
 *   restrict_after   warnings after which the note recommends restricting contact (0: never;
 *                    default 3 with the block, 0 without it)
 *   recommendation   the policy's words for it (対応打ち切り / 出入り禁止)
 *   caution          its legal caution (legitimate rights, essential services, reasonable accommodation)
 *
 * Ownership: embedded in struct mamori_tenant, freed with it.
 */
#ifndef MAMORI_RESTRICTION_POLICY_H
#define MAMORI_RESTRICTION_POLICY_H

#include "base/error.h"

struct mamori_tenant;

struct mamori_restriction_policy {
    int loaded;                    /* the block was found */
    int raise_severity;
    int restrict_after;
    char *recommendation, *caution;  /* owned; may be NULL */
};

/* Read the block for tenant t (no block: defaults, loaded = 0). A policy
 * file that cannot be read is left to the plugin to report: 0. Returns 0
 * or MAMORI_ENOMEM / MAMORI_EINVAL (a block of the wrong shape). */
int mamori_restriction_policy_load(struct mamori_tenant *t, struct mamori_error *err);

void mamori_restriction_policy_free(struct mamori_restriction_policy *p);

#endif
