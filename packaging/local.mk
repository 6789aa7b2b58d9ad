## packaging/ -- quick start, web server snippets, systemd, Debian
