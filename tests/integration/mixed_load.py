#!/usr/bin/env python3
"""Send signed generic webhooks of several tenants at once and record every
answer. Each TENANT:COUNT:THREADS[:WORD] spec sends COUNT webhooks (unique
event ids) to /hooks/TENANT/generic from THREADS threads, signed with
secret-TENANT; WORD, if given, goes into the body (a testkit trigger). The
requests of every spec are spread over the same span of time, so they
interleave. Writes one line per answer to OUT: <tenant> <status> <event_id>.

    mixed_load.py PORT OUT acme:200:8 crashy:20:2:CRASHME
"""
import hashlib, hmac, http.client, json, sys, threading, time

port, out, specs = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
lock = threading.Lock()
log = open(out, "w", buffering=1)


def send(tenant, secret, eid, ticket, word):
    body = json.dumps({"event_id": eid, "ticket_id": ticket, "requester": {"id": "r-" + eid},
                       "subject": "返金の件", "body": "注文した商品が届きません。refund please " + word},
                      ensure_ascii=False).encode()
    t = str(int(time.time()))
    sig = hmac.new(secret, t.encode() + b"." + body, hashlib.sha256).hexdigest()
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        c.request("POST", "/hooks/%s/generic" % tenant, body,
                  {"Content-Type": "application/json", "X-Mamori-Signature": "t=%s,v1=%s" % (t, sig)})
        r = c.getresponse()
        r.read()
        status = r.status
        c.close()
    except Exception as e:
        status = "error:" + type(e).__name__
    with lock:
        log.write("%s %s %s\n" % (tenant, status, eid))


def run(tenant, count, threads, word, n, span):
    # Thread n of this spec sends requests n, n+threads, ...; spaced so the
    # spec's requests take about `span` seconds in all.
    secret = ("secret-" + tenant).encode()
    mine = list(range(n, count, threads))
    gap = span / max(1, len(mine))
    for i in mine:
        start = time.time()
        send(tenant, secret, "%s-%d" % (tenant, i), "%s-t%d" % (tenant, i), word)
        left = gap - (time.time() - start)
        if left > 0:
            time.sleep(left)


parsed = []
for spec in specs:
    parts = spec.split(":")
    parsed.append((parts[0], int(parts[1]), int(parts[2]), parts[3] if len(parts) > 3 else "",
                   float(parts[4]) if len(parts) > 4 else 0.0))
ts = [threading.Thread(target=run, args=(t, c, k, w, n, span)) for (t, c, k, w, span) in parsed for n in range(k)]
for t in ts:
    t.start()
for t in ts:
    t.join()
