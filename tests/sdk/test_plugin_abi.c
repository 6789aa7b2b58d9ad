/*
 * test_plugin_abi.c -- the plugin ABI 1.1 (1.0 plus host->open_config_file), frozen.
 *
 * Every struct in <mamori/plugin.h>: its size and the offset of every
 * field, as _Static_asserts, so a change that moves a byte of the ABI by
 * accident fails to compile here (and `make check` with it). The numbers
 * are per data model: LP64 (x86_64, aarch64, ...) and i386 (ILP32, where
 * double is 4-aligned inside structs); other models only get the rules
 * that hold everywhere (struct_size first, reserved slots last).
 *
 * A deliberate change follows the rule in plugin.h ("Growing the ABI"):
 * append a field by taking reserved slots (the size stays the same, the
 * offsets of the fields before it too) and bump MAMORI_PLUGIN_ABI_MINOR;
 * then add the new field's offset here. Anything that moves an existing
 * field or changes a size is a new major.
 *
 * Only <mamori/plugin.h> is included: this is what a plugin compiles with.
 */
#include <stddef.h>
#include <stdio.h>

#include <mamori/plugin.h>

_Static_assert(MAMORI_PLUGIN_ABI_MAJOR == 1, "ABI major changed: a new major needs a new frozen table");
_Static_assert(MAMORI_PLUGIN_ABI_MINOR == 1,
               "ABI minor changed: add the fields appended in this minor to the table below");

#if defined(__LP64__) || defined(_LP64)
#define ABI_MODEL "LP64"
#define AT(lp64, i386) (lp64)
#elif defined(__i386__)
#define ABI_MODEL "i386"
#define AT(lp64, i386) (i386)
#endif

#ifdef ABI_MODEL
#define SIZE(s, lp64, i386) _Static_assert(sizeof(struct s) == AT(lp64, i386), "ABI: sizeof(struct " #s ") changed")
#define FIELD(s, f, lp64, i386)                                                                                        \
    _Static_assert(offsetof(struct s, f) == AT(lp64, i386), "ABI: offset of " #s "." #f " changed")

/* struct mamori_plugin_error */
SIZE(mamori_plugin_error, 516, 516);
FIELD(mamori_plugin_error, code, 0, 0);
FIELD(mamori_plugin_error, message, 4, 4);

/* struct mamori_plugin_option */
SIZE(mamori_plugin_option, 16, 8);
FIELD(mamori_plugin_option, key, 0, 0);
FIELD(mamori_plugin_option, value, 8, 4);

/* struct mamori_plugin_config */
SIZE(mamori_plugin_config, 112, 56);
FIELD(mamori_plugin_config, struct_size, 0, 0);
FIELD(mamori_plugin_config, tenant_id, 8, 4);
FIELD(mamori_plugin_config, language, 16, 8);
FIELD(mamori_plugin_config, config_dir, 24, 12);
FIELD(mamori_plugin_config, option_count, 32, 16);
FIELD(mamori_plugin_config, options, 40, 20);
FIELD(mamori_plugin_config, reserved, 48, 24);

/* struct mamori_category */
SIZE(mamori_category, 72, 44);
FIELD(mamori_category, struct_size, 0, 0);
FIELD(mamori_category, id, 8, 4);
FIELD(mamori_category, label, 16, 8);
FIELD(mamori_category, score, 24, 12);
FIELD(mamori_category, severity, 32, 20);
FIELD(mamori_category, flags, 36, 24);
FIELD(mamori_category, reserved, 40, 28);

/* struct mamori_evidence */
SIZE(mamori_evidence, 88, 48);
FIELD(mamori_evidence, struct_size, 0, 0);
FIELD(mamori_evidence, category_id, 8, 4);
FIELD(mamori_evidence, field, 16, 8);
FIELD(mamori_evidence, begin, 24, 12);
FIELD(mamori_evidence, end, 32, 16);
FIELD(mamori_evidence, rule_id, 40, 20);
FIELD(mamori_evidence, weight, 48, 24);
FIELD(mamori_evidence, reserved, 56, 32);

/* struct mamori_escalation */
SIZE(mamori_escalation, 64, 36);
FIELD(mamori_escalation, struct_size, 0, 0);
FIELD(mamori_escalation, level, 4, 4);
FIELD(mamori_escalation, category_id, 8, 8);
FIELD(mamori_escalation, reason, 16, 12);
FIELD(mamori_escalation, legal_basis, 24, 16);
FIELD(mamori_escalation, reserved, 32, 20);

/* struct mamori_host */
SIZE(mamori_host, 248, 128);
FIELD(mamori_host, struct_size, 0, 0);
FIELD(mamori_host, abi_major, 4, 4);
FIELD(mamori_host, abi_minor, 6, 6);
FIELD(mamori_host, log, 8, 8);
FIELD(mamori_host, ticket_field, 16, 12);
FIELD(mamori_host, ticket_tag_count, 24, 16);
FIELD(mamori_host, ticket_tag, 32, 20);
FIELD(mamori_host, history_count, 40, 24);
FIELD(mamori_host, add_category, 48, 28);
FIELD(mamori_host, add_evidence, 56, 32);
FIELD(mamori_host, add_first_response_step, 64, 36);
FIELD(mamori_host, set_reply_draft, 72, 40);
FIELD(mamori_host, add_training_link, 80, 44);
FIELD(mamori_host, set_flame_risk, 88, 48);
FIELD(mamori_host, raise_escalation, 96, 52);
FIELD(mamori_host, add_tag, 104, 56);
FIELD(mamori_host, add_source, 112, 60);
FIELD(mamori_host, open_config_file, 120, 64); /* since 1.1 */
FIELD(mamori_host, reserved, 128, 68);

/* struct mamori_plugin */
SIZE(mamori_plugin, 136, 72);
FIELD(mamori_plugin, struct_size, 0, 0);
FIELD(mamori_plugin, abi_major, 4, 4);
FIELD(mamori_plugin, abi_minor, 6, 6);
FIELD(mamori_plugin, name, 8, 8);
FIELD(mamori_plugin, version, 16, 12);
FIELD(mamori_plugin, description, 24, 16);
FIELD(mamori_plugin, flags, 32, 20);
FIELD(mamori_plugin, option_keys, 40, 24);
FIELD(mamori_plugin, open, 48, 28);
FIELD(mamori_plugin, annotate, 56, 32);
FIELD(mamori_plugin, close, 64, 36);
FIELD(mamori_plugin, reserved, 72, 40);

_Static_assert(MAMORI_PLUGIN_V1_0_SIZE == AT(72, 40), "ABI: the 1.0 size of struct mamori_plugin changed");
#endif

/* Everywhere: the size comes first, and the reserved slots are the tail. */
#define TAIL(s)                                                                                                        \
    _Static_assert(offsetof(struct s, struct_size) == 0, "ABI: struct " #s " must start with struct_size");          \
    _Static_assert(offsetof(struct s, reserved) + sizeof(((struct s *)0)->reserved) == sizeof(struct s),              \
                   "ABI: the reserved slots of struct " #s " must be its last bytes")
TAIL(mamori_plugin_config);
TAIL(mamori_category);
TAIL(mamori_evidence);
TAIL(mamori_escalation);
TAIL(mamori_host);
TAIL(mamori_plugin);
_Static_assert(sizeof(((struct mamori_plugin_error *)0)->message) == 512, "ABI: the error message buffer changed");

int main(void)
{
    printf("1..1\n");
#ifdef ABI_MODEL
    printf("ok 1 - the plugin ABI 1.1 layout is frozen for %s (checked at compile time)\n", ABI_MODEL);
#else
    printf("ok 1 # SKIP no frozen layout for this data model (only struct_size first and reserved last checked)\n");
#endif
    return 0;
}
