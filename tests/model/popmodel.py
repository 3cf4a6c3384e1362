#!/usr/bin/env python3
"""A stateful POP3 server for the model-based tester (tests/model/run).

Unlike tests/lib/fakepop.py, which plays a transcript, this one keeps a
mailbox across sessions, in memory, and behaves as real servers may:

- the mailbox lives for the whole scenario; mail that arrives (arrive())
  shows from the next session on, as a maildrop locked at login would;
- a session sees the messages in arrival order, maybe only the first N
  (a per-session cap), or once only part of them (a partial listing);
- UIDs: a counter never reused ("counter"), the most recently freed UID
  taken again ("reuse", as servers that number messages do), a digest of
  the content where a message deleted and sent again gets its old UID
  ("content"), or a counter that starts again at 1 ("reset");
- CAPA with or without PIPELINING, TOP, RESP-CODES, EXPIRE 0 (messages
  RETR'd in a session that QUIT applies are removed, as Gmail does);
- per command (its kth use in the session): -ERR, a dropped link, half a
  RETR body then a drop, a slow answer; at QUIT: the link dropped before
  the update, the update applied then the link dropped, or -ERR;
- a second session while one holds the maildrop gets -ERR [IN-USE].

A QUIT answered +OK has applied the DELEs; a session that ends any other
way applies nothing (RFC 1939).  What the driver needs afterwards is in
Mailbox: every message ever put there, where it is now and why, and the
events of each session.

Run alone it serves one mailbox of --messages messages until SIGTERM or
SIGINT, then prints the mailbox as JSON:

    popmodel.py --port-file F [--seed N] [--messages N] [--uids SCHEME]
"""

import argparse
import hashlib
import json
import random
import signal
import socket
import sys
import threading
import time


class Msg:
    """One message as put on the server: its id is its X-Model-Id."""

    def __init__(self, mid, data, verdict="fetch"):
        self.mid = mid
        self.data = data            # bytes, LF line ends
        self.verdict = verdict      # what the model's filter says of it
        self.uid = None
        self.where = "pending"      # pending, listed, deleted, hidden
        self.when = None            # the session that deleted or hid it
        self.key = mid              # what a "content" UID is made of

    def wire(self):
        return self.data.replace(b"\n", b"\r\n")


class Mailbox:
    def __init__(self, scheme="counter", rng=None):
        self.scheme = scheme
        self.rng = rng or random.Random(0)
        self.lock = threading.Lock()
        self.msgs = []
        self.counter = 0
        self.freed = []             # UIDs of removed messages, oldest first
        self.freed_keys = []        # their content keys ("content")
        self.sessions = []          # one list of event strings a session
        self.held = False           # the maildrop is locked by a session
        # The DELE'd ids of each session whose QUIT never applied (its
        # client may hold them in KEY.quit, to settle at its next listing),
        # and the ids a later listing's gaps make it take that QUIT for
        # applied: fetched again, the documented duplicate window.
        self.unsettled = []
        self.excused = set()

    def _in_use(self):
        return set(m.uid for m in self.msgs
                   if m.where in ("pending", "listed"))

    def _next_counter(self, used):
        while True:
            self.counter += 1
            uid = "m%06d" % self.counter
            if uid not in used:
                return uid

    def arrive(self, msg, resend=False):
        """A new message, listed from the next session on.  resend: with
        "content" UIDs it is a message removed before, sent again."""
        with self.lock:
            used = self._in_use()
            if self.scheme == "reuse" and self.freed:
                msg.uid = self.freed.pop()
            elif self.scheme == "content":
                keys = [k for k in self.freed_keys
                        if self._digest(k) not in used]
                if resend and keys:
                    msg.key = self.rng.choice(keys)
                msg.uid = self._digest(msg.key)
            else:
                msg.uid = self._next_counter(used)
            self.msgs.append(msg)

    def reset_counter(self):
        """The server's UID counter starts again (UIDs in use are skipped)."""
        with self.lock:
            self.counter = 0

    @staticmethod
    def _digest(key):
        return hashlib.sha1(key.encode()).hexdigest()[:24]

    def _remove(self, m, how, session):
        m.where = how
        m.when = session
        self.freed.append(m.uid)
        self.freed_keys.append(m.key)

    def listed(self):
        with self.lock:
            return [m for m in self.msgs if m.where == "listed"]

    def dump(self):
        with self.lock:
            return {
                "scheme": self.scheme,
                "messages": [{"id": m.mid, "uid": m.uid, "where": m.where,
                              "session": m.when, "verdict": m.verdict}
                             for m in self.msgs],
                "sessions": self.sessions,
            }


class Plan:
    """How one session behaves; the driver sets one before each run."""

    def __init__(self):
        self.capa = True            # False: CAPA answers -ERR (RFC 1939)
        self.pipelining = True
        self.top = True
        self.resp_codes = True
        self.expire0 = False
        self.cap = 0                # list only the first N (0: all)
        self.hide = set()           # ids left out of this listing
        self.faults = {}            # (CMD, k) -> err|drop|half|slow|torn|
                                    # apply-drop
        self.slow = 0.0             # seconds before each RETR answer

    def later(self):
        """The plan of a run's further sessions: the same server, without
        the faults and the partial listing drawn for its first."""
        p = Plan()
        for k in ("capa", "pipelining", "top", "resp_codes", "expire0",
                  "cap"):
            setattr(p, k, getattr(self, k))
        return p

    def describe(self):
        caps = [c for c, on in (("PIPELINING", self.pipelining),
                                ("TOP", self.top),
                                ("RESP-CODES", self.resp_codes),
                                ("EXPIRE-0", self.expire0)) if on]
        words = ["capa " + ("/".join(caps) if self.capa else "-ERR")]
        if self.cap:
            words.append("cap %d" % self.cap)
        if self.hide:
            words.append("partial listing (hides %s)" %
                         ",".join(sorted(self.hide)))
        if self.slow:
            words.append("RETR slow %.2fs" % self.slow)
        for (cmd, k), what in sorted(self.faults.items()):
            words.append("%s#%d %s" % (cmd, k, what))
        return "; ".join(words)


class Drop(Exception):
    pass


class Server:
    def __init__(self, mailbox, log=None):
        self.mb = mailbox
        self.log = log
        self.plans = []             # for the next sessions, in order
        self.default = Plan()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.active = 0             # connections being served
        self.cond = threading.Condition()
        self.stopping = False

    def start(self):
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def stop(self):
        """Ends the accept loop before the socket's descriptor is freed:
        a loop still about to accept on that number would take the next
        scenario's connections, served from this mailbox."""
        self.stopping = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.thread.join(5)
        try:
            self.sock.close()
        except OSError:
            pass

    def idle(self, timeout=10.0):
        """Waits until no connection is being served; False on timeout."""
        end = time.monotonic() + timeout
        with self.cond:
            while self.active:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
        return True

    def _accept(self):
        while not self.stopping:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self.cond:
                self.active += 1
            threading.Thread(target=self._serve, args=(c,),
                             daemon=True).start()

    def _serve(self, c):
        s = Session(self, c)
        try:
            s.run()
        except (Drop, OSError):
            s.note("the session ended without QUIT: nothing applied")
        finally:
            s.release()
            if s.dele and not s.applied:
                with self.mb.lock:
                    self.mb.unsettled.append(
                        {s.list[n - 1].mid for n in s.dele})
            try:
                c.close()
            except OSError:
                pass
            with self.cond:
                self.active -= 1
                self.cond.notify_all()


class Session:
    def __init__(self, server, c):
        self.srv = server
        self.mb = server.mb
        self.c = c
        self.f = c.makefile("rb")
        self.plan = None
        self.list = []              # this session's messages, from 1
        self.dele = set()
        self.retr = set()
        self.uses = {}
        self.applied = False        # its QUIT applied the DELEs
        self.ev = None              # this session's events, once locked
        self.holds = False          # this session holds the maildrop
        self.no = None

    def send(self, line):
        self.c.sendall(line.encode() + b"\r\n")

    def err(self, text, code="SYS/TEMP"):
        if self.plan is not None and self.plan.resp_codes and code:
            self.send("-ERR [%s] %s" % (code, text))
        else:
            self.send("-ERR " + text)

    def note(self, text):
        if self.ev is not None:
            self.ev.append(text)

    def readline(self):
        line = self.f.readline(4096)
        if not line:
            raise Drop()
        return line.rstrip(b"\r\n").decode("ascii", "replace")

    def fault(self, cmd):
        k = self.uses.get(cmd, 0) + 1
        self.uses[cmd] = k
        if self.plan is None:
            return None
        what = self.plan.faults.get((cmd, k))
        if what == "drop":
            self.note("%s#%d: link dropped" % (cmd, k))
            raise Drop()
        if what == "slow":
            # Past the 2 s after which popfetch records a batch mid-run.
            time.sleep(2.1)
        return what

    def run(self):
        self.send("+OK model POP3 ready")
        authed = False
        user = None
        while True:
            line = self.readline()
            verb, _, arg = line.partition(" ")
            verb = verb.upper()
            if verb == "QUIT":
                self.quit()
                return
            if not authed:
                if verb == "CAPA":
                    self.capa(self.srv.plans[0] if self.srv.plans
                              else self.srv.default)
                elif verb == "USER":
                    user = arg
                    self.send("+OK")
                elif verb == "PASS" and user is not None:
                    if not self.login():
                        return
                    authed = True
                else:
                    self.send("-ERR authorization first")
                continue
            self.command(verb, arg)

    def capa(self, plan):
        if not plan.capa:
            self.send("-ERR no CAPA here")
            return
        lines = ["USER", "UIDL", "IMPLEMENTATION popmodel"]
        if plan.top:
            lines.append("TOP")
        if plan.pipelining:
            lines.append("PIPELINING")
        if plan.resp_codes:
            lines.append("RESP-CODES")
        if plan.expire0:
            lines.append("EXPIRE 0")
        self.send("+OK capabilities follow")
        for x in lines:
            self.send(x)
        self.send(".")

    def login(self):
        with self.mb.lock:
            if self.mb.held:
                self.plan = self.srv.default
                self.err("maildrop in use", "IN-USE")
                return False
            self.mb.held = True
            self.holds = True
            self.plan = (self.srv.plans.pop(0) if self.srv.plans
                         else self.srv.default)
            self.no = len(self.mb.sessions) + 1
            self.ev = [self.plan.describe()]
            self.mb.sessions.append(self.ev)
            for m in self.mb.msgs:
                if m.where == "pending":
                    m.where = "listed"
            visible = [m for m in self.mb.msgs if m.where == "listed"]
        self.list = [m for m in visible if m.mid not in self.plan.hide]
        if self.plan.cap:
            self.list = self.list[:self.plan.cap]
        gaps = {m.mid for m in visible} - {m.mid for m in self.list}
        with self.mb.lock:
            for ids in self.mb.unsettled:
                if ids & gaps:
                    self.mb.excused |= ids
        self.note("listed %d of %d" % (len(self.list), len(visible)))
        if self.fault("PASS") == "err":
            self.release()
            self.err("cannot open the maildrop now")
            return False
        self.send("+OK maildrop locked, %d messages" % len(self.list))
        return True

    def release(self):
        if self.holds:
            self.holds = False
            with self.mb.lock:
                self.mb.held = False

    def msg(self, arg):
        try:
            n = int(arg.split()[0])
        except (ValueError, IndexError):
            return None, 0
        if 1 <= n <= len(self.list) and n not in self.dele:
            return self.list[n - 1], n
        return None, n

    def live(self):
        return [(i + 1, m) for i, m in enumerate(self.list)
                if i + 1 not in self.dele]

    def command(self, verb, arg):
        what = self.fault(verb)
        if what == "err":
            self.note("%s#%d: -ERR" % (verb, self.uses[verb]))
            self.err("model fault at %s" % verb)
            return
        if verb == "STAT":
            live = self.live()
            self.send("+OK %d %d" % (len(live) + (what == "torn"),
                                     sum(len(m.wire()) for _, m in live)))
        elif verb in ("UIDL", "LIST") and arg:
            m, n = self.msg(arg)
            if m is None:
                self.err("no such message", None)
            else:
                self.send("+OK %d %s" % (n, m.uid if verb == "UIDL"
                                         else len(m.wire())))
        elif verb in ("UIDL", "LIST"):
            self.send("+OK")
            live = self.live()
            if what == "torn":
                self.note("%s: one line left out" % verb)
                live = live[:-1]
            for n, m in live:
                self.send("%d %s" % (n, m.uid if verb == "UIDL"
                                     else len(m.wire())))
            self.send(".")
        elif verb in ("RETR", "TOP"):
            m, n = self.msg(arg)
            if m is None:
                self.err("no such message", None)
                return
            data = m.wire()
            if verb == "TOP":
                end = data.find(b"\r\n\r\n")
                data = data[:end + 4] if end >= 0 else data
            else:
                if self.plan.slow:
                    time.sleep(self.plan.slow)
                self.retr.add(n)
            self.c.sendall(b"+OK %d octets\r\n" % len(data))
            body = self.stuff(data)
            if what == "half":
                self.note("%s %d (%s): half the body, then the link "
                          "dropped" % (verb, n, m.mid))
                self.c.sendall(body[:len(body) // 2])
                raise Drop()
            self.c.sendall(body + b".\r\n")
        elif verb == "DELE":
            m, n = self.msg(arg)
            if m is None:
                self.err("no such message", None)
                return
            self.dele.add(n)
            if what == "apply-drop":
                self.note("DELE %d marked, then the link dropped" % n)
                raise Drop()
            self.send("+OK marked")
        elif verb == "NOOP":
            self.send("+OK")
        elif verb == "RSET":
            self.dele.clear()
            self.send("+OK")
        elif verb == "CAPA":
            self.capa(self.plan)
        else:
            self.err("unknown command", None)

    @staticmethod
    def stuff(data):
        out = []
        for line in data.split(b"\r\n")[:-1] if data.endswith(b"\r\n") \
                else data.split(b"\r\n"):
            out.append((b"." if line.startswith(b".") else b"") + line +
                       b"\r\n")
        return b"".join(out)

    def quit(self):
        if self.ev is None:
            self.send("+OK bye")
            return
        try:
            what = self.fault("QUIT")
            if what == "err":
                self.note("QUIT: -ERR, nothing applied")
                self.err("cannot update the maildrop")
                return
            if what == "drop":
                return
            self.apply()
            # Unlocked before the answer, for a client that logs in again
            # at once.
            self.release()
            if what == "apply-drop":
                self.note("QUIT: applied, then the link dropped")
                raise Drop()
            self.send("+OK bye")
        finally:
            self.release()

    def apply(self):
        self.applied = True
        gone = []
        with self.mb.lock:
            for n, m in enumerate(self.list, 1):
                if n in self.dele:
                    self.mb._remove(m, "deleted", self.no)
                    gone.append("%s deleted" % m.mid)
                elif self.plan.expire0 and n in self.retr:
                    self.mb._remove(m, "hidden", self.no)
                    gone.append("%s hidden (EXPIRE 0)" % m.mid)
        self.note("QUIT applied: %s" % (", ".join(gone) or "nothing"))



def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--messages", type=int, default=5)
    ap.add_argument("--uids", default="counter",
                    choices=("counter", "reuse", "content", "reset"))
    args = ap.parse_args()
    mb = Mailbox(args.uids, random.Random(args.seed))
    for i in range(args.messages):
        mid = "%d.%d" % (args.seed, i + 1)
        mb.arrive(Msg(mid, b"Message-Id: <%s@model>\nX-Model-Id: %s\n\n"
                      b"body %d\n" % (mid.encode(), mid.encode(), i + 1)))
    srv = Server(mb)
    srv.start()
    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.port)
    import os
    os.rename(args.port_file + ".tmp", args.port_file)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    srv.stop()
    json.dump(mb.dump(), sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    sys.exit(main())
