/* route.c -- see route.h. */
#include "config.h"

#include "escalation/route.h"

#include <string.h>

#include <mamori/plugin.h>

int mamori_escalation_local_minute(const struct mamori_escalation_config *c, long long now)
{
    long long t = now + (long long)c->utc_offset * 60;
    long long m = (t / 60) % 1440;
    return (int)(m < 0 ? m + 1440 : m);
}

int mamori_escalation_is_quiet(const struct mamori_escalation_config *c, long long now)
{
    int m;

    if (c->quiet_from < 0)
        return 0;
    m = mamori_escalation_local_minute(c, now);
    if (c->quiet_from < c->quiet_to)
        return m >= c->quiet_from && m < c->quiet_to;
    return m >= c->quiet_from || m < c->quiet_to;
}

static int add_all(struct mamori_strv *out, const struct mamori_strv *names)
{
    for (size_t i = 0; i < names->count; i++)
        if (mamori_strv_push_unique(out, names->items[i]) != 0)
            return MAMORI_ENOMEM;
    return MAMORI_OK;
}

int mamori_escalation_route(const struct mamori_escalation_config *c, int level, const struct mamori_annotation *a,
                            long long now, struct mamori_strv *out, int *quiet)
{
    const struct mamori_strv *base = NULL;
    int q = 0;

    if (quiet != NULL)
        *quiet = 0;
    if (c == NULL || level <= MAMORI_ESCALATE_NONE)
        return MAMORI_OK;
    if (level >= MAMORI_ESC_LEVELS)
        level = MAMORI_ESC_LEVELS - 1;
    for (int lv = level; lv > MAMORI_ESCALATE_NONE && base == NULL; lv--)
        if (c->route[lv].count > 0)
            base = &c->route[lv];
    q = mamori_escalation_is_quiet(c, now);
    if (quiet != NULL)
        *quiet = q;
    if (q && level < MAMORI_ESCALATE_POLICE)
        return add_all(out, &c->quiet_route);
    if (base != NULL && add_all(out, base) != 0)
        return MAMORI_ENOMEM;
    if (q)
        return add_all(out, &c->quiet_route);
    for (size_t i = 0; a != NULL && i < c->category_count; i++)
        for (size_t k = 0; k < a->category_count; k++)
            if (strcmp(a->categories[k].id, c->categories[i].category) == 0 &&
                add_all(out, &c->categories[i].channels) != 0)
                return MAMORI_ENOMEM;
    return MAMORI_OK;
}
