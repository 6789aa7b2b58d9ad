/* outbound.c -- see outbound.h. */
#include "config.h"

#include "deliver/outbound.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "base/signature.h"
#include "base/strv.h"

static int is_loopback(const char *host)
{
    return strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 || strcmp(host, "::1") == 0 ||
           strcmp(host, "[::1]") == 0;
}

/* Whether a path segment (percent-decoded) is "." or "..": servers that
 * decode before normalising would climb out of the base path. */
static int dot_segment(const char *seg, size_t n)
{
    size_t k = 0;

    for (size_t i = 0; i < n; i++, k++) {
        if (k >= 2)
            return 0;
        if (seg[i] == '%' && i + 2 < n + 1 && n - i >= 3 && strncasecmp(seg + i, "%2e", 3) == 0)
            i += 2;
        else if (seg[i] != '.')
            return 0;
    }
    return k == 1 || k == 2;
}

char *mamori_deliver_url_join(const char *base, size_t base_len, const char *path)
{
    size_t pl = strlen(path);
    char *u = malloc(base_len + pl + 1);

    if (u == NULL)
        return NULL;
    memcpy(u, base, base_len);
    memcpy(u + base_len, path, pl + 1);
    return u;
}

int mamori_deliver_url_allowed(const char *base, const char *url, int allow_http, struct mamori_error *err)
{
    CURLU *bu = curl_url(), *uu = curl_url();
    char *bscheme = NULL, *bhost = NULL, *bport = NULL, *bpath = NULL;
    char *uscheme = NULL, *uhost = NULL, *uport = NULL, *upath = NULL, *uuser = NULL;
    int ok = 0;

    if (bu == NULL || uu == NULL) {
        mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        goto out;
    }
    if (curl_url_set(bu, CURLUPART_URL, base, 0) != CURLUE_OK ||
        curl_url_set(uu, CURLUPART_URL, url, CURLU_PATH_AS_IS) != CURLUE_OK) {
        mamori_error_set(err, MAMORI_EINVAL, "not a valid URL");
        goto out;
    }
    curl_url_get(bu, CURLUPART_SCHEME, &bscheme, 0);
    curl_url_get(bu, CURLUPART_HOST, &bhost, 0);
    curl_url_get(bu, CURLUPART_PORT, &bport, CURLU_DEFAULT_PORT);
    curl_url_get(bu, CURLUPART_PATH, &bpath, 0);
    curl_url_get(uu, CURLUPART_SCHEME, &uscheme, 0);
    curl_url_get(uu, CURLUPART_HOST, &uhost, 0);
    curl_url_get(uu, CURLUPART_PORT, &uport, CURLU_DEFAULT_PORT);
    curl_url_get(uu, CURLUPART_PATH, &upath, 0);
    curl_url_get(uu, CURLUPART_USER, &uuser, 0);
    if (!bscheme || !bhost || !bport || !bpath || !uscheme || !uhost || !uport || !upath) {
        mamori_error_set(err, MAMORI_EINVAL, "URL without scheme, host or path");
        goto out;
    }
    if (strcmp(uscheme, "https") != 0 && !(strcmp(uscheme, "http") == 0 && allow_http && is_loopback(uhost))) {
        mamori_error_set(err, MAMORI_EINVAL, "%s is refused: only https (plain http only with [deliver] allow_http, "
                         "and only to loopback)", uscheme);
        goto out;
    }
    if (uuser != NULL || strcmp(bscheme, uscheme) != 0 || strcasecmp(bhost, uhost) != 0 || strcmp(bport, uport) != 0) {
        mamori_error_set(err, MAMORI_EINVAL, "the request would leave the tenant's [helpdesk] url (other host or port)");
        goto out;
    }
    {
        size_t bl = strlen(bpath);
        while (bl > 0 && bpath[bl - 1] == '/')
            bl--;
        if (strncmp(upath, bpath, bl) != 0 || (upath[bl] != '\0' && upath[bl] != '/')) {
            mamori_error_set(err, MAMORI_EINVAL, "the request path is not under the tenant's [helpdesk] url");
            goto out;
        }
        for (const char *p = upath; *p;) {
            const char *e;
            while (*p == '/')
                p++;
            e = strchr(p, '/');
            if (e == NULL)
                e = p + strlen(p);
            if (e > p && dot_segment(p, (size_t)(e - p))) {
                mamori_error_set(err, MAMORI_EINVAL, "the request path has a dot segment");
                goto out;
            }
            p = e;
        }
    }
    ok = 1;
out:
    curl_free(bscheme), curl_free(bhost), curl_free(bport), curl_free(bpath);
    curl_free(uscheme), curl_free(uhost), curl_free(uport), curl_free(upath), curl_free(uuser);
    curl_url_cleanup(bu);
    curl_url_cleanup(uu);
    return ok;
}

long mamori_deliver_retry_after(const char *value, long long now)
{
    char *end;
    long v;
    time_t t;

    if (value == NULL)
        return -1;
    while (*value == ' ')
        value++;
    if (*value >= '0' && *value <= '9') {
        errno = 0;
        v = strtol(value, &end, 10);
        while (*end == ' ' || *end == '\r' || *end == '\n')
            end++;
        return (errno || *end != '\0' || v < 0) ? -1 : v;
    }
    t = curl_getdate(value, NULL);
    if (t == (time_t)-1)
        return -1;
    return t > now ? (long)(t - now) : 0;
}

long mamori_deliver_backoff(long base, long max, long attempt)
{
    long d = base;
    unsigned char r = 0;

    for (long i = 1; i < attempt && d < max; i++)
        d *= 2;
    if (d > max)
        d = max;
    if (d <= 1)
        return 1;
    mamori_random_bytes(&r, 1);
    /* Equal jitter: at least half the delay, so retries still back off. */
    return d / 2 + (long)((double)(d - d / 2) * r / 255.0);
}

void mamori_outbound_setup(CURL *e, const struct mamori_settings *s, enum mamori_outbound_protocols protocols)
{
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, s->deliver_timeout);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, s->deliver_timeout < 10 ? s->deliver_timeout : 10L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    if (s->ca_file != NULL)
        curl_easy_setopt(e, CURLOPT_CAINFO, s->ca_file);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR,
                     protocols == MAMORI_OUTBOUND_SMTP            ? "smtp,smtps"
                     : protocols == MAMORI_OUTBOUND_HTTP_OR_HTTPS ? "http,https"
                                                                  : "https");
#else
    curl_easy_setopt(e, CURLOPT_PROTOCOLS,
                     protocols == MAMORI_OUTBOUND_SMTP            ? (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS)
                     : protocols == MAMORI_OUTBOUND_HTTP_OR_HTTPS ? (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)
                                                                  : (long)CURLPROTO_HTTPS);
#endif
}
