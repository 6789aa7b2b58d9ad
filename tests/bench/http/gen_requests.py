#!/usr/bin/env python3
"""Write N signed generic-webhook requests for wrk, one per line:
<X-Mamori-Signature value> TAB <body> [TAB <path>]. Every event id is unique
so mamori commits every one (no dedupe shortcut). With TENANTS > 1 (4th
argument) request i goes to tenant i % TENANTS ("bench", "bench2", ...):
the path column names it, so consecutive requests alternate tenants (the
worst case for the per-tenant isolation of held answers)."""
import hashlib, hmac, json, sys, time

n, secret, out = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3]
tenants = int(sys.argv[4]) if len(sys.argv) > 4 else 1
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
        if tenants > 1:
            k = i % tenants
            f.write("t=%s,v1=%s\t%s\t/hooks/bench%s/generic\n" % (t, mac, raw, str(k + 1) if k else ""))
        else:
            f.write("t=%s,v1=%s\t%s\n" % (t, mac, raw))
