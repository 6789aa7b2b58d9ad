#!/usr/bin/env python3
"""Stand-in helpdesk APIs for mamori's write-back tests (python3 stdlib only).

One server plays every platform; the first path segment names it
(/zendesk/api/v2/..., /rt/REST/2.0/...), so each tenant's [helpdesk] url is
http://127.0.0.1:PORT/<platform>. Every request is checked against the
documented shape (method, path, auth header, content type, body fields) and
recorded in --log as one JSON line: {"platform", "method", "path", "ok",
"problem", "body", "idempotency_key", ...}. A request that does not fit is
answered 400 and recorded with ok=false, so tests can assert there were none.

The server keeps notes and tags per ticket, and answers the reads the
deliverer makes (notes listings, current tags, an OAuth token).

Faults for failure tests: POST /_control {"platform": P, "mode": M,
"count": N, "retry_after": S, "hang": S} makes the next N write requests
of P answer 500 / 429 (+Retry-After) / 503 / hang S seconds before
answering ("hang"), or apply the write and then hang ("hang_after_write",
the deliverer is killed meanwhile), or answer normally after a delay of S
seconds ("slow", to observe how many requests run at once), or answer
normally once POST /_control {"mode": "release"} came, at most S seconds
later ("hold": a request in flight for exactly as long as a test needs,
however slow the machine). With "reads":
true and "match": SUBSTRING the fault applies to the next N GETs whose path
and query contain SUBSTRING instead (a poller's reads). GET /_state
returns notes, tags and counters as JSON, including the largest number of
requests in flight at once per platform ("max_inflight") and how often each
requester was suspended ("suspended": {"zendesk:USER_ID": n}, issue 16).
Freshdesk's API v2 has no call that blocks a contact and Help Scout's
Mailbox API 2.0 none for its block list, so any request of mamori to
Freshdesk contacts or Help Scout customers is malformed; it is counted in
"blocked" ({"freshdesk:PATH": n}) as well.

Rate limits in each platform's documented shape: POST /_control
{"platform": P, "mode": "ratelimit", "limit": L, "window": S} gives P a
window of L requests every S seconds (the OAuth token request is not
counted). Every answer then carries the platform's headers -- Zendesk
X-Rate-Limit / X-Rate-Limit-Remaining, Freshdesk X-Ratelimit-Total /
X-Ratelimit-Remaining / X-Ratelimit-Used-CurrentRequest, Help Scout
X-RateLimit-Limit-Minute / X-RateLimit-Remaining-Minute (and
X-RateLimit-Retry-After, seconds to the reset, once nothing is left);
other platforms send none -- and a request past the limit is answered 429
with Retry-After (seconds to the reset). /_state counts them per platform:
"over_limit" (429s given) and "exhausted" (answers that said 0 left).

Redmine issues for the poller: POST /_control {"platform": "redmine",
"mode": "put_issue", "issue": {...}} stores (or replaces) an issue, its
"journals" included; GET /redmine/issues.json answers Redmine's listing
(updated_on ">=" filter, sort=updated_on:asc, limit) and GET
/redmine/issues/ID.json?include=journals the issue with its journals
followed by the notes mamori wrote.

Usage: standin.py --port-file FILE --log FILE [--secret generic=VALUE]
"""
import argparse
import base64
import hashlib
import hmac
import json
import re
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CREDS = {
    "zendesk": "Basic " + base64.b64encode(b"agent@acme.example/token:zd-api-token").decode(),
    "freshdesk": "Basic " + base64.b64encode(b"fd-api-key:X").decode(),
    "zammad": "Token token=zm-access-token",
    "helpscout": "Bearer hs-bearer-token-1",
    "jira": "Basic " + base64.b64encode(b"bot@acme.example:jira-api-token").decode(),
    "rt": "token rt-auth-token",
}
REDMINE_KEY = "rm-api-key"
REDMINE_CF = 7

LOCK = threading.Lock()
RELEASE = threading.Event()
STATE = {"notes": {}, "tags": {}, "writes": {}, "faults": {}, "idem": {}, "requests": 0, "inflight": {}, "rm_issues": {},
         "max_inflight": {}, "hs_token": 1, "hs_expired": 0, "hs_token_requests": 0,
         "ratelimit": {}, "over_limit": {}, "exhausted": {}, "suspended": {}, "blocked": {}}
ARGS = None


def tkey(platform, ticket):
    return platform + ":" + str(ticket)


class Problem(Exception):
    pass


def need(cond, what):
    if not cond:
        raise Problem(what)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def answer(self, status, obj=None, headers=None, raw=None):
        body = raw if raw is not None else (b"" if obj is None else json.dumps(obj, ensure_ascii=False).encode())
        self.send_response(status)
        for k, v in dict(getattr(self, "rl_headers", None) or {}, **(headers or {})).items():
            self.send_header(k, v)
        if body:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def record(self, entry):
        with LOCK:
            with open(ARGS.log, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def handle_any(self, method):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/_control":
            with LOCK:
                c = json.loads(raw)
                if c.get("mode") == "put_issue":
                    STATE["rm_issues"][str(c["issue"]["id"])] = c["issue"]
                elif c.get("mode") == "ratelimit":
                    STATE["ratelimit"][c["platform"]] = {"limit": c["limit"], "window": c["window"], "start": 0,
                                                         "used": 0}
                elif c.get("mode") == "release":
                    RELEASE.set()
                elif c.get("mode") == "rotate_token":
                    # Help Scout: the current OAuth token stops working (expired).
                    STATE["hs_token"] += 1
                else:
                    STATE["faults"][c["platform"]] = c
            return self.answer(200, {"ok": True})
        if url.path == "/_state":
            with LOCK:
                return self.answer(200, {k: STATE[k] for k in ("notes", "tags", "writes", "requests", "max_inflight",
                                                               "hs_expired", "hs_token_requests", "over_limit", "inflight",
                                                               "exhausted", "suspended", "blocked")})
        parts = url.path.split("/", 2)
        platform = parts[1] if len(parts) > 1 else ""
        with LOCK:
            now = STATE["inflight"].get(platform, 0) + 1
            STATE["inflight"][platform] = now
            STATE["max_inflight"][platform] = max(now, STATE["max_inflight"].get(platform, 0))
        try:
            return self.handle_platform(method, raw, url, platform, parts)
        finally:
            with LOCK:
                STATE["inflight"][platform] -= 1

    def handle_platform(self, method, raw, url, platform, parts):
        rest = "/" + (parts[2] if len(parts) > 2 else "")
        entry = {"platform": platform, "method": method, "path": rest, "query": url.query, "ok": True,
                 "problem": None, "content_type": self.headers.get("Content-Type"),
                 "idempotency_key": self.headers.get("Idempotency-Key"), "at": time.time()}
        try:
            body = None
            if raw:
                ct = self.headers.get("Content-Type") or ""
                if ct.startswith("application/json"):
                    body = json.loads(raw)
                elif ct.startswith("application/x-www-form-urlencoded"):
                    body = dict(urllib.parse.parse_qsl(raw.decode()))
                else:
                    raise Problem("unexpected Content-Type " + ct)
            entry["body"] = body if platform != "helpscout" or "oauth2" not in rest else {"grant_type": body.get("grant_type")}
            write = method in ("POST", "PUT")
            if not rest.endswith("/oauth2/token") and not self.rate_limit(platform):
                entry["fault"] = "ratelimit"
                self.record(entry)
                return self.answer(429, {"error": "rate limit exceeded"})
            fault = None
            with LOCK:
                STATE["requests"] += 1
                f = STATE["faults"].get(platform)
                if f and f.get("count", 0) > 0 and not rest.endswith("/oauth2/token") and (
                        (write and not f.get("reads")) or
                        (method == "GET" and f.get("reads") and f.get("match", "") in rest + "?" + url.query)):
                    f["count"] -= 1
                    fault = dict(f)
            if fault and fault["mode"] == "slow":
                time.sleep(fault.get("hang", 1))
            if fault and fault["mode"] == "hold":
                RELEASE.wait(fault.get("hang", 60))
            if fault and fault["mode"] in ("500", "429", "503", "hang"):
                entry["fault"] = fault["mode"]
                self.record(entry)
                if fault["mode"] == "hang":
                    time.sleep(fault.get("hang", 10))
                    return self.answer(504, {"error": "hung"})
                hdrs = {"Retry-After": str(fault.get("retry_after", 1))} if fault["mode"] in ("429", "503") else {}
                return self.answer(int(fault["mode"]), {"error": "injected " + fault["mode"]}, hdrs)
            status, obj = getattr(self, "api_" + platform.replace("-", "_"))(method, rest, url.query, body)
            if write:
                with LOCK:
                    STATE["writes"][platform] = STATE["writes"].get(platform, 0) + 1
            if fault and fault["mode"] == "hang_after_write":
                entry["fault"] = fault["mode"]
                self.record(entry)
                time.sleep(fault.get("hang", 30))
                return self.answer(status, obj)
            self.record(entry)
            return self.answer(status, obj)
        except Problem as p:
            entry["ok"] = False
            entry["problem"] = str(p)
            self.record(entry)
            return self.answer(400, {"error": str(p)})
        except AttributeError:
            entry["ok"] = False
            entry["problem"] = "unknown platform " + platform
            self.record(entry)
            return self.answer(404, {"error": "unknown platform"})

    def rate_limit(self, platform):
        """Count the request in the platform's window; set the headers of
        its answer. False when the window is spent (answer 429)."""
        self.rl_headers = None
        with LOCK:
            rl = STATE["ratelimit"].get(platform)
            if rl is None:
                return True
            now = time.time()
            if now >= rl["start"] + rl["window"]:
                rl["start"], rl["used"] = now, 0
            reset = max(1, int(rl["start"] + rl["window"] - now + 0.999))
            over = rl["used"] >= rl["limit"]
            if not over:
                rl["used"] += 1
            left = rl["limit"] - rl["used"]
            if over:
                STATE["over_limit"][platform] = STATE["over_limit"].get(platform, 0) + 1
            elif left == 0:
                STATE["exhausted"][platform] = STATE["exhausted"].get(platform, 0) + 1
        h = {}
        if platform == "zendesk":
            h = {"X-Rate-Limit": str(rl["limit"]), "X-Rate-Limit-Remaining": str(left)}
        elif platform == "freshdesk":
            h = {"X-Ratelimit-Total": str(rl["limit"]), "X-Ratelimit-Remaining": str(left),
                 "X-Ratelimit-Used-CurrentRequest": "0" if over else "1"}
        elif platform == "helpscout":
            h = {"X-RateLimit-Limit-Minute": str(rl["limit"]), "X-RateLimit-Remaining-Minute": str(left)}
            if left == 0:
                h["X-RateLimit-Retry-After"] = str(reset)
        if over:
            h["Retry-After"] = str(reset)
        self.rl_headers = h
        return not over

    # ---- helpers ----
    def auth(self, platform):
        need(self.headers.get("Authorization") == CREDS[platform], "bad or missing Authorization for " + platform)

    def json_ct(self):
        need((self.headers.get("Content-Type") or "").startswith("application/json"), "Content-Type must be JSON")

    def add_note(self, platform, ticket, text, **extra):
        with LOCK:
            STATE["notes"].setdefault(tkey(platform, ticket), []).append(dict(text=text, **extra))

    def notes(self, platform, ticket):
        with LOCK:
            return list(STATE["notes"].get(tkey(platform, ticket), []))

    def tags(self, platform, ticket):
        with LOCK:
            return list(STATE["tags"].get(tkey(platform, ticket), ["existing"]))

    def set_tags(self, platform, ticket, tags):
        with LOCK:
            STATE["tags"][tkey(platform, ticket)] = list(tags)

    # ---- platforms ----
    def api_zendesk(self, method, path, query, body):
        self.auth("zendesk")
        m = re.fullmatch(r"/api/v2/tickets/([0-9]+)/comments\.json", path)
        if method == "GET" and m:
            return 200, {"comments": [{"body": n["text"], "public": False} for n in self.notes("zendesk", m.group(1))]}
        m = re.fullmatch(r"/api/v2/tickets/([0-9]+)/tags\.json", path)
        if m:
            need(method == "PUT" and isinstance(body.get("tags"), list), "PUT tags.json needs tags")
            self.set_tags("zendesk", m.group(1), sorted(set(self.tags("zendesk", m.group(1))) | set(body["tags"])))
            return 200, {"tags": self.tags("zendesk", m.group(1))}
        m = re.fullmatch(r"/api/v2/users/([0-9]+)\.json", path)
        if m:
            # Update User: only suspending is expected from mamori (issue 16).
            need(method == "PUT", "users/ID.json takes PUT")
            self.json_ct()
            u = body.get("user")
            need(isinstance(u, dict) and u.get("suspended") is True and len(u) == 1,
                 "user must be exactly {\"suspended\": true}")
            with LOCK:
                STATE["suspended"]["zendesk:" + m.group(1)] = STATE["suspended"].get("zendesk:" + m.group(1), 0) + 1
            return 200, {"user": {"id": int(m.group(1)), "suspended": True}}
        m = re.fullmatch(r"/api/v2/tickets/([0-9]+)\.json", path)
        need(method == "PUT" and m, "unexpected %s %s" % (method, path))
        self.json_ct()
        t = body.get("ticket")
        need(isinstance(t, dict), "body needs ticket")
        idem = self.headers.get("Idempotency-Key")
        need(idem, "Idempotency-Key is expected")
        with LOCK:
            seen = STATE["idem"].get("zendesk:" + idem)
            STATE["idem"]["zendesk:" + idem] = True
        if "comment" in t:
            c = t["comment"]
            need(isinstance(c.get("body") or c.get("html_body"), str), "comment.body must be a string")
            need(c.get("public") is False, "comment.public must be false (internal)")
            if not seen:
                self.add_note("zendesk", m.group(1), c.get("body") or c.get("html_body"))
        if "additional_tags" in t:
            need(all(isinstance(x, str) for x in t["additional_tags"]), "additional_tags must be strings")
            self.set_tags("zendesk", m.group(1), sorted(set(self.tags("zendesk", m.group(1))) | set(t["additional_tags"])))
        return 200, {"ticket": {"id": int(m.group(1))}, "audit": {}}

    def no_block_api(self, platform, path, prefix):
        # Issue 16: no documented call blocks a requester here; mamori must
        # record the decision and tell the agents, never touch the person.
        if path.startswith(prefix):
            with LOCK:
                STATE["blocked"][platform + ":" + path] = STATE["blocked"].get(platform + ":" + path, 0) + 1
            need(False, "%s has no block call: mamori must not write to %s" % (platform, path))

    def api_freshdesk(self, method, path, query, body):
        self.auth("freshdesk")
        self.no_block_api("freshdesk", path, "/api/v2/contacts")
        m = re.fullmatch(r"/api/v2/tickets/([0-9]+)(/notes|/conversations)?", path)
        need(m, "unexpected path " + path)
        tid, sub = m.group(1), m.group(2)
        if method == "GET" and sub == "/conversations":
            return 200, [{"body": n["text"], "private": True} for n in self.notes("freshdesk", tid)]
        if method == "GET" and sub is None:
            return 200, {"id": int(tid), "tags": self.tags("freshdesk", tid)}
        self.json_ct()
        if method == "POST" and sub == "/notes":
            need(isinstance(body.get("body"), str) and body.get("private") is True, "note needs body and private=true")
            need("<" in body["body"], "Freshdesk notes are HTML")
            self.add_note("freshdesk", tid, body["body"])
            return 201, {"id": 1, "private": True}
        need(method == "PUT" and sub is None and isinstance(body.get("tags"), list), "PUT ticket needs tags")
        self.set_tags("freshdesk", tid, body["tags"])
        return 200, {"id": int(tid), "tags": body["tags"]}

    def api_zammad(self, method, path, query, body):
        self.auth("zammad")
        m = re.fullmatch(r"/api/v1/ticket_articles/by_ticket/([0-9]+)", path)
        if method == "GET" and m:
            return 200, [{"body": n["text"], "internal": True, "type": "note"} for n in self.notes("zammad", m.group(1))]
        self.json_ct()
        if method == "POST" and path == "/api/v1/ticket_articles":
            need(isinstance(body.get("ticket_id"), int), "ticket_id must be an integer")
            need(body.get("internal") is True and body.get("type") == "note" and body.get("sender") == "Agent",
                 "article must be an internal note by Agent")
            need(body.get("content_type") == "text/html" and isinstance(body.get("body"), str), "HTML body expected")
            self.add_note("zammad", body["ticket_id"], body["body"])
            return 201, {"id": 900, "ticket_id": body["ticket_id"]}
        need(method == "POST" and path == "/api/v1/tags/add", "unexpected %s %s" % (method, path))
        need(body.get("object") == "Ticket" and isinstance(body.get("item"), str) and isinstance(body.get("o_id"), int),
             "tags/add needs item, object=Ticket, o_id")
        self.set_tags("zammad", body["o_id"], sorted(set(self.tags("zammad", body["o_id"])) | {body["item"]}))
        return 201, True

    def api_helpscout(self, method, path, query, body):
        if path == "/v2/oauth2/token":
            need(method == "POST" and body.get("grant_type") == "client_credentials" and body.get("client_id") == "hs-client"
                 and body.get("client_secret") == "hs-secret", "bad token request")
            with LOCK:
                STATE["hs_token_requests"] += 1
                token = "hs-bearer-token-%d" % STATE["hs_token"]
            return 200, {"token_type": "bearer", "access_token": token, "expires_in": 7200}
        got = self.headers.get("Authorization") or ""
        with LOCK:
            current = "Bearer hs-bearer-token-%d" % STATE["hs_token"]
            if got.startswith("Bearer hs-bearer-token-") and got != current:
                STATE["hs_expired"] += 1
                return 401, {"error": "expired token"}
        need(got == current, "bad or missing Authorization for helpscout")
        self.no_block_api("helpscout", path, "/v2/customers")
        m = re.fullmatch(r"/v2/conversations/([0-9]+)(/notes|/threads|/tags)?", path)
        need(m, "unexpected path " + path)
        cid, sub = m.group(1), m.group(2)
        if method == "GET" and sub == "/threads":
            return 200, {"_embedded": {"threads": [{"type": "note", "body": n["text"]} for n in self.notes("helpscout", cid)]}}
        if method == "GET" and sub is None:
            return 200, {"id": int(cid), "tags": [{"id": i, "tag": t} for i, t in enumerate(self.tags("helpscout", cid))]}
        self.json_ct()
        if method == "POST" and sub == "/notes":
            need(isinstance(body.get("text"), str), "note needs text")
            self.add_note("helpscout", cid, body["text"])
            return 201, None
        need(method == "PUT" and sub == "/tags" and isinstance(body.get("tags"), list), "PUT tags needs tags")
        self.set_tags("helpscout", cid, body["tags"])
        return 204, None

    def api_jira(self, method, path, query, body):
        self.auth("jira")
        m = re.fullmatch(r"/rest/servicedeskapi/request/([A-Z]+-[0-9]+)/comment", path)
        if m and method == "GET":
            return 200, {"values": [{"body": n["text"], "public": False} for n in self.notes("jira", m.group(1))]}
        self.json_ct()
        if m and method == "POST":
            need(isinstance(body.get("body"), str) and body.get("public") is False, "comment needs body and public=false")
            self.add_note("jira", m.group(1), body["body"])
            return 201, {"id": "1", "public": False}
        m = re.fullmatch(r"/rest/api/3/issue/([A-Z]+-[0-9]+)", path)
        need(m and method == "PUT", "unexpected %s %s" % (method, path))
        adds = body.get("update", {}).get("labels")
        need(isinstance(adds, list) and all(isinstance(a.get("add"), str) for a in adds), "update.labels[].add expected")
        self.set_tags("jira", m.group(1), sorted(set(self.tags("jira", m.group(1))) | {a["add"] for a in adds}))
        return 204, None

    def api_redmine(self, method, path, query, body):
        need(self.headers.get("X-Redmine-API-Key") == REDMINE_KEY, "bad or missing X-Redmine-API-Key")
        if path == "/issues.json":
            return self.redmine_list(method, query)
        m = re.fullmatch(r"/issues/([0-9]+)\.json", path)
        need(m, "unexpected path " + path)
        iid = m.group(1)
        if method == "GET":
            need("include=journals" in query, "journals must be included")
            with LOCK:
                stored = json.loads(json.dumps(STATE["rm_issues"].get(iid, {"id": int(iid)})))
            stored["journals"] = stored.get("journals", []) + [{"notes": n["text"], "private_notes": True}
                                                               for n in self.notes("redmine", iid)]
            stored["custom_fields"] = [{"id": REDMINE_CF, "name": "Tags", "multiple": True,
                                        "value": self.tags("redmine", iid)}]
            return 200, {"issue": stored}
        need(method == "PUT", "unexpected method")
        self.json_ct()
        need(self.headers.get("X-Skip-Webhooks") == "1", "X-Skip-Webhooks: 1 expected")
        issue = body.get("issue")
        need(isinstance(issue, dict), "body needs issue")
        if "notes" in issue:
            need(issue.get("private_notes") is True, "private_notes must be true")
            need("<p>" not in issue["notes"], "Redmine notes are Textile/Markdown, not HTML")
            self.add_note("redmine", iid, issue["notes"])
        for cf in issue.get("custom_fields", []):
            need(cf.get("id") == REDMINE_CF and isinstance(cf.get("value"), list), "custom field %d as a list" % REDMINE_CF)
            self.set_tags("redmine", iid, cf["value"])
        return 204, None

    def redmine_list(self, method, query):
        """GET /issues.json as the poller asks it (Redmine's REST API: the
        updated_on filter takes ">=" and an ISO 8601 time; sort and limit)."""
        need(method == "GET", "issues.json is read-only here")
        q = dict(urllib.parse.parse_qsl(query))
        since = q.get("updated_on", "")
        need(since.startswith(">="), "updated_on=>=TIME expected, got " + since)
        need(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", since[2:]), "updated_on needs an ISO 8601 UTC time")
        need(q.get("status_id") == "*", "status_id=* expected (closed issues too)")
        need(q.get("sort") == "updated_on:asc", "sort=updated_on:asc expected")
        limit = int(q.get("limit", "25"))
        need(1 <= limit <= 100, "limit is 1..100 in Redmine")
        with LOCK:
            issues = [json.loads(json.dumps(i)) for i in STATE["rm_issues"].values() if i["updated_on"] >= since[2:]]
        issues.sort(key=lambda i: (i["updated_on"], i["id"]))
        for i in issues:
            i.pop("journals", None)  # the listing has no journals
        return 200, {"issues": issues[:limit], "total_count": len(issues), "offset": 0, "limit": limit}

    def api_rt(self, method, path, query, body):
        self.auth("rt")
        m = re.fullmatch(r"/REST/2\.0/ticket/([0-9]+)(/comment|/attachments)?", path)
        need(m, "unexpected path " + path)
        tid, sub = m.group(1), m.group(2)
        if method == "GET" and sub == "/attachments":
            return 200, {"items": [{"Content": n["text"]} for n in self.notes("rt", tid)], "count": 0}
        if method == "GET" and sub is None:
            return 200, {"id": int(tid), "CustomFields": [{"name": "Harassment", "values": self.tags("rt", tid)}]}
        self.json_ct()
        if method == "POST" and sub == "/comment":
            need(isinstance(body.get("Content"), str) and body.get("ContentType") == "text/plain", "comment needs Content")
            self.add_note("rt", tid, body["Content"], subject=body.get("Subject"))
            return 201, ["Comments added"]
        need(method == "PUT" and sub is None, "unexpected %s %s" % (method, path))
        cf = body.get("CustomFields", {}).get("Harassment")
        need(isinstance(cf, list), "CustomFields.Harassment list expected")
        self.set_tags("rt", tid, cf)
        return 200, ["ok"]

    def api_generic(self, method, path, query, body):
        need(method == "POST" and path == "/callback", "unexpected %s %s" % (method, path))
        self.json_ct()
        sig = self.headers.get("X-Mamori-Signature") or ""
        m = re.fullmatch(r"t=([0-9]+),v1=([0-9a-f]{64})", sig)
        need(m, "X-Mamori-Signature missing or malformed")
        want = hmac.new(ARGS.generic_secret.encode(), m.group(1).encode() + b"." + self.raw_body, hashlib.sha256).hexdigest()
        need(hmac.compare_digest(m.group(2), want), "signature mismatch")
        need(isinstance(body.get("note"), str) and body.get("reference", "").startswith("mamori-ref:"), "note and reference")
        idem = self.headers.get("Idempotency-Key")
        need(idem == body["reference"], "Idempotency-Key must be the reference")
        with LOCK:
            seen = STATE["idem"].get("generic:" + idem)
            STATE["idem"]["generic:" + idem] = True
        if not seen:
            self.add_note("generic", body.get("ticket_id"), body["note"])
            self.set_tags("generic", body.get("ticket_id"), body.get("tags", []))
        return 200, {"ok": True}


class Server(ThreadingHTTPServer):
    daemon_threads = True


class GenericHandler(Handler):
    def handle_any(self, method):
        # Keep the raw bytes for the generic signature check.
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        self.raw_body = raw
        import io
        self.rfile = io.BytesIO(raw)
        return Handler.handle_any(self, method)


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--generic-secret", default="secret-acme")
    ARGS = ap.parse_args()
    srv = Server(("127.0.0.1", 0), GenericHandler)
    with open(ARGS.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(ARGS.port_file + ".tmp", ARGS.port_file)
    # Bounded life: a stand-in never outlives its test by much.
    threading.Timer(1800, lambda: os._exit(0)).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
