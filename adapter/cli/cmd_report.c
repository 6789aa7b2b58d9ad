/* cli/cmd_report.c -- `mamori report --tenant T --from DAY --to DAY
 * [--format html|pdf|csv|json] [--output FILE]`: one tenant's report over
 * a period (report/report_data.h), to stdout or a file written whole
 * (FILE.tmp renamed), so a failed run never leaves a half report. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "config/generation.h"
#include "report/render.h"
#include "report/report_data.h"
#include "store/incidents.h"

int mamori_cli_write_output(const char *path, const void *data, size_t len)
{
    char tmp[4096];
    FILE *f;

    if (path == NULL || strcmp(path, "-") == 0)
        return fwrite(data, 1, len, stdout) == len && fflush(stdout) == 0 ? 0 : 1;
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
        fprintf(stderr, "mamori: output path too long\n");
        return 1;
    }
    if ((f = fopen(tmp, "wb")) == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0 ||
        rename(tmp, path) != 0) {
        fprintf(stderr, "mamori: cannot write %s: check the directory exists and is writable\n", path);
        if (f != NULL)
            remove(tmp);
        return 1;
    }
    return 0;
}

int mamori_cli_tenant_known(const struct mamori_cli *cli, struct mamori_store *st, const char *tenant)
{
    struct mamori_generation *g = NULL;
    struct mamori_error err;
    int known = 0;

    if (mamori_generation_load(&g, cli->config_path, 0, MAMORI_GEN_NO_PLUGINS, &err) == 0) {
        known = mamori_generation_tenant(g, tenant) != NULL;
        mamori_generation_free(g);
    }
    /* A tenant removed from the configuration still has its records. */
    if (!known && mamori_incident_tenant_known(st, tenant, &known, &err) != 0) {
        fprintf(stderr, "mamori: %s\n", err.message);
        return -1;
    }
    return known;
}

int mamori_cli_need_schema(struct mamori_store *st, int version)
{
    int v = 0;

    if (mamori_store_file_version(st, &v) == 0 && v < version) {
        fprintf(stderr, "mamori: the store is at schema %d and this needs %d (incident records): start this "
                        "version's mamori-fcgi once, which migrates it\n", v, version);
        return 1;
    }
    return 0;
}

static int usage(FILE *out)
{
    fprintf(out, "Usage: mamori [-c CONFIG] report --tenant ID --from YYYY-MM-DD --to YYYY-MM-DD\n"
                 "                          [--format html|pdf|csv|json] [--output FILE]\n"
                 "One tenant's incident report over the days from..to (both included, UTC):\n"
                 "incidents per month, category, channel and severity; harassment vs legitimate\n"
                 "complaints; repeat customers (pseudonymous); escalations and time to\n"
                 "acknowledgement; the lawyer's 受任; consultations and warnings; training reach.\n"
                 "json (default) and csv for tools, html (one self-contained file) and pdf for people.\n"
                 "Exit 0 with the report (an empty period says so), 1 for an unknown tenant or a\n"
                 "store error, 2 for a broken date range or bad usage.\n");
    return out == stdout ? 0 : 2;
}

int mamori_cmd_report(const struct mamori_cli *cli, int argc, char **argv)
{
    const char *tenant = NULL, *from = NULL, *to = NULL, *format = "json", *output = NULL;
    struct mamori_buf out = MAMORI_BUF_INIT;
    struct mamori_report r;
    struct mamori_store *st = NULL;
    struct mamori_error err;
    char *text = NULL;
    int rc = 1, known;

    for (int i = 1; i < argc; i++) {
        const char **slot = strcmp(argv[i], "--tenant") == 0   ? &tenant
                            : strcmp(argv[i], "--from") == 0   ? &from
                            : strcmp(argv[i], "--to") == 0     ? &to
                            : strcmp(argv[i], "--format") == 0 ? &format
                            : strcmp(argv[i], "--output") == 0 ? &output
                                                               : NULL;
        if (mamori_cli_is_help(argv[i]))
            return usage(stdout);
        if (slot == NULL || i + 1 >= argc) {
            fprintf(stderr, "mamori report: unexpected %s\n", argv[i]);
            return usage(stderr);
        }
        *slot = argv[++i];
    }
    if (tenant == NULL || from == NULL || to == NULL) {
        fprintf(stderr, "mamori report: --tenant, --from and --to are required\n");
        return usage(stderr);
    }
    if (strcmp(format, "html") != 0 && strcmp(format, "pdf") != 0 && strcmp(format, "csv") != 0 &&
        strcmp(format, "json") != 0) {
        fprintf(stderr, "mamori report: --format must be html, pdf, csv or json, not \"%s\"\n", format);
        return 2;
    }
    /* The range first: a broken one is the caller's mistake, whatever the store holds. */
    {
        long long f, t;
        if (mamori_report_parse_day(from, &f, &err) != 0 || mamori_report_parse_day(to, &t, &err) != 0) {
            fprintf(stderr, "mamori report: %s\n", err.message);
            return 2;
        }
        if (t < f) {
            fprintf(stderr, "mamori report: the period is broken: --to %s is before --from %s\n", to, from);
            return 2;
        }
    }
    if (mamori_cli_open_store(cli, MAMORI_STORE_READONLY, &st) != 0)
        return 1;
    if (mamori_cli_need_schema(st, mamori_incident_schema(st)) != 0) {
        mamori_store_close(st);
        return 1;
    }
    if ((known = mamori_cli_tenant_known(cli, st, tenant)) <= 0) {
        if (known == 0)
            fprintf(stderr, "mamori report: unknown tenant \"%s\": it is not in the configuration and the store "
                            "has no records of it (`mamori status` lists the tenants)\n", tenant);
        mamori_store_close(st);
        return 1;
    }
    if (mamori_report_build(st, tenant, from, to, time(NULL), &r, &err) != 0) {
        fprintf(stderr, "mamori report: %s\n", err.message);
        mamori_store_close(st);
        return err.code == MAMORI_EINVAL ? 2 : 1;
    }
    mamori_store_close(st);
    if (r.incidents == 0)
        fprintf(stderr, "mamori report: no incidents were recorded for %s from %s to %s (the report says so)\n",
                tenant, from, to);
    if (strcmp(format, "json") == 0) {
        json_t *j = mamori_report_to_json(&r);
        text = j ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
        json_decref(j);
        rc = text == NULL || mamori_buf_puts(&out, text) != 0 || mamori_buf_putc(&out, '\n') != 0;
    } else if (strcmp(format, "csv") == 0) {
        rc = mamori_report_render_csv(&r, &out) != 0;
    } else if (strcmp(format, "html") == 0) {
        rc = mamori_report_render_html(&r, &out) != 0;
    } else {
        rc = mamori_report_render_pdf(&r, &out) != 0;
    }
    if (rc != 0)
        fprintf(stderr, "mamori report: rendering the %s failed (out of memory, or cairo could not draw)\n", format);
    else
        rc = mamori_cli_write_output(output, out.data, out.len);
    free(text);
    mamori_buf_free(&out);
    mamori_report_free(&r);
    return rc;
}
