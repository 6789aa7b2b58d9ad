#!/bin/sh
# packaging/install-real-helpdesks.sh -- install Debian's Request Tracker 5
# and Redmine 5 (SQLite, no prompts) for mamori's real-helpdesk tests
# (tests/integration/real_rt.sh, real_redmine.sh). Root only; about 1.5
# minutes from scratch, nothing when already installed. Sequential: both
# postinsts take the dpkg and debconf locks.
set -eu
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
if installed redmine && installed redmine-sqlite && installed thin && installed request-tracker5 &&
   installed rt5-db-sqlite && installed rt5-standalone; then
    echo "RT 5 and Redmine 5 are installed"
    exit 0
fi
[ "$(id -u)" = 0 ] || { echo "run as root to install request-tracker5 and redmine" >&2; exit 1; }
debconf-set-selections <<'D'
redmine redmine/current-instances string default
redmine redmine/instances/default/dbconfig-install boolean true
redmine redmine/instances/default/database-type select sqlite3
redmine redmine/instances/default/default-language select en
request-tracker5 request-tracker5/dbconfig-install boolean true
request-tracker5 request-tracker5/database-type select sqlite3
request-tracker5 request-tracker5/initial-root-password password mamori-root-pw
request-tracker5 request-tracker5/install-cronjobs boolean false
request-tracker5 request-tracker5/handle-siteconfig-permissions boolean true
request-tracker5 request-tracker5/rtname string mamori-test
request-tracker5 request-tracker5/organization string mamori.test
request-tracker5 request-tracker5/webbaseurl string http://127.0.0.1:8080
request-tracker5 request-tracker5/webpath string /rt
request-tracker5 request-tracker5/correspondaddress string rt@mamori.test
request-tracker5 request-tracker5/commentaddress string rt-comment@mamori.test
D
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# thin in the same transaction: Debian's Redmine Gemfile only adds it if installed.
apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 redmine redmine-sqlite thin
apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 request-tracker5 rt5-db-sqlite rt5-standalone
