/* audit_json.c -- see audit_json.h. */
#include "config.h"

#include "store/audit_json.h"

#include <stdlib.h>

#include "store/audit.h"

int mamori_audit_append_json(struct mamori_store *st, const char *tenant, const char *kind, const char *subject,
                             json_t *data, time_t now, struct mamori_error *err)
{
    char *text = data ? json_dumps(data, JSON_COMPACT) : NULL;
    int rc = text ? mamori_audit_append(st, tenant, kind, subject, text, now, err)
                  : mamori_error_set(err, MAMORI_ENOMEM, "out of memory");

    free(text);
    json_decref(data);
    return rc;
}
