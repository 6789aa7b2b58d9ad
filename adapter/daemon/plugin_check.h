/*
 * plugin_check.h -- run the plugins' open() of a new generation in a child
 * process, never in the supervisor.
 *
 * mamori-fcgi loads a generation with MAMORI_GEN_DEFER_OPEN (the plugins
 * are dlopen()ed and their descriptors and options checked, but no open()
 * runs). Before the generation may serve -- at start, on SIGHUP, and for
 * `mamori-fcgi -t` -- a forked child opens every tenant's plugins and
 * reports each result through a pipe: so a plugin that crashes (or hangs)
 * in open() fails the check with its tenant and plugin named, instead of
 * ending the daemon. The child dumps no core. The supervisor's opener
 * (supervisor.c, "Opener") then opens them for the processes that serve.
 */
#ifndef MAMORI_PLUGIN_CHECK_H
#define MAMORI_PLUGIN_CHECK_H

#include "base/error.h"
#include "config/generation.h"

/* How long one check may take (every open() of the generation). */
#define MAMORI_PLUGIN_CHECK_TIMEOUT 120

/* Open g's plugins in a child and close them again. Returns 0 when every
 * tenant not already failed opened; otherwise the first failure in err
 * ("tenant T: plugin P crashed in open() (signal 11, Segmentation fault)"
 * or the plugin's own message). With degraded_ok each failing tenant is
 * marked failed instead (mamori_generation_tenant_failed: logged, served
 * 503) and the others are checked on; only out of memory or a failed fork
 * fail the whole check then. */
int mamori_plugin_check(struct mamori_generation *g, int degraded_ok, struct mamori_error *err);

#endif
