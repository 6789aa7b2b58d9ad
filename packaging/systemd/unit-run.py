#!/usr/bin/env python3
"""unit-run.py -- run mamori.socket + mamori.service the way systemd would,
on a machine where systemd is not PID 1 (containers, CI). For tests only.

It reads the two unit files and does what systemd does with them:
  - binds ListenStream= (a unix socket) as root with SocketUser=,
    SocketGroup=, SocketMode=, Backlog=, and holds it for its whole life;
  - runs every ExecStartPre=, then ExecStart= as User=/Group= with the socket
    passed as fd 3 (LISTEN_FDS=1, LISTEN_PID) -- socket activation;
  - SIGHUP: runs the ExecReload= lines ($MAINPID substituted), like
    `systemctl reload`; SIGUSR1: stops the service (SIGTERM, then waits up to
    TimeoutStopSec=) and starts it again on the same socket, like
    `systemctl restart mamori.service`; SIGTERM: stops it and exits.
It logs what it does to stderr; the service's stderr goes to --log.
Hardening directives need systemd itself and are not applied here.

  unit-run.py --units DIR [--map OLD=NEW]... [--as-user USER] --log FILE --pidfile FILE
--map rewrites a path in the command lines (a build tree instead of /usr);
--as-user overrides User=/Group= (a test that cannot create the user).
"""
import argparse, grp, os, pwd, shlex, signal, socket, subprocess, sys, time


def parse_unit(path):
    out = {}
    section = None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("["):
                section = line.strip("[]")
                continue
            k, _, v = line.partition("=")
            out.setdefault((section, k.strip()), []).append(v.strip())
    return out


def one(unit, section, key, default=None):
    v = unit.get((section, key))
    return v[-1] if v else default


def log(msg):
    sys.stderr.write("unit-run: %s\n" % msg)
    sys.stderr.flush()


class Runner:
    def __init__(self, args):
        self.args = args
        self.sock_unit = parse_unit(os.path.join(args.units, "mamori.socket"))
        self.svc = parse_unit(os.path.join(args.units, "mamori.service"))
        self.maps = [m.split("=", 1) for m in args.map]
        user = args.as_user or one(self.svc, "Service", "User", "root")
        group = args.as_user or one(self.svc, "Service", "Group", user)
        self.uid = pwd.getpwnam(user).pw_uid
        self.gid = grp.getgrnam(group).gr_gid if not args.as_user else pwd.getpwnam(user).pw_gid
        self.main = None
        self.logf = open(args.log, "ab", buffering=0)
        self.pending = []

    def cmdline(self, line):
        for old, new in self.maps:
            line = line.replace(old, new)
        if self.main is not None:
            line = line.replace("$MAINPID", str(self.main.pid))
        ignore = line.startswith("-")
        return shlex.split(line.lstrip("-@")), ignore

    def listen(self):
        path = self.args.listen or one(self.sock_unit, "Socket", "ListenStream")
        d = os.path.dirname(path)
        os.makedirs(d, exist_ok=True)
        os.chmod(d, int(one(self.sock_unit, "Socket", "DirectoryMode", "0755"), 8))
        if os.path.exists(path):
            os.unlink(path)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        su = one(self.sock_unit, "Socket", "SocketUser", "root")
        sg = one(self.sock_unit, "Socket", "SocketGroup", "root")
        os.chown(path, pwd.getpwnam(su).pw_uid, grp.getgrnam(sg).gr_gid)
        os.chmod(path, int(one(self.sock_unit, "Socket", "SocketMode", "0666"), 8))
        s.listen(int(one(self.sock_unit, "Socket", "Backlog", "128")))
        self.sock = s
        self.path = path
        log("listening on %s (held for the service)" % path)

    def demote(self):
        os.setgroups([])
        os.setgid(self.gid)
        os.setuid(self.uid)

    def run_sync(self, key):
        for line in self.svc.get(("Service", key), []):
            argv, ignore = self.cmdline(line)
            log("%s: %s" % (key, " ".join(argv)))
            rc = subprocess.call(argv, stdout=self.logf, stderr=self.logf,
                                 preexec_fn=self.demote if argv[0] != "/bin/kill" else None)
            if rc != 0 and not ignore:
                log("%s failed with status %d" % (key, rc))
                return False
        return True

    def start(self):
        if not self.run_sync("ExecStartPre"):
            return False
        argv, _ = self.cmdline(one(self.svc, "Service", "ExecStart"))
        fd = self.sock.fileno()

        def child():
            os.dup2(fd, 3)
            os.set_inheritable(3, True)
            os.environ["LISTEN_FDS"] = "1"
            os.environ["LISTEN_PID"] = str(os.getpid())
            self.demote()

        # LISTEN_PID must be the service's own pid: set in the child.
        self.main = subprocess.Popen(argv, stdout=self.logf, stderr=self.logf, preexec_fn=child,
                                     pass_fds=(3,) if fd == 3 else (), close_fds=False)
        log("ExecStart: %s (pid %d)" % (" ".join(argv), self.main.pid))
        return True

    def stop(self):
        if self.main is None:
            return
        timeout = float(one(self.svc, "Service", "TimeoutStopSec", "90"))
        self.main.send_signal(signal.SIGTERM)
        try:
            self.main.wait(timeout)
        except subprocess.TimeoutExpired:
            log("stop timed out; killing")
            self.main.kill()
            self.main.wait()
        log("stopped (status %s)" % self.main.returncode)
        self.main = None

    def loop(self):
        for sig in (signal.SIGHUP, signal.SIGUSR1, signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda s, f: self.pending.append(s))
        self.listen()
        if not self.start():
            return 1
        with open(self.args.pidfile, "w") as f:
            f.write("%d\n" % os.getpid())
        while True:
            while not self.pending:
                time.sleep(0.05)
                if self.main is not None and self.main.poll() is not None:
                    log("service exited with status %d" % self.main.returncode)
                    return 1
            sig = self.pending.pop(0)
            if sig == signal.SIGHUP:
                log("reload")
                self.run_sync("ExecReload")
            elif sig == signal.SIGUSR1:
                log("restart")
                self.stop()
                if not self.start():
                    return 1
            else:
                self.stop()
                self.sock.close()
                os.unlink(self.path)
                return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", required=True)
    ap.add_argument("--map", action="append", default=[])
    ap.add_argument("--as-user")
    ap.add_argument("--listen")
    ap.add_argument("--log", required=True)
    ap.add_argument("--pidfile", required=True)
    sys.exit(Runner(ap.parse_args()).loop())


if __name__ == "__main__":
    main()
