## packaging/ -- quick start, test runner, web server snippets, systemd, Debian.

EXTRA_DIST += packaging/deps.sh packaging/quickstart.sh packaging/run-tests.sh \
	packaging/web/nginx/mamori.conf \
	packaging/quickstart/samples/01-threat.json packaging/quickstart/samples/02-legitimate.json \
	packaging/quickstart/samples/03-abuse-obfuscated.json packaging/quickstart/samples/04-extortion-sns.json \
	packaging/quickstart/samples/05-english-threat.json packaging/quickstart/samples/06-benign.json
