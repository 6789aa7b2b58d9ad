#!/usr/bin/env python3
"""Write N signed generic-webhook requests for wrk, one per line:
<X-Mamori-Signature value> TAB <body>. Every event id is unique so mamori
commits every one (no dedupe shortcut)."""
import hashlib, hmac, json, sys, time

n, secret, out = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3]
bodies = [
    ("配送について", "注文した商品がまだ届きません。追跡番号を教えてください。"),
    ("いい加減にしろ", "何度電話させるんだ。責任者を出せ。誠意を見せろ、土下座しろ。"),
    ("返金の件", "請求が二重になっています。確認のうえ返金をお願いします。"),
    ("Account locked", "My account has been locked for two days and nobody answers. Please fix this today."),
    ("覚えとけ", "お前の名前は覚えたからな。SNSに晒してやる。"),
]
t = str(int(time.time()))
with open(out, "w", encoding="utf-8") as f:
    for i in range(n):
        subject, body = bodies[i % len(bodies)]
        doc = {"event_id": "bench-%s-%d" % (t, i), "ticket_id": str(100000 + i),
               "requester": {"id": "bench-%d" % (i % 997)}, "subject": subject, "body": body,
               "channel": "email", "language": "ja"}
        raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
        mac = hmac.new(secret, (t + "." + raw).encode(), hashlib.sha256).hexdigest()
        f.write("t=%s,v1=%s\t%s\n" % (t, mac, raw))
