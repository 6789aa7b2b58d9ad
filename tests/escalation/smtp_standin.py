#!/usr/bin/env python3
"""A small SMTP server for mamori's mail channel tests (python3 stdlib only).

Speaks enough ESMTP for a real client (libcurl): EHLO/HELO, STARTTLS with
the given certificate (AUTH is only offered after it), AUTH PLAIN and AUTH
LOGIN, MAIL FROM, RCPT TO, DATA with dot-unstuffing, RSET, NOOP, QUIT. Each
accepted or refused message is one JSON line in --log:
{"tls", "auth_user", "auth_mech", "mail_from", "rcpt", "data", "accepted",
"reply"}.

--fail-first N answers the first N DATA with --fail-code (default 451, a
temporary failure the client must retry). --drop-first N takes the first
N messages (logged as accepted: the mail is delivered) and then closes the
connection without answering the end of DATA: the answer is lost, as when
a connection breaks at that moment (these come before the --fail-first
ones).
"""
import argparse
import base64
import json
import os
import socketserver
import ssl
import threading

LOCK = threading.Lock()
ARGS = None
STATE = {"fail_left": 0, "drop_left": 0, "queued": 0}


class Session(socketserver.StreamRequestHandler):
    timeout = 30

    def send(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def readline(self):
        line = self.rfile.readline(65536)
        if not line:
            raise EOFError
        return line.decode("utf-8", "replace").rstrip("\r\n")

    def log(self, entry):
        with LOCK, open(ARGS.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def handle(self):
        self.tls = False
        self.user = None
        self.mech = None
        self.reset()
        self.send("220 localhost ESMTP mamori-test")
        try:
            while True:
                line = self.readline()
                verb = line.split(" ", 1)[0].upper()
                arg = line[len(verb):].strip()
                if verb in ("EHLO", "HELO"):
                    self.reset()
                    if verb == "HELO":
                        self.send("250 localhost")
                        continue
                    lines = ["localhost", "8BITMIME", "SIZE 10485760"]
                    if not self.tls:
                        lines.append("STARTTLS")
                    if self.tls or not ARGS.require_tls:
                        lines.append("AUTH PLAIN LOGIN")
                    for i, l in enumerate(lines):
                        self.send(("250 " if i == len(lines) - 1 else "250-") + l)
                elif verb == "STARTTLS":
                    if self.tls:
                        self.send("503 already in TLS")
                        continue
                    self.send("220 Ready to start TLS")
                    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                    ctx.load_cert_chain(ARGS.cert, ARGS.key)
                    self.request = ctx.wrap_socket(self.request, server_side=True)
                    self.rfile = self.request.makefile("rb")
                    self.wfile = self.request.makefile("wb")
                    self.tls = True
                    self.user = None
                    self.reset()
                elif verb == "AUTH":
                    self.auth(arg)
                elif verb == "MAIL":
                    if ARGS.user and self.user is None:
                        self.send("530 5.7.0 Authentication required")
                        continue
                    if ARGS.require_tls and not self.tls:
                        self.send("530 5.7.0 Must issue a STARTTLS command first")
                        continue
                    # The address; parameters such as SIZE= are not part of it.
                    self.mail_from = (arg.split(":", 1)[1].strip() if ":" in arg else arg).split(" ")[0]
                    self.send("250 OK")
                elif verb == "RCPT":
                    if self.mail_from is None:
                        self.send("503 need MAIL first")
                        continue
                    self.rcpt.append((arg.split(":", 1)[1].strip() if ":" in arg else arg).split(" ")[0])
                    self.send("250 OK")
                elif verb == "DATA":
                    if not self.rcpt:
                        self.send("503 need RCPT first")
                        continue
                    self.send("354 End data with <CR><LF>.<CR><LF>")
                    data = []
                    while True:
                        l = self.rfile.readline(1 << 20)
                        if not l:
                            raise EOFError
                        if l in (b".\r\n", b".\n"):
                            break
                        if l.startswith(b".."):
                            l = l[1:]
                        data.append(l)
                    text = b"".join(data).decode("utf-8", "replace")
                    with LOCK:
                        drop = STATE["drop_left"] > 0
                        fail = not drop and STATE["fail_left"] > 0
                        if drop:
                            STATE["drop_left"] -= 1
                        if fail:
                            STATE["fail_left"] -= 1
                        else:
                            STATE["queued"] += 1
                        n = STATE["queued"]
                    if drop:
                        self.log({"tls": self.tls, "auth_user": self.user, "auth_mech": self.mech,
                                  "mail_from": self.mail_from, "rcpt": self.rcpt, "data": text,
                                  "accepted": True, "reply": None})
                        return
                    reply = ("%d 4.3.0 try again later" % ARGS.fail_code) if fail else ("250 OK queued as %d" % n)
                    self.log({"tls": self.tls, "auth_user": self.user, "auth_mech": self.mech,
                              "mail_from": self.mail_from, "rcpt": self.rcpt, "data": text,
                              "accepted": not fail, "reply": reply})
                    self.send(reply)
                    self.reset()
                elif verb == "RSET":
                    self.reset()
                    self.send("250 OK")
                elif verb == "NOOP":
                    self.send("250 OK")
                elif verb == "QUIT":
                    self.send("221 Bye")
                    return
                else:
                    self.send("502 command not implemented")
        except (EOFError, ConnectionError, ssl.SSLError, OSError):
            return

    def reset(self):
        self.mail_from = None
        self.rcpt = []

    def auth(self, arg):
        if ARGS.require_tls and not self.tls:
            self.send("538 5.7.11 Encryption required for requested authentication mechanism")
            return
        parts = arg.split(" ", 1)
        mech = parts[0].upper()
        if mech == "PLAIN":
            resp = parts[1] if len(parts) > 1 else None
            if resp is None:
                self.send("334 ")
                resp = self.readline()
            try:
                _, user, pw = base64.b64decode(resp).decode().split("\0")
            except Exception:
                self.send("501 malformed")
                return
        elif mech == "LOGIN":
            if len(parts) > 1:
                user = base64.b64decode(parts[1]).decode()
            else:
                self.send("334 VXNlcm5hbWU6")
                user = base64.b64decode(self.readline()).decode()
            self.send("334 UGFzc3dvcmQ6")
            pw = base64.b64decode(self.readline()).decode()
        else:
            self.send("504 unrecognized authentication type")
            return
        if user == ARGS.user and pw == ARGS.password:
            self.user = user
            self.mech = mech
            self.send("235 2.7.0 Authentication successful")
        else:
            self.send("535 5.7.8 Authentication credentials invalid")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--user", default="mamori")
    ap.add_argument("--password", default="smtp-pass-for-tests")
    ap.add_argument("--require-tls", type=int, default=1)
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--fail-code", type=int, default=451)
    ap.add_argument("--drop-first", type=int, default=0)
    ARGS = ap.parse_args()
    STATE["fail_left"] = ARGS.fail_first
    STATE["drop_left"] = ARGS.drop_first
    srv = Server(("127.0.0.1", 0), Session)
    with open(ARGS.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(ARGS.port_file + ".tmp", ARGS.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
