#!/bin/bash
# Issue 17 (4): the report page GET /admin/<tenant>/report in a real
# headless browser (Debian chromium) through nginx: the screenshot must
# show the charts (pixels of the chart colour #1f77b4) and the Japanese
# title as glyphs, not as boxes ("tofu"). A control page of characters no
# font has shows that the glyph check can fail. The page's load time is
# printed as a diagnostic, never asserted (tests/bench/README.md).
. "$top_srcdir/tests/integration/lib.sh"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || skip_all "chromium not found (apt-get install chromium)"
it_init 6
rtok=$(it_secret report.token "report-token-$(openssl rand -hex 8)")
IT_EXTRA_CONFIG="
[server]
report_token_file = $rtok"
it_write_config
it_tenant acme
it_start_mamori || { echo "Bail out! mamori-fcgi did not start"; exit 1; }
it_start_nginx || { echo "Bail out! nginx did not start"; exit 1; }
PNG="$top_srcdir/tests/integration/pngcheck.py"
# Enable the report page, with the token added by the web server as a
# single-sign-on proxy in front of it would (a browser cannot be told to
# send a header from the command line).
sed -i '/^#location \^~ \/admin\//,/^#}/ s/^#//' "$IT_DIR/mamori-snippet.conf"
sed -i "s|^    fastcgi_param HTTP_X_REQUEST_ID \$request_id;\$|&\n    fastcgi_param HTTP_AUTHORIZATION \"Bearer $(cat "$rtok")\";|" "$IT_DIR/mamori-snippet.conf"
it_nginx_reload || echo "# nginx reload: the old workers did not exit"
it_poll "$IT_TIMEOUT" sh -c "curl -s -o /dev/null -w '%{http_code}' '$IT_URL/admin/acme/report' | grep -q 200"

for n in 1 2 3 4 5; do
    sed "s/evt-1001/evt-b$n/; s/\"5501\"/\"55$n\"/" "$top_srcdir/tests/integration/data/ticket-refund.json" > "$IT_DIR/b$n.json"
    it_post_generic acme "$IT_DIR/b$n.json"
done
http GET "/admin/acme/report"
tap_is "$HTTP_STATUS" 200 "the report page answers through nginx"

shot() {  # shot URL FILE
    (cd "$IT_DIR" && HOME="$IT_DIR" timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --no-first-run --user-data-dir="$IT_DIR/chromium" --window-size=1000,2400 --screenshot="$2" "$1" \
        >>"$IT_DIR/chromium.log" 2>&1)
}
t0=$(date +%s.%N)
shot "$IT_URL/admin/acme/report" "$IT_DIR/page.png"
t1=$(date +%s.%N)
echo "# chromium: page loaded and captured in $(echo "$t1 - $t0" | bc) s (browser start included; not asserted)"
tap_ok "$([ -s "$IT_DIR/page.png" ]; echo $?)" "chromium took a screenshot of the page"
ms=$(cd "$IT_DIR" && HOME="$IT_DIR" timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
    --user-data-dir="$IT_DIR/chromium" --dump-dom \
    "file://$top_srcdir/tests/integration/loadtime.html?u=$IT_URL/admin/acme/report" 2>/dev/null |
    sed -n 's/.*data-load-ms="\([0-9.]*\)".*/\1/p')
echo "# chromium: the report page through nginx loaded in ${ms:-?} ms (browser running; not asserted)"
n=$(python3 "$PNG" "$IT_DIR/page.png" 31 119 180 6)
tap_ok "$([ "$n" -gt 2000 ]; echo $?)" "the screenshot shows the charts ($n pixels of the bar colour)"
g=$(python3 "$PNG" glyphs "$IT_DIR/page.png")
tap_ok "$([ "$g" -ge 6 ]; echo $?)" "the Japanese title renders as glyphs ($g different shapes in its line)"

printf '<!DOCTYPE html><html><meta charset="utf-8"><body style="margin:24px"><h1>%s</h1></body></html>' \
    $'\xee\x80\x80\xee\x80\x81\xee\x80\x82\xee\x80\x83\xee\x80\x84\xee\x80\x85\xee\x80\x86\xee\x80\x87\xee\x80\x88\xee\x80\x89' \
    > "$IT_DIR/tofu.html"
shot "file://$IT_DIR/tofu.html" "$IT_DIR/tofu.png"
g=$(python3 "$PNG" glyphs "$IT_DIR/tofu.png")
tap_ok "$([ "$g" -le 2 ]; echo $?)" "control: characters no font has come out as alike boxes ($g shapes), so the check can fail"
n=$(python3 "$PNG" "$IT_DIR/tofu.png" 31 119 180 6)
tap_is "$n" 0 "control: a page without charts has no pixel of the bar colour"
it_done
