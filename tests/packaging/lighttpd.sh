#!/bin/bash
# The shipped lighttpd snippet, for real: see web.sh.
WEB_SERVER=lighttpd
. "$top_srcdir/tests/packaging/web.sh"
web_suite
