#!/bin/bash
# The shipped apache snippet, for real: see web.sh.
WEB_SERVER=apache
. "$top_srcdir/tests/packaging/web.sh"
web_suite
