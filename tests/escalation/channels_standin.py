#!/usr/bin/env python3
"""Stand-ins for the escalation channels' HTTP APIs (python3 stdlib only).

One server plays four services, named by the first path segment:

  /line/v2/bot/message/push        LINE Messaging API push
  /slack/services/T.../B.../...    a Slack incoming webhook
  /teams/workflows/.../invoke?...  a Teams Workflows webhook (sig= in the query)
  /hook                            a receiver of mamori's signed webhook

Every request is checked against the documented shape (method, path, query,
auth header, content type, body fields; see /work/shared/helpdesks/README.md
sections 9-11 and the fixtures) and recorded in --log as one JSON line:
{"service", "ok", "problem", "status", "headers", "body", ...}. A request that
does not fit is answered 400 and recorded with ok=false, so tests can assert
there were none.

LINE: X-Line-Retry-Key is remembered; a key accepted before gets 409 (as
LINE does), otherwise 200 with {"sentMessages": [{"id", "quoteToken"}]}.

Faults: POST /_control {"service": S, "mode": M, "count": N, "retry_after": s}
makes the next N requests to S answer 500, 429 (+Retry-After), or, with
"accept_then_500", accept the message and answer 500 anyway (the answer is
lost; the retry must not send twice), or with "accept_then_hang" accept it
and answer only after retry_after seconds (the sender is killed meanwhile);
Slack's "hold" accepts the message and answers 200 only when told
(POST /_control {"service": "slack", "mode": "release"}) or after
retry_after seconds (a message in flight when the sender is told to stop). GET /_state
returns what was received and, in "inflight", how many requests per service
are being answered right now.
"""
import argparse
import hashlib
import hmac
import json
import re
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
RELEASE = threading.Event()
STATE = {"requests": [], "retry_keys": {}, "faults": {}, "next_id": 461000000000000001, "idem": {}, "inflight": {}}
ARGS = None
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
LINE_ID = re.compile(r"^[UCR][0-9a-f]{32}$")


class Problem(Exception):
    pass


def need(cond, what):
    if not cond:
        raise Problem(what)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, body=b"", ctype="application/json", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if body:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def record(self, entry):
        with LOCK:
            STATE["requests"].append(entry)
            with open(ARGS.log, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def do_GET(self):
        if self.path == "/_state":
            with LOCK:
                body = json.dumps({"requests": STATE["requests"], "inflight": STATE["inflight"]},
                                  ensure_ascii=False).encode()
            return self.answer(200, body)
        self.answer(404)

    def fault(self, service):
        with LOCK:
            f = STATE["faults"].get(service)
            if f and f["count"] > 0:
                f["count"] -= 1
                return dict(f)
        return None

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/_control":
            c = json.loads(raw)
            if c["mode"] == "release":
                RELEASE.set()
                return self.answer(204)
            with LOCK:
                STATE["faults"][c["service"]] = {"mode": c["mode"], "count": c.get("count", 1),
                                                 "retry_after": c.get("retry_after", 1)}
            return self.answer(204)
        service = url.path.split("/")[1] if url.path.count("/") >= 1 else ""
        entry = {"service": service, "method": "POST", "path": url.path, "query": url.query, "ok": True,
                 "problem": None, "time": time.time(),
                 "headers": {k: v for k, v in self.headers.items()}}
        try:
            body = json.loads(raw.decode("utf-8")) if raw else None
        except ValueError:
            body = None
        entry["body"] = body
        with LOCK:
            STATE["inflight"][service] = STATE["inflight"].get(service, 0) + 1
        try:
            status, out, ctype, hdrs = self.dispatch(service, url, raw, body, entry)
        except Problem as p:
            entry["ok"] = False
            entry["problem"] = str(p)
            status, out, ctype, hdrs = 400, json.dumps({"message": str(p)}).encode(), "application/json", None
        finally:
            with LOCK:
                STATE["inflight"][service] -= 1
        entry["status"] = status
        self.record(entry)
        self.answer(status, out, ctype, hdrs)

    def dispatch(self, service, url, raw, body, entry):
        ct = self.headers.get("Content-Type", "")
        if service == "line":
            need(url.path == "/line/v2/bot/message/push", "LINE: path must be /v2/bot/message/push")
            need(self.headers.get("Authorization") == "Bearer " + ARGS.line_token, "LINE: wrong or missing Bearer token")
            need(ct.split(";")[0].strip() == "application/json", "LINE: Content-Type must be application/json")
            key = self.headers.get("X-Line-Retry-Key", "")
            need(UUID.match(key), "LINE: X-Line-Retry-Key must be a UUID")
            need(isinstance(body, dict), "LINE: body must be a JSON object")
            need(set(body) <= {"to", "messages", "notificationDisabled", "customAggregationUnits"},
                 "LINE: unknown body fields %s" % sorted(set(body)))
            need(isinstance(body.get("to"), str) and LINE_ID.match(body["to"]), "LINE: to must be a user/group/room id")
            msgs = body.get("messages")
            need(isinstance(msgs, list) and 1 <= len(msgs) <= 5, "LINE: 1 to 5 messages")
            for m in msgs:
                need(m.get("type") == "text" and isinstance(m.get("text"), str), "LINE: text messages only")
                need(1 <= len(m["text"]) <= 5000, "LINE: text of 1..5000 characters")
            entry["retry_key"] = key
            f = self.fault("line")
            if f and f["mode"] == "500":
                return 500, b'{"message":"internal"}', "application/json", None
            if f and f["mode"] == "429":
                return 429, b'{"message":"rate limited"}', "application/json", {"Retry-After": str(f["retry_after"])}
            with LOCK:
                seen = key in STATE["retry_keys"]
                if not seen:
                    STATE["next_id"] += 1
                    STATE["retry_keys"][key] = str(STATE["next_id"])
                mid = STATE["retry_keys"][key]
            entry["accepted"] = not seen
            entry["message_id"] = mid
            if f and f["mode"] == "accept_then_500":
                return 500, b'{"message":"lost answer"}', "application/json", None
            if f and f["mode"] == "accept_then_hang" and not seen:
                # Accepted, but the answer comes too late: the sender dies meanwhile.
                time.sleep(f["retry_after"])
            if seen:
                return 409, json.dumps({"message": "The retry key is already accepted",
                                        "sentMessages": [{"id": mid, "quoteToken": "q" + mid}]}).encode(), \
                    "application/json", {"X-Line-Accepted-Request-Id": "x"}
            return 200, json.dumps({"sentMessages": [{"id": mid, "quoteToken": "q" + mid}]}).encode(), \
                "application/json", None
        if service == "slack":
            need(url.path == ARGS.slack_path, "Slack: unknown webhook path")
            need(ct.split(";")[0].strip() == "application/json", "Slack: Content-Type must be application/json")
            need(isinstance(body, dict) and isinstance(body.get("text"), str) and body["text"],
                 "Slack: text (the notification fallback) is required")
            blocks = body.get("blocks")
            need(isinstance(blocks, list) and blocks, "Slack: blocks expected")
            for b in blocks:
                need(b.get("type") == "section" and b.get("text", {}).get("type") == "mrkdwn" and
                     isinstance(b["text"].get("text"), str) and 0 < len(b["text"]["text"]) <= 3000,
                     "Slack: section blocks with mrkdwn text of at most 3000 characters")
            f = self.fault("slack")
            if f and f["mode"] == "429":
                return 429, b"rate_limited", "text/plain", {"Retry-After": str(f["retry_after"])}
            if f and f["mode"] == "500":
                return 500, b"rollup_error", "text/plain", None
            if f and f["mode"] == "hold":
                RELEASE.wait(f["retry_after"])
            return 200, b"ok", "text/plain", None
        if service == "teams":
            q = urllib.parse.parse_qs(url.query)
            need(url.path == ARGS.teams_path and q.get("sig") == [ARGS.teams_sig],
                 "Teams: unknown workflow URL or wrong sig")
            need(ct.split(";")[0].strip() == "application/json", "Teams: Content-Type must be application/json")
            need(isinstance(body, dict) and body.get("type") == "message", "Teams: type must be message")
            atts = body.get("attachments")
            need(isinstance(atts, list) and len(atts) == 1, "Teams: one attachment")
            a = atts[0]
            need(a.get("contentType") == "application/vnd.microsoft.card.adaptive", "Teams: an Adaptive Card")
            need("contentUrl" in a and a["contentUrl"] is None, "Teams: contentUrl null")
            card = a.get("content", {})
            need(card.get("type") == "AdaptiveCard" and isinstance(card.get("version"), str), "Teams: AdaptiveCard, version")
            need("@type" not in body and "@type" not in card, "Teams: legacy MessageCard payloads fail on Workflows")
            need(isinstance(card.get("body"), list) and card["body"], "Teams: card body")
            for el in card["body"]:
                need(el.get("type") in ("TextBlock", "FactSet", "ActionSet", "Container"), "Teams: unknown element")
            f = self.fault("teams")
            if f and f["mode"] == "500":
                return 500, b"", "text/plain", None
            return 202, b"", "text/plain", None
        if service == "hook":
            need(url.path == "/hook", "hook: unknown path")
            sig = self.headers.get("X-Mamori-Signature", "")
            m = re.match(r"^t=(\d+),v1=([0-9a-f]{64})$", sig)
            need(m, "hook: X-Mamori-Signature must be t=<unix>,v1=<hex>")
            want = hmac.new(ARGS.hook_secret.encode(), m.group(1).encode() + b"." + raw, hashlib.sha256).hexdigest()
            need(hmac.compare_digest(want, m.group(2)), "hook: signature does not match the body")
            need(abs(time.time() - int(m.group(1))) < 300, "hook: timestamp outside 5 minutes")
            idem = self.headers.get("Idempotency-Key", "")
            need(re.match(r"^mamori-esc-[0-9a-f]{24}$", idem), "hook: Idempotency-Key expected")
            need(isinstance(body, dict) and body.get("type") == "mamori.escalation/1" and
                 isinstance(body.get("escalation"), dict) and isinstance(body.get("text"), str),
                 "hook: mamori.escalation/1 body expected")
            with LOCK:
                entry["duplicate"] = idem in STATE["idem"]
                STATE["idem"][idem] = True
            return 200, b'{"ok":true}', "application/json", None
        raise Problem("unknown service " + service)


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--line-token", default="FAKE-channel-access-token-for-tests")
    ap.add_argument("--slack-path", default="/slack/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX")
    ap.add_argument("--teams-path", default="/teams/workflows/0123abcd/triggers/manual/paths/invoke")
    ap.add_argument("--teams-sig", default="teams-sig-for-tests")
    ap.add_argument("--hook-secret", default="hook-secret-for-tests")
    ARGS = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(ARGS.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(ARGS.port_file + ".tmp", ARGS.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
