#!/bin/bash
# The shipped nginx snippet, for real: see web.sh.
WEB_SERVER=nginx
. "$top_srcdir/tests/packaging/web.sh"
web_suite
