/* utf8.c -- see utf8.h. */
#include "config.h"

#include "base/utf8.h"

#include <utf8proc.h>

int mamori_utf8_valid(const char *s, size_t len, size_t *bad_offset)
{
    size_t pos = 0;

    while (pos < len) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n;

        if ((unsigned char)s[pos] < 0x80) {
            /* ASCII fast path; NUL is refused: it cannot pass through C strings. */
            if (s[pos] == '\0')
                goto bad;
            pos++;
            continue;
        }
        n = utf8proc_iterate((const utf8proc_uint8_t *)s + pos, (utf8proc_ssize_t)(len - pos), &cp);
        if (n <= 0)
            goto bad;
        pos += (size_t)n;
    }
    return 1;
bad:
    if (bad_offset != NULL)
        *bad_offset = pos;
    return 0;
}

size_t mamori_utf8_prefix(const char *s, size_t len, size_t max_bytes)
{
    size_t end;

    if (len <= max_bytes)
        return len;
    end = max_bytes;
    /* Step back over continuation bytes to the start of a sequence. */
    while (end > 0 && ((unsigned char)s[end] & 0xC0) == 0x80)
        end--;
    return end;
}
