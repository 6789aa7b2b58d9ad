/* secret.c -- see secret.h. */
#include "config.h"

#include "config/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "base/strv.h"
#include "config/settings.h"

#define MAX_SECRET 65536

static int finish(struct mamori_secret *out, const char *src, size_t len, const char *what, const char *where,
                  struct mamori_error *err)
{
    if (len > 0 && src[len - 1] == '\n')
        len--;
    if (len > 0 && src[len - 1] == '\r')
        len--;
    if (len == 0)
        return mamori_error_set(err, MAMORI_EINVAL, "%s from %s is empty", what, where);
    out->data = malloc(len + 1);
    if (out->data == NULL)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    memcpy(out->data, src, len);
    out->data[len] = '\0';
    out->len = len;
    return MAMORI_OK;
}

int mamori_secret_ref_option(struct mamori_secret_ref *ref, const char *base, const char *key, const char *value,
                             int line, const char *dir, int *handled, struct mamori_error *err)
{
    size_t bl = strlen(base);

    *handled = 0;
    if (strncmp(key, base, bl) != 0)
        return MAMORI_OK;
    if (strcmp(key + bl, "_file") != 0 && strcmp(key + bl, "_env") != 0) {
        if (key[bl] != '\0')
            return MAMORI_OK;
        *handled = 1;
        return mamori_error_set(err, MAMORI_EINVAL,
                                "secrets are never written inline: use %s_file = PATH or %s_env = VARIABLE", base, base);
    }
    *handled = 1;
    if (mamori_secret_ref_set(ref))
        return mamori_error_set(err, MAMORI_EINVAL, "%s is given twice (use either %s_file or %s_env)", base, base,
                                base);
    if (strcmp(key + bl, "_file") == 0)
        ref->file = mamori_path_join(dir, value);
    else
        ref->env = mamori_strdup(value);
    ref->line = line;
    return (ref->file || ref->env) ? MAMORI_OK : mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
}

int mamori_secret_ref_set(const struct mamori_secret_ref *ref)
{
    return ref->file != NULL || ref->env != NULL;
}

int mamori_secret_load(struct mamori_secret *out, const struct mamori_secret_ref *ref, const char *what,
                       struct mamori_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    struct stat st;
    int fd = -1, rc;

    memset(out, 0, sizeof *out);
    if (ref->env != NULL) {
        const char *v = getenv(ref->env);
        if (v == NULL)
            return mamori_error_set(err, MAMORI_EINVAL, "%s: environment variable %s is not set", what, ref->env);
        return finish(out, v, strlen(v), what, ref->env, err);
    }
    if (ref->file == NULL)
        return mamori_error_set(err, MAMORI_EINVAL, "%s: no file or environment variable configured", what);

    fd = open(ref->file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return mamori_error_set(err, MAMORI_EIO, "%s: cannot open %s: %s", what, ref->file, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = mamori_error_set(err, MAMORI_EIO, "%s: %s is not a regular file", what, ref->file);
        goto out;
    }
    /* Group read is allowed (root:mamori 0640 is the usual way to hand a
     * secret to a service user); anything more is refused. */
    if (st.st_mode & (S_IRWXO | S_IWGRP | S_IXGRP)) {
        rc = mamori_error_set(err, MAMORI_EINVAL,
                              "%s: %s is accessible by others (mode %03o); run: chmod 640 %s", what,
                              ref->file, (unsigned)(st.st_mode & 0777), ref->file);
        goto out;
    }
    if (st.st_size > MAX_SECRET) {
        rc = mamori_error_set(err, MAMORI_ETOOBIG, "%s: %s is larger than %d bytes", what, ref->file, MAX_SECRET);
        goto out;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL) {
        rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        goto out;
    }
    while (len < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = mamori_error_set(err, MAMORI_EIO, "%s: cannot read %s", what, ref->file);
            goto out;
        }
        len += (size_t)n;
    }
    rc = finish(out, buf, len, what, ref->file, err);
out:
    if (buf != NULL) {
        OPENSSL_cleanse(buf, len);
        free(buf);
    }
    close(fd);
    return rc;
}

void mamori_secret_free(struct mamori_secret *s)
{
    if (s->data != NULL) {
        OPENSSL_cleanse(s->data, s->len);
        free(s->data);
    }
    s->data = NULL;
    s->len = 0;
}

void mamori_secret_ref_free(struct mamori_secret_ref *ref)
{
    free(ref->file);
    free(ref->env);
    ref->file = ref->env = NULL;
}
