/*
 * broken_abi.c -- deliberately wrong plugins for the loader tests. One
 * source, built several times with -DBROKEN_<CASE>; each must be refused by
 * the host with a clear reason.
 */
#include <stddef.h>
#include <stdint.h>

#include <mamori/plugin.h>

static int noop_annotate(void *state, const struct mamori_host *host, mamori_request *req,
                         struct mamori_plugin_error *err)
{
    (void)state;
    (void)host;
    (void)req;
    (void)err;
    return 0;
}

static const struct mamori_plugin broken = {
    .struct_size = sizeof(struct mamori_plugin),
#if defined(BROKEN_MAJOR)
    .abi_major = MAMORI_PLUGIN_ABI_MAJOR + 1,
    .abi_minor = 0,
#elif defined(BROKEN_MINOR)
    .abi_major = MAMORI_PLUGIN_ABI_MAJOR,
    .abi_minor = MAMORI_PLUGIN_ABI_MINOR + 1,
#else
    .abi_major = MAMORI_PLUGIN_ABI_MAJOR,
    .abi_minor = MAMORI_PLUGIN_ABI_MINOR,
#endif
    .name = "broken",
    .version = "0",
    .annotate = noop_annotate,
};

#if defined(BROKEN_NO_ENTRY)
/* Exports a function, but not the entry point. */
MAMORI_PLUGIN_EXPORT const struct mamori_plugin *mamori_plugin_entry_v0(void);
MAMORI_PLUGIN_EXPORT const struct mamori_plugin *mamori_plugin_entry_v0(void)
{
    return &broken;
}
#else
MAMORI_PLUGIN_EXPORT const struct mamori_plugin *MAMORI_PLUGIN_ENTRY(uint16_t major, uint16_t minor)
{
    (void)major;
    (void)minor;
    return &broken;
}
#endif
