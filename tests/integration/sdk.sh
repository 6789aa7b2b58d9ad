#!/bin/bash
# The plugin SDK as a plugin author uses it: install mamori into a scratch
# root, build plugins/example out of tree against the installed
# mamori-plugin.pc (its own Makefile), check it exports only the entry
# symbol, unit-test it against the installed mock host
# (mamori-plugin-mock.pc), and load it into mamori-fcgi for a real
# annotation.
. "$top_srcdir/tests/integration/lib.sh"
command -v pkg-config >/dev/null || skip_all "pkg-config not found"
it_init 9
ROOT="$IT_DIR/root"
make -C "$top_builddir" install DESTDIR="$ROOT" >"$IT_DIR/install.log" 2>&1
tap_is "$?" 0 "make install into a scratch root works"
pc=$(find "$ROOT" -name mamori-plugin.pc | head -1)
tap_ok $([ -n "$pc" ]; echo $?) "mamori-plugin.pc is installed (${pc#$ROOT})"
hdr=$(find "$ROOT" -path '*/include/mamori/plugin.h' | head -1)
tap_ok $([ -n "$hdr" ]; echo $?) "mamori/plugin.h is installed"

# Build the example exactly as its README says, from a copy outside the tree.
mkdir -p "$IT_DIR/example"
cp "$top_srcdir/plugins/example/example.c" "$top_srcdir/plugins/example/Makefile" "$IT_DIR/example/"
PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR="$ROOT" \
    make -C "$IT_DIR/example" CFLAGS="-O2 -Wall -Wextra -Werror" >"$IT_DIR/example-build.log" 2>&1
tap_is "$?" 0 "the example plugin builds out of tree with pkg-config --cflags mamori-plugin"
exports=$(nm -D --defined-only "$IT_DIR/example/example.so" | awk '$2 ~ /^[TDBR]$/ {print $3}' | sort | tr '\n' ' ')
tap_is "$exports" "mamori_plugin_entry_v1 " "it exports only mamori_plugin_entry_v1"
mock_pc=$(find "$ROOT" -name mamori-plugin-mock.pc | head -1)
tap_ok $([ -n "$mock_pc" ] && [ -n "$(find "$ROOT" -path '*/include/mamori/plugin_mock.h')" ]; echo $?) \
    "the mock host (mamori/plugin_mock.h, mamori-plugin-mock.pc) is installed"
# The unit test of plugins/include/README.md, built against the installed SDK only.
cat > "$IT_DIR/example/test_example.c" <<'C'
#include <assert.h>
#include <string.h>
#include <mamori/plugin_mock.h>

int main(void)
{
    struct mamori_plugin_error err;
    mamori_request *t = mamori_mock_new();
    const char *options[] = {"word", "交換", NULL};

    mamori_mock_set_field(t, MAMORI_FIELD_BODY, "壊れていたので交換してください");
    assert(mamori_mock_run(t, MAMORI_PLUGIN_ENTRY(1, 0), options, &err) == 0);
    assert(t->category_count == 1 && strcmp(t->categories[0].id, "example") == 0);
    assert(strcmp(t->evidence[0].quote, "交換") == 0);
    assert(t->step_count == 1);
    assert(t->refused == 0);
    mamori_mock_free(t);
    return 0;
}
C
(cd "$IT_DIR/example" && PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR="$ROOT" \
    sh -c 'cc -Wall -Wextra -Werror $(pkg-config --cflags mamori-plugin-mock) -o test_example test_example.c example.c' \
    && ./test_example) >"$IT_DIR/mock-test.log" 2>&1
tap_is "$?" 0 "the example's unit test builds against the installed mock host and passes, without the daemon"
plugindir=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --variable=plugindir mamori-plugin)
tap_ok $([ -n "$plugindir" ]; echo $?) "pkg-config names the plugin directory ($plugindir)"

cp "$IT_DIR/example/example.so" "$IT_DIR/plugins/example.so"
chmod 644 "$IT_DIR/plugins/example.so"
it_tenant acme generic "[plugin example]
path = example.so
word = 交換"
it_start || { echo "Bail out! stack did not start"; exit 1; }
cat > "$IT_DIR/t.json" <<'JSON'
{"event_id": "sdk-1", "ticket_id": "9", "body": "壊れていたので交換してください"}
JSON
it_post_generic acme "$IT_DIR/t.json"
tap_is "$(echo "$HTTP_BODY" | json 'd["annotation"]["categories"][0]["id"]')" example \
    "mamori-fcgi loads the out-of-tree plugin and it annotates"
it_done
