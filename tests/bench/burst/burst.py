#!/usr/bin/env python3
"""One burst of signed Zendesk new-ticket webhooks, timed to the notes.

Helper of tests/bench/burst/run.sh (a benchmark, not a test). It makes N
copies of the Zendesk ticket.created fixture (distinct event and ticket ids,
as tests/integration/helpdesk_ratelimit.sh does), signs each the way Zendesk
does (base64 HMAC-SHA256 of timestamp || body) before the clock starts, and
posts them through nginx on CONNS connections at once, as fast as they are
answered. For each ticket it keeps the time its webhook was answered 2xx;
then it reads the stand-in's request log (tests/helpdesks/standin.py: every
request is a JSON line with its arrival time "at") until every ticket's
note-carrying PUT has arrived, and prints the latency from the 2xx to the
note's arrival: p50, p90, p99 (nearest rank: of 85 values p99 is the 85th,
the maximum), max, and the total from the first webhook sent to the last
note arrived. Both clocks are this machine's time.time().

Usage: burst.py URL TENANT FIXTURE-DIR N FIRST-TICKET STANDIN-LOG LABEL RESULTS [CONNS] [WAIT]
Appends one JSON line to RESULTS; exit status 1 when a webhook was refused
or a note did not arrive within WAIT seconds (default 600).
"""
import base64
import hashlib
import hmac
import http.client
import json
import math
import os
import sys
import threading
import time
import urllib.parse


def headers_of(path):
    """The fixture's headers and its secret (the "# secret:" line)."""
    secret, hdrs = None, []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("# secret: "):
            secret = line[len("# secret: "):]
        if not line or line.startswith("#"):
            continue
        name, value = line.split(": ", 1)
        if name != "Content-Length":
            hdrs.append((name, value))
    return secret, hdrs


def deliveries(fixdir, n, first):
    secret, hdrs = headers_of(os.path.join(fixdir, "zendesk-ticket_created.headers"))
    src = json.load(open(os.path.join(fixdir, "zendesk-ticket_created.json"), encoding="utf-8"))
    ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    out = []
    for i in range(n):
        ticket = str(first + i)
        d = json.loads(json.dumps(src))
        d["id"] = "%s-%06d" % (d["id"][:-7], first + i)
        d["detail"]["id"] = ticket
        d["subject"] = "zen:ticket:" + ticket
        body = json.dumps(d, ensure_ascii=False).encode()
        sig = base64.b64encode(hmac.new(secret.encode(), ts.encode() + body, hashlib.sha256).digest()).decode()
        h = {}
        for name, value in hdrs:
            if name == "X-Zendesk-Webhook-Signature-Timestamp":
                value = ts
            elif name == "X-Zendesk-Webhook-Signature":
                value = sig
            elif name == "X-Zendesk-Webhook-Invocation-Id":
                value = str(880000000000 + first + i)
            h[name] = value
        out.append((ticket, h, body))
    return out


def send_all(host, port, path, items, conns):
    """Post every item, CONNS connections at once; per ticket (status, answered-at)."""
    answered, lock, it = {}, threading.Lock(), iter(items)

    def worker():
        c = http.client.HTTPConnection(host, port, timeout=120)
        while True:
            with lock:
                item = next(it, None)
            if item is None:
                break
            ticket, h, body = item
            try:
                c.request("POST", path, body=body, headers=h)
                r = c.getresponse()
                r.read()
                status = r.status
                if r.getheader("Connection", "").lower() == "close":
                    c.close()
                    c = http.client.HTTPConnection(host, port, timeout=120)
            except (OSError, http.client.HTTPException) as e:
                status = "error: %s" % e
                c.close()
                c = http.client.HTTPConnection(host, port, timeout=120)
            at = time.time()
            with lock:
                answered[ticket] = (status, at)
        c.close()

    threads = [threading.Thread(target=worker) for _ in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answered


def arrivals(log, tickets):
    """First arrival of a note-carrying Zendesk ticket update, per ticket."""
    first = {}
    try:
        f = open(log, encoding="utf-8")
    except OSError:
        return first
    with f:
        for line in f:
            try:
                e = json.loads(line)
            except ValueError:
                continue  # a line being written
            if e.get("platform") != "zendesk" or e.get("method") != "PUT" or not e.get("ok") or e.get("fault"):
                continue
            p = e.get("path", "")
            if not p.startswith("/api/v2/tickets/") or not p.endswith(".json"):
                continue
            t = p[len("/api/v2/tickets/"):-len(".json")]
            body = e.get("body") or {}
            if t in tickets and "comment" in (body.get("ticket") or {}) and t not in first:
                first[t] = e["at"]
    return first


def rank(sorted_values, q):
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


def main():
    url, tenant, fixdir, n, first, log, label, results = sys.argv[1:9]
    conns = int(sys.argv[9]) if len(sys.argv) > 9 else 16
    wait = float(sys.argv[10]) if len(sys.argv) > 10 else 600
    n, first = int(n), int(first)
    u = urllib.parse.urlsplit(url)
    items = deliveries(fixdir, n, first)
    tickets = {t for t, _, _ in items}
    load_before = open("/proc/loadavg").read().split()[:3]
    t0 = time.time()
    answered = send_all(u.hostname, u.port, "/hooks/%s/zendesk" % tenant, items, conns)
    t_sent = time.time()
    refused = sorted(t for t, (s, _) in answered.items() if not (isinstance(s, int) and 200 <= s < 300))
    end = time.time() + wait
    while True:
        got = arrivals(log, tickets)
        if len(got) == len(tickets) or time.time() > end:
            break
        time.sleep(0.05)
    load_after = open("/proc/loadavg").read().split()[:3]
    lat = sorted(got[t] - answered[t][1] for t in got if t not in refused)
    row = {"label": label, "n": n, "refused": len(refused), "arrived": len(got), "conns": conns,
           "webhooks_s": t_sent - t0, "load_before": load_before, "load_after": load_after,
           "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t0))}
    if lat:
        row.update(p50=rank(lat, 0.50), p90=rank(lat, 0.90), p99=rank(lat, 0.99), max=lat[-1],
                   total=max(got.values()) - t0)
    with open(results, "a") as f:
        f.write(json.dumps(row) + "\n")
    print("%-10s %3d webhooks in %5.2f s (%d refused), %d notes; 2xx -> note: p50 %.2f s  p90 %.2f s  p99 %.2f s  "
          "max %.2f s; first webhook -> last note %.2f s (load %s)"
          % (label, n, row["webhooks_s"], len(refused), len(got), row.get("p50", -1), row.get("p90", -1),
             row.get("p99", -1), row.get("max", -1), row.get("total", -1), " ".join(load_before)))
    for t in refused[:5]:
        print("  refused: ticket %s: %s" % (t, answered[t][0]))
    return 0 if not refused and len(got) == len(tickets) else 1


if __name__ == "__main__":
    sys.exit(main())
