/* connector/common.c -- see common.h. */
#include "config.h"

#include "connector/common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/strv.h"
#include "note/note.h"

int mamori_cx_hmac_verify(const struct mamori_webhook *in, const char *header, const char *prefix,
                          enum mamori_hmac_alg alg, enum mamori_cx_encoding enc, const struct mamori_bytes *parts,
                          size_t nparts, struct mamori_error *err)
{
    const char *h = mamori_webhook_header(in, header);
    const struct mamori_tenant *t = in->tenant;
    unsigned char mac[MAMORI_HMAC_MAX];
    char expected[2 * MAMORI_HMAC_MAX + 8];
    size_t mac_len = 0, plen = prefix ? strlen(prefix) : 0;

    if (h == NULL || h[0] == '\0')
        return mamori_error_set(err, MAMORI_EAUTH, "missing %s header", header);
    if (plen > 0) {
        if (strncasecmp(h, prefix, plen) != 0)
            return mamori_error_set(err, MAMORI_EAUTH, "malformed %s header (expected %s<signature>)", header,
                                    prefix);
        h += plen;
    }
    if (mamori_hmac(alg, t->webhook_secret.data, t->webhook_secret.len, parts, nparts, mac, &mac_len) != 0)
        return mamori_error_set(err, MAMORI_EAUTH, "signature could not be computed");
    if (enc == MAMORI_CX_HEX)
        mamori_hex_encode(mac, mac_len, expected);
    else
        mamori_base64_encode(mac, mac_len, expected);
    if (!mamori_signature_equal(h, strlen(h), expected, enc == MAMORI_CX_HEX))
        return mamori_error_set(err, MAMORI_EAUTH, "%s does not match the body", header);
    return MAMORI_OK;
}

int mamori_cx_shared_secret_verify(const struct mamori_webhook *in, int allow_path, struct mamori_error *err)
{
    const struct mamori_tenant *t = in->tenant;
    const char *auth = mamori_webhook_header(in, "Authorization");
    const char *token = mamori_webhook_header(in, "X-Mamori-Token");
    char *expected, *secret;
    int ok = 0;

    /* 4/3 of the secret plus padding for the Basic form. */
    expected = malloc(4 * (t->webhook_secret.len / 3 + 1) + 1);
    secret = mamori_strndup((const char *)t->webhook_secret.data, t->webhook_secret.len);
    if (expected == NULL || secret == NULL) {
        free(expected);
        free(secret);
        return mamori_error_set(err, MAMORI_EAUTH, "out of memory checking credentials");
    }
    mamori_base64_encode(t->webhook_secret.data, t->webhook_secret.len, expected);
    if (auth != NULL && strncasecmp(auth, "Basic ", 6) == 0) {
        const char *v = auth + 6;
        while (*v == ' ')
            v++;
        ok = mamori_signature_equal(v, strlen(v), expected, 0);
    } else if (token != NULL) {
        ok = mamori_signature_equal(token, strlen(token), secret, 0);
    } else if (allow_path && in->path_suffix != NULL && in->path_suffix[0] != '\0') {
        ok = mamori_signature_equal(in->path_suffix, strlen(in->path_suffix), secret, 0);
    } else {
        free(expected);
        explicit_bzero(secret, t->webhook_secret.len);
        free(secret);
        return mamori_error_set(err, MAMORI_EAUTH,
                                "missing credentials: this helpdesk does not sign webhooks, so send the tenant's "
                                "webhook secret as HTTP Basic auth (user:password)%s",
                                allow_path ? ", an X-Mamori-Token header or a path token" : " or an X-Mamori-Token header");
    }
    free(expected);
    explicit_bzero(secret, t->webhook_secret.len);
    free(secret);
    return ok ? MAMORI_OK : mamori_error_set(err, MAMORI_EAUTH, "the credentials do not match the tenant's webhook secret");
}

/* ---- HTML to text ---- */

static void put_utf8(struct mamori_buf *b, unsigned long cp)
{
    char u[4];
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    if (cp < 0x80) {
        mamori_buf_putc(b, (char)cp);
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        mamori_buf_append(b, u, 2);
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        mamori_buf_append(b, u, 3);
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        mamori_buf_append(b, u, 4);
    }
}

/* Decode the entity at s (after '&'); returns bytes consumed, 0 if none. */
static size_t entity(const char *s, size_t len, struct mamori_buf *b)
{
    static const struct { const char *name; const char *text; } names[] = {
        {"amp;", "&"}, {"lt;", "<"}, {"gt;", ">"}, {"quot;", "\""}, {"apos;", "'"}, {"nbsp;", " "},
        {"#39;", "'"}, {"hellip;", "\xE2\x80\xA6"}, {"yen;", "\xC2\xA5"}, {"copy;", "\xC2\xA9"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t n = strlen(names[i].name);
        if (len >= n && strncasecmp(s, names[i].name, n) == 0) {
            mamori_buf_puts(b, names[i].text);
            return n;
        }
    }
    if (len > 2 && s[0] == '#') {
        unsigned long cp = 0;
        size_t i = 1;
        int hex = (s[1] == 'x' || s[1] == 'X');
        if (hex)
            i++;
        size_t start = i;
        for (; i < len && i < 12; i++) {
            char c = s[i];
            if (c >= '0' && c <= '9')
                cp = cp * (hex ? 16 : 10) + (unsigned long)(c - '0');
            else if (hex && ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'))
                cp = cp * 16 + (unsigned long)((c | 0x20) - 'a' + 10);
            else
                break;
        }
        if (i > start && i < len && s[i] == ';') {
            put_utf8(b, cp);
            return i + 1;
        }
    }
    return 0;
}

static int tag_is(const char *name, size_t n, const char *want)
{
    return strlen(want) == n && strncasecmp(name, want, n) == 0;
}

char *mamori_html_to_text(const char *html, size_t len, size_t *out_len)
{
    static const char *const blocks[] = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
                                         "blockquote", "ul", "ol", "table", "pre", "hr", NULL};
    struct mamori_buf b = MAMORI_BUF_INIT;
    const char *skip_until = NULL;
    char *text, *w;
    size_t i = 0, n;

    while (i < len) {
        char c = html[i];
        if (c == '<') {
            size_t j = i + 1, name_start, name_len;
            int closing = 0;
            if (len - j >= 3 && strncmp(html + j, "!--", 3) == 0) {
                const char *end = NULL;
                for (size_t k = j + 3; k + 2 < len; k++)
                    if (html[k] == '-' && html[k + 1] == '-' && html[k + 2] == '>') {
                        end = html + k + 3;
                        break;
                    }
                i = end ? (size_t)(end - html) : len;
                continue;
            }
            if (j < len && html[j] == '/') {
                closing = 1;
                j++;
            }
            name_start = j;
            while (j < len && ((((html[j] | 0x20) >= 'a') && ((html[j] | 0x20) <= 'z')) || (html[j] >= '0' && html[j] <= '9')))
                j++;
            name_len = j - name_start;
            if (name_len == 0) { /* a lone '<' in text */
                mamori_buf_putc(&b, c);
                i++;
                continue;
            }
            while (j < len && html[j] != '>')
                j++;
            if (skip_until != NULL) {
                if (closing && tag_is(html + name_start, name_len, skip_until))
                    skip_until = NULL;
            } else if (!closing && (tag_is(html + name_start, name_len, "script") ||
                                    tag_is(html + name_start, name_len, "style"))) {
                skip_until = tag_is(html + name_start, name_len, "script") ? "script" : "style";
            } else {
                for (size_t k = 0; blocks[k]; k++)
                    if (tag_is(html + name_start, name_len, blocks[k])) {
                        /* <br> and block ends end a line; block starts
                         * only when text precedes them. */
                        if (closing || tag_is(html + name_start, name_len, "br") || (b.len && b.data[b.len - 1] != '\n'))
                            mamori_buf_putc(&b, '\n');
                        break;
                    }
            }
            i = j < len ? j + 1 : len;
            continue;
        }
        if (skip_until != NULL) {
            i++;
            continue;
        }
        if (c == '&' && (n = entity(html + i + 1, len - i - 1, &b)) > 0) {
            i += n + 1;
            continue;
        }
        if (c == '\r') {
            i++;
            continue;
        }
        mamori_buf_putc(&b, c);
        i++;
    }
    if (b.failed) {
        mamori_buf_free(&b);
        return NULL;
    }
    text = mamori_buf_steal(&b);
    if (text == NULL && (text = mamori_strdup("")) == NULL)
        return NULL;
    /* Squeeze 3+ newlines to 2, trim trailing whitespace lines. */
    w = text;
    n = 0;
    for (const char *r = text; *r; r++) {
        if (*r == '\n') {
            if (++n > 2 || w == text)
                continue;
        } else {
            n = 0;
        }
        *w++ = *r;
    }
    while (w > text && (w[-1] == '\n' || w[-1] == ' '))
        w--;
    *w = '\0';
    if (out_len)
        *out_len = (size_t)(w - text);
    return text;
}

/* ---- times ---- */

static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int mamori_cx_parse_offset(const char *s, long *out)
{
    int hh, mm;
    int sign;

    if (strcmp(s, "Z") == 0 || strcasecmp(s, "UTC") == 0) {
        *out = 0;
        return MAMORI_OK;
    }
    if (s[0] != '+' && s[0] != '-')
        return MAMORI_EINVAL;
    sign = s[0] == '-' ? -1 : 1;
    s++;
    if (digits(s, 2, &hh) != 0)
        return MAMORI_EINVAL;
    s += 2;
    if (*s == ':')
        s++;
    if (digits(s, 2, &mm) != 0 || s[2] != '\0' || hh > 14 || mm > 59)
        return MAMORI_EINVAL;
    *out = sign * (hh * 3600L + mm * 60L);
    return MAMORI_OK;
}

int mamori_cx_parse_time(const char *s, long default_offset, long long *out)
{
    int y, mo, d, h, mi, sec = 0;
    long off = default_offset;
    const char *p;

    if (s == NULL || strlen(s) < 16 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
        digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || digits(s + 11, 2, &h) ||
        s[13] != ':' || digits(s + 14, 2, &mi))
        return MAMORI_EINVAL;
    p = s + 16;
    if (*p == ':') {
        if (digits(p + 1, 2, &sec))
            return MAMORI_EINVAL;
        p += 3;
    }
    if (*p == '.' || *p == ',') {
        p++;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p != '\0' && mamori_cx_parse_offset(p, &off) != 0)
        return MAMORI_EINVAL;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return MAMORI_EINVAL;
    *out = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400LL + h * 3600LL + mi * 60LL + sec - off;
    return MAMORI_OK;
}

void mamori_cx_format_utc(long long t, char out[21])
{
    long long days = t >= 0 ? t / 86400 : (t - 86399) / 86400, rem = t - days * 86400;
    /* civil_from_days */
    long long z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long y = (long long)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    snprintf(out, 21, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", y % 10000, m, d, rem / 3600, rem / 60 % 60, rem % 60);
}

int mamori_cx_set_time(char **dst, const char *s, long default_offset, const char *what, struct mamori_error *err)
{
    long long t;
    char buf[21];

    if (s == NULL || s[0] == '\0')
        return MAMORI_OK;
    if (mamori_cx_parse_time(s, default_offset, &t) != 0)
        return mamori_error_set(err, MAMORI_EINVAL, "\"%s\" is not a date and time (ISO 8601 expected)", what);
    mamori_cx_format_utc(t, buf);
    return mamori_ticket_set(dst, buf);
}

/* ---- JSON ---- */

json_t *mamori_cx_get(json_t *root, const char *path)
{
    char key[128];
    const char *p = path;

    while (root != NULL && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n >= sizeof key || !json_is_object(root))
            return NULL;
        memcpy(key, p, n);
        key[n] = '\0';
        root = json_object_get(root, key);
        p += n + (dot != NULL);
    }
    return root;
}

const char *mamori_cx_str(json_t *root, const char *path)
{
    return json_string_value(mamori_cx_get(root, path));
}

int mamori_cx_take_str(char **dst, json_t *root, const char *path)
{
    json_t *v = mamori_cx_get(root, path);
    if (!json_is_string(v))
        return MAMORI_OK;
    return mamori_ticket_set(dst, json_string_value(v));
}

int mamori_cx_set_body(struct mamori_ticket *t, const char *text, size_t len, int is_html)
{
    char *b;
    size_t n = len;

    if (text == NULL)
        return MAMORI_OK;
    b = is_html ? mamori_html_to_text(text, len, &n) : mamori_strndup(text, len);
    if (b == NULL)
        return MAMORI_ENOMEM;
    free(t->body);
    t->body = b;
    t->body_len = is_html ? n : len;
    return MAMORI_OK;
}

int mamori_cx_is_own_note(const char *text)
{
    const char *m;
    if (text == NULL)
        return 0;
    m = strstr(text, MAMORI_NOTE_MARKER);
    return m != NULL && strstr(m, MAMORI_NOTE_REF_PREFIX) != NULL;
}

int mamori_cx_ignore(struct mamori_ticket *t, const char *reason)
{
    return mamori_ticket_set(&t->ignore_reason, reason);
}

const char *mamori_cx_option(const struct mamori_tenant *t, const char *key)
{
    return mamori_option_get(&t->helpdesk_options, key);
}

int mamori_cx_derived_id(char **dst, const char *prefix, const char *a, const char *b, const char *c)
{
    struct mamori_buf in = MAMORI_BUF_INIT;
    unsigned char d[32];
    char hex[65];
    int rc;

    mamori_buf_printf(&in, "%s%c%s%c%s", a ? a : "", 0, b ? b : "", 0, c ? c : "");
    if (in.failed || mamori_sha256(in.data, in.len, d) != 0) {
        mamori_buf_free(&in);
        return MAMORI_ENOMEM;
    }
    mamori_buf_free(&in);
    mamori_hex_encode(d, 16, hex);
    free(*dst);
    *dst = mamori_cx_printf("%s:%s", prefix, hex);
    rc = *dst ? MAMORI_OK : MAMORI_ENOMEM;
    return rc;
}

char *mamori_cx_printf(const char *fmt, ...)
{
    va_list ap;
    char *s;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || (s = malloc((size_t)n + 1)) == NULL)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}
