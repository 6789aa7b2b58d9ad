#!/usr/bin/env python3
"""ha_burst.py -- a helpdesk's webhook burst for tests/integration/ha_two_nodes.sh.

Sends COUNT generic-connector events, each delivered twice at once (two
requests in flight: behind a round-robin upstream they land on different
nodes), and retries every delivery that is not answered 200 -- as a
helpdesk does -- until it is, or until the give-up time passes. Writes the
number of events acknowledged so far to PROGRESS (the test waits on it to
kill a node or restart PostgreSQL mid-burst) and a JSON summary to stdout:
acknowledged events, answers by status, duplicates answered.
"""
import argparse
import hashlib
import hmac
import json
import os
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

BODY = ("何度言えば分かるんだ。今日中に全額返金しろ。できないなら明日お前の会社の前で待ってるからな。"
        "担当者の名前もSNSで晒してやる。")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--tenant", required=True)
    ap.add_argument("--secret", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--prefix", default="ha")
    ap.add_argument("--progress", required=True)
    ap.add_argument("--give-up", type=float, default=300.0)
    a = ap.parse_args()

    lock = threading.Lock()
    statuses = {}
    acked = set()
    dups = [0]
    deadline = time.monotonic() + a.give_up

    def note(status):
        with lock:
            statuses[str(status)] = statuses.get(str(status), 0) + 1

    def deliver(i):
        body = json.dumps({"event_id": "%s-%d" % (a.prefix, i), "ticket_id": "%s-T%d" % (a.prefix, i),
                           "subject": "返金の件", "body": BODY,
                           "requester": {"id": "cust-%d" % (i % 7)}}, ensure_ascii=False).encode()
        while time.monotonic() < deadline:
            t = str(int(time.time()))
            mac = hmac.new(a.secret.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()
            req = urllib.request.Request(a.url + "/hooks/%s/generic" % a.tenant, data=body, method="POST",
                                         headers={"Content-Type": "application/json",
                                                  "X-Mamori-Signature": "t=%s,v1=%s" % (t, mac)})
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    status = r.status
                    dup = r.headers.get("X-Mamori-Duplicate") == "1"
            except urllib.error.HTTPError as e:
                status, dup = e.code, False
            except Exception:  # connection reset by a node killed mid-request
                status, dup = 0, False
            note(status)
            if status == 200:
                with lock:
                    acked.add(i)
                    dups[0] += dup
                    with open(a.progress + ".tmp", "w") as f:
                        f.write(str(len(acked)))
                    os.replace(a.progress + ".tmp", a.progress)
                return
            time.sleep(0.2)

    with ThreadPoolExecutor(max_workers=8) as pool:
        for i in range(a.count):
            pool.submit(deliver, i)
            pool.submit(deliver, i)
    print(json.dumps({"acked": len(acked), "statuses": statuses, "duplicates": dups[0],
                      "missing": sorted(set(range(a.count)) - acked)[:20]}))


if __name__ == "__main__":
    main()
