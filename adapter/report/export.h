/*
 * export.h -- one incident for the lawyer: the record, its escalations,
 * training links, consultations and warnings (when this store has them),
 * and every audit entry about the ticket with its hashes, as JSON and as
 * a PDF. record_sha256 is recomputed from the stored record and compared
 * with the newest incident_* audit entry, so the export says whether the
 * record is the one the chain vouches for; `mamori audit verify` (run by
 * the CLI before exporting) vouches for the chain itself.
 */
#ifndef MAMORI_REPORT_EXPORT_H
#define MAMORI_REPORT_EXPORT_H

#include <jansson.h>

#include "base/buf.h"
#include "base/error.h"
#include "store/store.h"

/* *out: a new JSON document (schema mamori.incident-export/1).
 * MAMORI_ENOTFOUND when the ticket has no incident record. */
int mamori_incident_export_json(struct mamori_store *st, const char *tenant, const char *ticket_id, json_t **out,
                                struct mamori_error *err);

/* The document as a PDF (A4, cairo). 0, MAMORI_ENOMEM or MAMORI_EIO. */
int mamori_incident_export_pdf(json_t *doc, struct mamori_buf *out);

#endif
