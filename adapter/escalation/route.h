/*
 * route.h -- who is told about an escalation (pure functions;
 * tests/unit/test_escalation.c covers them).
 *
 * The route of a level is [escalation] <level> =; a level without a route
 * uses the next lower level that has one (police -> lawyer -> legal ->
 * supervisor), so a police-level case is never dropped for want of a line.
 * category.<id> = adds channels when the annotation has that category.
 * During quiet hours (tenant-local time) quiet_route replaces both, except
 * for police-level cases, which go to their route AND the quiet route:
 * danger to staff does not wait for the morning.
 */
#ifndef MAMORI_ESCALATION_ROUTE_H
#define MAMORI_ESCALATION_ROUTE_H

#include "base/strv.h"
#include "config/escalation.h"
#include "plugin/annotation.h"

/* Minutes after local midnight at Unix time now. */
int mamori_escalation_local_minute(const struct mamori_escalation_config *c, long long now);

/* Whether now falls in the quiet hours (from inclusive, to exclusive;
 * 22:00-07:00 wraps midnight). */
int mamori_escalation_is_quiet(const struct mamori_escalation_config *c, long long now);

/* Channel names for an escalation at level with annotation a (for its
 * categories) at time now, in order, without repeats, into *out (owned by
 * the caller). *quiet (may be NULL) says whether quiet hours applied.
 * Returns 0 or MAMORI_ENOMEM; an empty result means nobody is routed. */
int mamori_escalation_route(const struct mamori_escalation_config *c, int level, const struct mamori_annotation *a,
                            long long now, struct mamori_strv *out, int *quiet);

#endif
