#!/usr/bin/env python3
"""stalled_body.py SOCKET N HOLD -- N FastCGI requests straight to mamori's
socket, each announcing a 100 kB body and sending 4 bytes of it, then
holding the connection open for HOLD seconds (as a client of a server that
streams bodies would). Prints, per connection, the HTTP status mamori
answered ("408"), or "none" when it answered nothing before HOLD ran out."""
import socket, struct, sys, time, threading

def record(rtype, rid, content):
    return struct.pack(">BBHHBB", 1, rtype, rid, len(content), 0, 0) + content

def nv(name, value):
    n, v = name.encode(), value.encode()
    def ln(x):
        return struct.pack(">B", len(x)) if len(x) < 128 else struct.pack(">I", len(x) | 0x80000000)
    return ln(n) + ln(v) + n + v

def one(path, hold, out, i):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    params = b"".join(nv(k, v) for k, v in [
        ("REQUEST_METHOD", "POST"), ("REQUEST_URI", "/hooks/acme/generic"),
        ("CONTENT_TYPE", "application/json"), ("CONTENT_LENGTH", "100000")])
    s.sendall(record(1, 1, struct.pack(">HB5x", 1, 0)) + record(4, 1, params) + record(4, 1, b"") +
              record(5, 1, b'{"ti'))
    s.settimeout(hold)
    got = b""
    end = time.time() + hold
    try:
        while time.time() < end:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    except socket.timeout:
        pass
    s.close()
    text = got.decode("latin-1")
    at = text.find("Status: ")
    out[i] = text[at + 8:at + 11] if at >= 0 else "none"

path, n, hold = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
out = ["none"] * n
ts = [threading.Thread(target=one, args=(path, hold, out, i)) for i in range(n)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(" ".join(out))
