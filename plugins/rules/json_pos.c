/* json_pos.c -- see json_pos.h. */
#include "config.h"

#include "json_pos.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 256

struct entry {
    char *key;                 /* the pointer; NULL: empty slot */
    struct rules_jpos pos;
};

struct rules_jpos_index {
    struct entry *slots;
    size_t cap, count;
};

struct scanner {
    const unsigned char *s;
    size_t len, i;
    int line, col;
    struct rules_jpos_index *ix;
    struct rules_buf path;
    int failed;
};

static int put(struct rules_jpos_index *ix, const char *key, size_t klen, const struct rules_jpos *pos)
{
    size_t s;

    if ((ix->count + 1) * 2 > ix->cap) {
        size_t ncap = ix->cap ? ix->cap * 2 : 256;
        struct entry *n = calloc(ncap, sizeof *n);
        if (n == NULL)
            return RULES_ENOMEM;
        for (size_t i = 0; i < ix->cap; i++)
            if (ix->slots[i].key != NULL) {
                size_t t = (size_t)rules_hash(ix->slots[i].key, strlen(ix->slots[i].key)) & (ncap - 1);
                while (n[t].key != NULL)
                    t = (t + 1) & (ncap - 1);
                n[t] = ix->slots[i];
            }
        free(ix->slots);
        ix->slots = n;
        ix->cap = ncap;
    }
    s = (size_t)rules_hash(key, klen) & (ix->cap - 1);
    while (ix->slots[s].key != NULL) {
        if (strlen(ix->slots[s].key) == klen && memcmp(ix->slots[s].key, key, klen) == 0) {
            ix->slots[s].pos = *pos; /* duplicate key: jansson refuses it anyway */
            return RULES_OK;
        }
        s = (s + 1) & (ix->cap - 1);
    }
    ix->slots[s].key = rules_strndup(key, klen);
    if (ix->slots[s].key == NULL)
        return RULES_ENOMEM;
    ix->slots[s].pos = *pos;
    ix->count++;
    return RULES_OK;
}

int rules_jpos_lookup(const struct rules_jpos_index *ix, const char *pointer, struct rules_jpos *pos)
{
    size_t klen = strlen(pointer), s;

    if (ix == NULL || ix->cap == 0)
        return RULES_ENOTFOUND;
    s = (size_t)rules_hash(pointer, klen) & (ix->cap - 1);
    while (ix->slots[s].key != NULL) {
        if (strcmp(ix->slots[s].key, pointer) == 0) {
            *pos = ix->slots[s].pos;
            return RULES_OK;
        }
        s = (s + 1) & (ix->cap - 1);
    }
    return RULES_ENOTFOUND;
}

void rules_jpos_free(struct rules_jpos_index *ix)
{
    if (ix == NULL)
        return;
    for (size_t i = 0; i < ix->cap; i++)
        free(ix->slots[i].key);
    free(ix->slots);
    free(ix);
}

int rules_jpos_append(struct rules_buf *p, const char *token)
{
    rules_buf_putc(p, '/');
    for (const char *c = token; *c; c++) {
        if (*c == '~')
            rules_buf_add(p, "~0", 2);
        else if (*c == '/')
            rules_buf_add(p, "~1", 2);
        else
            rules_buf_putc(p, *c);
    }
    return p->failed ? RULES_ENOMEM : RULES_OK;
}

int rules_jpos_append_index(struct rules_buf *p, size_t index)
{
    return rules_buf_printf(p, "/%zu", index);
}

/* Advance one byte, keeping line and character column. */
static void adv(struct scanner *sc)
{
    unsigned char c = sc->s[sc->i++];

    if (c == '\n') {
        sc->line++;
        sc->col = 1;
    } else if ((c & 0xC0) != 0x80) {
        sc->col++;
    }
}

static void ws(struct scanner *sc)
{
    while (sc->i < sc->len &&
           (sc->s[sc->i] == ' ' || sc->s[sc->i] == '\t' || sc->s[sc->i] == '\n' || sc->s[sc->i] == '\r'))
        adv(sc);
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static long read_hex4(struct scanner *sc)
{
    long v = 0;

    for (int k = 0; k < 4; k++) {
        int h;
        if (sc->i >= sc->len || (h = hexval(sc->s[sc->i])) < 0)
            return -1;
        v = v * 16 + h;
        adv(sc);
    }
    return v;
}

/* Scan a string at '"'; decoded bytes go to out (may be NULL). */
static int scan_string(struct scanner *sc, struct rules_buf *out)
{
    if (sc->i >= sc->len || sc->s[sc->i] != '"')
        return RULES_EINVAL;
    adv(sc);
    while (sc->i < sc->len) {
        unsigned char c = sc->s[sc->i];
        if (c == '"') {
            adv(sc);
            return RULES_OK;
        }
        if (c == '\\') {
            adv(sc);
            if (sc->i >= sc->len)
                return RULES_EINVAL;
            c = sc->s[sc->i];
            adv(sc);
            if (c == 'u') {
                long cp = read_hex4(sc);
                uint8_t enc[4];
                if (cp < 0)
                    return RULES_EINVAL;
                if (cp >= 0xD800 && cp <= 0xDBFF && sc->i + 1 < sc->len && sc->s[sc->i] == '\\' &&
                    sc->s[sc->i + 1] == 'u') {
                    long lo;
                    adv(sc);
                    adv(sc);
                    lo = read_hex4(sc);
                    if (lo < 0xDC00 || lo > 0xDFFF)
                        return RULES_EINVAL;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                if (out)
                    rules_buf_add(out, enc, rules_utf8_put((uint32_t)cp, enc));
            } else if (out) {
                char d = (char)c;
                switch (c) {
                case 'b': d = '\b'; break;
                case 'f': d = '\f'; break;
                case 'n': d = '\n'; break;
                case 'r': d = '\r'; break;
                case 't': d = '\t'; break;
                default: break;
                }
                rules_buf_putc(out, d);
            }
            continue;
        }
        if (out)
            rules_buf_putc(out, (char)c);
        adv(sc);
    }
    return RULES_EINVAL;
}

static int scan_value(struct scanner *sc, int depth, int key_line, int key_col);

static int record(struct scanner *sc, int key_line, int key_col)
{
    struct rules_jpos pos = {sc->line, sc->col, key_line, key_col};

    if (sc->path.failed)
        return RULES_ENOMEM;
    return put(sc->ix, sc->path.data ? sc->path.data : "", sc->path.len, &pos);
}

static int scan_object(struct scanner *sc, int depth)
{
    struct rules_buf key = RULES_BUF_INIT;
    int rc = RULES_OK;

    adv(sc); /* { */
    ws(sc);
    if (sc->i < sc->len && sc->s[sc->i] == '}') {
        adv(sc);
        return RULES_OK;
    }
    for (;;) {
        size_t base = sc->path.len;
        int kl, kc;

        ws(sc);
        kl = sc->line;
        kc = sc->col;
        key.len = 0;
        rules_buf_add(&key, "", 0);
        if ((rc = scan_string(sc, &key)) != 0)
            break;
        if (key.failed) {
            rc = RULES_ENOMEM;
            break;
        }
        ws(sc);
        if (sc->i >= sc->len || sc->s[sc->i] != ':') {
            rc = RULES_EINVAL;
            break;
        }
        adv(sc);
        if ((rc = rules_jpos_append(&sc->path, key.data)) != 0)
            break;
        rc = scan_value(sc, depth + 1, kl, kc);
        sc->path.len = base;
        if (sc->path.data)
            sc->path.data[base] = '\0';
        if (rc != 0)
            break;
        ws(sc);
        if (sc->i < sc->len && sc->s[sc->i] == ',') {
            adv(sc);
            continue;
        }
        if (sc->i < sc->len && sc->s[sc->i] == '}') {
            adv(sc);
            break;
        }
        rc = RULES_EINVAL;
        break;
    }
    rules_buf_free(&key);
    return rc;
}

static int scan_array(struct scanner *sc, int depth)
{
    size_t index = 0;
    int rc;

    adv(sc); /* [ */
    ws(sc);
    if (sc->i < sc->len && sc->s[sc->i] == ']') {
        adv(sc);
        return RULES_OK;
    }
    for (;;) {
        size_t base = sc->path.len;
        if ((rc = rules_jpos_append_index(&sc->path, index++)) != 0)
            return rc;
        rc = scan_value(sc, depth + 1, 0, 0);
        sc->path.len = base;
        if (sc->path.data)
            sc->path.data[base] = '\0';
        if (rc != 0)
            return rc;
        ws(sc);
        if (sc->i < sc->len && sc->s[sc->i] == ',') {
            adv(sc);
            continue;
        }
        if (sc->i < sc->len && sc->s[sc->i] == ']') {
            adv(sc);
            return RULES_OK;
        }
        return RULES_EINVAL;
    }
}

static int scan_value(struct scanner *sc, int depth, int key_line, int key_col)
{
    int rc;

    if (depth > MAX_DEPTH)
        return RULES_EINVAL;
    ws(sc);
    if (sc->i >= sc->len)
        return RULES_EINVAL;
    if ((rc = record(sc, key_line, key_col)) != 0)
        return rc;
    switch (sc->s[sc->i]) {
    case '{':
        return scan_object(sc, depth);
    case '[':
        return scan_array(sc, depth);
    case '"':
        return scan_string(sc, NULL);
    default:
        /* number, true, false, null: up to the next delimiter */
        while (sc->i < sc->len && !strchr(",]} \t\r\n", sc->s[sc->i]))
            adv(sc);
        return RULES_OK;
    }
}

int rules_jpos_build(const char *text, size_t len, struct rules_jpos_index **out)
{
    struct scanner sc;
    int rc;

    *out = calloc(1, sizeof **out);
    if (*out == NULL)
        return RULES_ENOMEM;
    memset(&sc, 0, sizeof sc);
    sc.s = (const unsigned char *)text;
    sc.len = len;
    sc.line = 1;
    sc.col = 1;
    sc.ix = *out;
    /* A UTF-8 byte order mark is not a column. */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        sc.i = 3;
    rules_buf_add(&sc.path, "", 0);
    rc = scan_value(&sc, 0, 0, 0);
    rules_buf_free(&sc.path);
    return rc;
}
