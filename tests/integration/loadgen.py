#!/usr/bin/env python3
"""Keep N connections busy with signed generic webhooks (unique event ids)
until killed or DURATION seconds pass. Writes one line per answer to OUT:
<status> <event_id>. Used by tests that send signals under load."""
import hashlib, hmac, http.client, json, sys, threading, time

url_port, tenant, secret, out, threads, duration = sys.argv[1], sys.argv[2], sys.argv[3].encode(), sys.argv[4], int(sys.argv[5]), float(sys.argv[6])
lock = threading.Lock()
log = open(out, "w", buffering=1)
stop = time.time() + duration

def worker(n):
    i = 0
    while time.time() < stop:
        i += 1
        eid = "load-%d-%d" % (n, i)
        body = json.dumps({"event_id": eid, "ticket_id": str(i), "requester": {"id": "r%d" % n},
                           "subject": "返金の件", "body": "注文した商品が届きません。refund please"}, ensure_ascii=False).encode()
        t = str(int(time.time()))
        sig = hmac.new(secret, t.encode() + b"." + body, hashlib.sha256).hexdigest()
        try:
            c = http.client.HTTPConnection("127.0.0.1", int(url_port), timeout=30)
            c.request("POST", "/hooks/%s/generic" % tenant, body,
                      {"Content-Type": "application/json", "X-Mamori-Signature": "t=%s,v1=%s" % (t, sig)})
            r = c.getresponse(); r.read(); status = r.status; c.close()
        except Exception as e:
            status = "error:" + type(e).__name__
        with lock:
            log.write("%s %s\n" % (status, eid))

ts = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
for t in ts: t.start()
for t in ts: t.join()
