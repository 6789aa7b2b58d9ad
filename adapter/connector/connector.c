/* connector.c -- the registry of connectors, and helpers they share. */
#include "config.h"

#include "connector/connector.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

extern const struct mamori_connector mamori_connector_generic;
extern const struct mamori_connector mamori_connector_zendesk, mamori_connector_freshdesk, mamori_connector_zammad,
    mamori_connector_helpscout, mamori_connector_jira, mamori_connector_redmine, mamori_connector_rt,
    mamori_connector_znuny;

static const struct mamori_connector *const connectors[] = {
    &mamori_connector_generic,
    &mamori_connector_zendesk,
    &mamori_connector_freshdesk,
    &mamori_connector_zammad,
    &mamori_connector_helpscout,
    &mamori_connector_jira,
    &mamori_connector_redmine,
    &mamori_connector_rt,
    &mamori_connector_znuny,
    NULL,
};

const struct mamori_connector *mamori_connector_find(const char *name)
{
    for (size_t i = 0; connectors[i] != NULL; i++)
        if (strcmp(connectors[i]->name, name) == 0)
            return connectors[i];
    return NULL;
}

const struct mamori_connector *const *mamori_connector_all(void)
{
    return connectors;
}

const char *mamori_webhook_header(const struct mamori_webhook *in, const char *name)
{
    return in->header ? in->header(in->header_ctx, name) : NULL;
}

int mamori_parse_unix_time(const char *s, time_t *out)
{
    char *end;
    long long v;

    if (s == NULL || *s < '0' || *s > '9')
        return MAMORI_EINVAL;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || v < 0 || v > 253402300799LL)
        return MAMORI_EINVAL;
    *out = (time_t)v;
    return (*end == '\0') ? MAMORI_OK : MAMORI_EINVAL;
}

int mamori_within_window(time_t t, time_t now, long window)
{
    long long d = (long long)now - (long long)t;
    return d <= window && d >= -window;
}
