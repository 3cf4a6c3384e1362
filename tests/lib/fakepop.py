#!/usr/bin/env python3
"""A scripted POP3 server for fault tests.

It plays a scenario file that reads like a transcript:

    S: +OK fake ready         send this line (CRLF added); "S:" alone sends CRLF
    C: USER test              the client must send this line; "*" matches anything
    # comment                 blank lines and comments are ignored
    TLS                       start TLS now (server side), with --cert/--key
    SLEEP 2.5                 sleep that many seconds
    CLOSE                     drop the connection (the scenario ends)
    RAW text                  send text as is; escapes \\r \\n \\t \\\\ \\xHH
    BIG n c                   send n bytes of character c (no line end)
    FILE path                 send the bytes of a file as they are
    MSG path                  send a file as a RETR body: LF -> CRLF,
                              dot-stuffed, then the terminating ".\\r\\n"
    EXPECT-EOF [secs]         the client must close now, sending nothing more
                              (default: wait up to 10 s)
    ANY-ORDER ... END         the "C:" lines inside may come in any order (a
                              pipelining client): each is answered with the
                              lines that follow it up to the next "C:"
    CONNECTION                what follows is played on the next connection
                              (a client that logs in again); the server
                              then takes one connection for each part

Paths may use $VAR / ${VAR}; relative ones are relative to the scenario file.
A size may be written with a suffix K or M (BIG 10M x).

With --client-ca FILE, the TLS handshake requires a client certificate
signed by that CA; when one was presented, the event "## CLIENT-CERT cn"
(its subject's common name) is logged.

Everything the client sends is written to --log, one line per line received
(CR LF stripped, other control bytes as \\xHH); events are lines starting
with "## ".  When the client sends something other than the scenario's "C:"
line, the mismatch is logged (and printed on stderr) and the connection is
closed.  Exit status: 0 when every connection played the whole scenario, 1
otherwise.
"""

import argparse
import os
import re
import signal
import socket
import ssl
import sys
import time


class ScenarioError(Exception):
    pass


class Stop(Exception):
    """The connection ends (client gone, mismatch, CLOSE)."""

    def __init__(self, ok, why):
        super().__init__(why)
        self.ok = ok
        self.why = why


def parse_size(text):
    m = re.fullmatch(r"(\d+)([kKmM]?)", text)
    if not m:
        raise ScenarioError("bad size %r" % text)
    n = int(m.group(1))
    unit = m.group(2).upper()
    if unit == "K":
        n *= 1024
    elif unit == "M":
        n *= 1024 * 1024
    return n


def unescape(text):
    out = bytearray()
    i = 0
    raw = text.encode("utf-8", "surrogateescape")
    while i < len(raw):
        c = raw[i:i + 1]
        if c == b"\\" and i + 1 < len(raw):
            n = raw[i + 1:i + 2]
            if n == b"r":
                out += b"\r"
            elif n == b"n":
                out += b"\n"
            elif n == b"t":
                out += b"\t"
            elif n == b"\\":
                out += b"\\"
            elif n == b"x" and i + 3 < len(raw):
                out.append(int(raw[i + 2:i + 4], 16))
                i += 2
            else:
                out += c + n
            i += 2
            continue
        out += c
        i += 1
    return bytes(out)


def pattern(text):
    """A C: line as a regex: "*" matches anything, all else literally."""
    parts = [re.escape(p) for p in text.split("*")]
    return re.compile(".*".join(parts), re.S)


def group(path, block):
    """The steps of an ANY-ORDER block as (lineno, text, regex, steps)."""
    exchanges = []
    for step in block:
        lineno, kind, arg = step
        if kind == "C":
            exchanges.append((lineno, arg[0], arg[1], []))
        elif not exchanges:
            raise ScenarioError("%s:%d: ANY-ORDER must start with C:" %
                                (path, lineno))
        else:
            exchanges[-1][3].append(step)
    return exchanges


def load(path):
    steps = []
    outer = None
    base = os.path.dirname(os.path.abspath(path))
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line.startswith("S:") or line.startswith("C:"):
                kind = line[0]
                text = line[2:]
                if text.startswith(" "):
                    text = text[1:]
                if kind == "S":
                    steps.append((lineno, "S", text))
                else:
                    steps.append((lineno, "C", (text, pattern(text))))
                continue
            word, _, arg = line.partition(" ")
            if word == "ANY-ORDER":
                if outer is not None:
                    raise ScenarioError("%s:%d: nested ANY-ORDER" %
                                        (path, lineno))
                outer, steps = (steps, lineno), []
            elif word == "END":
                if outer is None:
                    raise ScenarioError("%s:%d: END without ANY-ORDER" %
                                        (path, lineno))
                block = steps
                steps, start = outer
                outer = None
                steps.append((start, "ANY", group(path, block)))
            elif word == "CONNECTION":
                if outer is not None:
                    raise ScenarioError("%s:%d: CONNECTION in ANY-ORDER" %
                                        (path, lineno))
                steps.append((lineno, word, None))
            elif word == "TLS" or word == "CLOSE":
                steps.append((lineno, word, None))
            elif word == "SLEEP":
                steps.append((lineno, word, float(arg)))
            elif word == "RAW":
                steps.append((lineno, word, unescape(arg)))
            elif word == "BIG":
                n, _, ch = arg.partition(" ")
                ch = unescape(ch)
                if len(ch) != 1:
                    raise ScenarioError("%s:%d: BIG wants one character" %
                                        (path, lineno))
                steps.append((lineno, word, (parse_size(n), ch)))
            elif word in ("FILE", "MSG"):
                p = os.path.expandvars(arg.strip())
                if not os.path.isabs(p):
                    p = os.path.join(base, p)
                steps.append((lineno, word, p))
            elif word == "EXPECT-EOF":
                steps.append((lineno, word, float(arg) if arg else 10.0))
            else:
                raise ScenarioError("%s:%d: unknown directive %r" %
                                    (path, lineno, word))
    if outer is not None:
        raise ScenarioError("%s:%d: ANY-ORDER without END" %
                            (path, outer[1]))
    return steps


def shown(raw):
    out = []
    for b in raw:
        if 0x20 <= b < 0x7f or b >= 0x80:
            out.append(chr(b))
        else:
            out.append("\\x%02x" % b)
    return "".join(out)


def as_message(data):
    """A file's bytes as a POP3 multi-line body."""
    if data and not data.endswith(b"\n"):
        data += b"\n"
    out = bytearray()
    for line in data.split(b"\n")[:-1]:
        if line.endswith(b"\r"):
            line = line[:-1]
        if line.startswith(b"."):
            out += b"."
        out += line + b"\r\n"
    out += b".\r\n"
    return bytes(out)


def client_cn(peer):
    """The subject CN of a verified peer certificate (getpeercert())."""
    for rdn in peer.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return value
    return "?"


class Conn:
    def __init__(self, sock, args, log):
        self.sock = sock
        self.args = args
        self.log = log
        self.buf = b""

    def note(self, text):
        self.log.write("## " + text + "\n")
        self.log.flush()

    def send(self, data):
        try:
            self.sock.sendall(data)
        except (OSError, ssl.SSLError) as e:
            raise Stop(False, "send failed: %s" % e)

    def readline(self, timeout):
        """A line without its line end, or None at EOF."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Stop(False, "timeout waiting for the client")
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except (OSError, ssl.SSLError) as e:
                raise Stop(False, "receive failed: %s" % e)
            if not data:
                if self.buf:
                    line, self.buf = self.buf, b""
                    self.received(line)
                    self.note("eof after an unterminated line")
                return None
            self.buf += data
        line, _, self.buf = self.buf.partition(b"\n")
        if line.endswith(b"\r"):
            line = line[:-1]
        self.received(line)
        return line

    def received(self, line):
        self.log.write(shown(line) + "\n")
        self.log.flush()

    def start_tls(self):
        if self.buf:
            self.note("client sent %d bytes before the TLS handshake" %
                      len(self.buf))
            self.buf = b""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.args.cert, self.args.key)
        if self.args.client_ca:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(self.args.client_ca)
        self.sock.settimeout(self.args.timeout)
        try:
            self.sock = ctx.wrap_socket(self.sock, server_side=True)
        except (OSError, ssl.SSLError) as e:
            raise Stop(False, "tls handshake failed: %s" % e)
        self.note("tls started")
        peer = self.sock.getpeercert()
        if peer:
            self.note("CLIENT-CERT %s" % client_cn(peer))

    def play(self, steps):
        self.run(steps)
        raise Stop(True, "end of scenario")

    def run(self, steps):
        for lineno, kind, arg in steps:
            if kind == "S":
                self.send(arg.encode("utf-8", "surrogateescape") + b"\r\n")
            elif kind == "C":
                text, rx = arg
                line = self.readline(self.args.timeout)
                if line is None:
                    raise Stop(False, "line %d: expected %r, got EOF" %
                               (lineno, text))
                got = line.decode("latin-1")
                if not rx.fullmatch(got):
                    raise Stop(False, "mismatch at line %d: expected %r, "
                               "got %r" % (lineno, text, shown(line)))
            elif kind == "TLS":
                self.start_tls()
            elif kind == "SLEEP":
                time.sleep(arg)
            elif kind == "CLOSE":
                raise Stop(True, "closed by the scenario")
            elif kind == "RAW":
                self.send(arg)
            elif kind == "BIG":
                n, ch = arg
                chunk = ch * 65536
                while n > 0:
                    self.send(chunk[:min(n, len(chunk))])
                    n -= min(n, len(chunk))
            elif kind == "FILE":
                with open(arg, "rb") as f:
                    self.send(f.read())
            elif kind == "MSG":
                with open(arg, "rb") as f:
                    self.send(as_message(f.read()))
            elif kind == "EXPECT-EOF":
                try:
                    line = self.readline(arg)
                except Stop:
                    raise Stop(False, "line %d: the client did not close" %
                               lineno)
                if line is not None:
                    raise Stop(False, "line %d: expected EOF, got %r" %
                               (lineno, shown(line)))
                raise Stop(True, "eof as expected")
            elif kind == "ANY":
                left = list(arg)
                while left:
                    line = self.readline(self.args.timeout)
                    if line is None:
                        raise Stop(False, "line %d: expected one of %r, got "
                                   "EOF" % (lineno, [e[1] for e in left]))
                    got = line.decode("latin-1")
                    for i, e in enumerate(left):
                        if e[2].fullmatch(got):
                            del left[i]
                            self.run(e[3])
                            break
                    else:
                        raise Stop(False, "mismatch in the block at line %d: "
                                   "expected one of %r, got %r" %
                                   (lineno, [e[1] for e in left], shown(line)))


def parts(steps):
    """The steps of each connection, split at CONNECTION."""
    out = [[]]
    for step in steps:
        if step[1] == "CONNECTION":
            out.append([])
        else:
            out[-1].append(step)
    return out


def serve(args, steps, log):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", args.port))
    ls.listen(8)
    port = ls.getsockname()[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, args.port_file)
    ok = True
    each = parts(steps)
    for n in range(max(args.connections, len(each))):
        sock, _ = ls.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = Conn(sock, args, log)
        conn.note("connection %d at %.3f" % (n + 1, time.time()))
        try:
            if args.tls_implicit:
                conn.start_tls()
            conn.play(each[min(n, len(each) - 1)])
        except Stop as s:
            conn.note(s.why)
            if not s.ok:
                ok = False
                print("fakepop: %s" % s.why, file=sys.stderr)
        # Log what else arrived before the client noticed, then close.
        try:
            conn.sock.settimeout(0)
            while True:
                data = conn.sock.recv(65536)
                if not data:
                    break
                conn.buf += data
        except (OSError, ssl.SSLError, ValueError):
            pass
        for line in conn.buf.split(b"\n"):
            if line:
                conn.received(line.rstrip(b"\r"))
        try:
            conn.sock.close()
        except OSError:
            pass
    ls.close()
    return ok


def main():
    ap = argparse.ArgumentParser(description="scripted POP3 server")
    ap.add_argument("scenario")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--tls-implicit", action="store_true")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--client-ca", metavar="FILE",
                    help="require a client certificate signed by this CA")
    ap.add_argument("--log", default=os.devnull)
    ap.add_argument("--connections", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=30.0,
                    help="seconds to wait for each client line")
    ap.add_argument("--lifetime", type=int, default=300,
                    help="exit after this many seconds whatever happens")
    args = ap.parse_args()
    # A test run killed before its teardown must not leave servers behind.
    signal.alarm(args.lifetime)
    try:
        steps = load(args.scenario)
    except (OSError, ScenarioError, ValueError) as e:
        print("fakepop: %s" % e, file=sys.stderr)
        return 2
    needs_tls = args.tls_implicit or any(k == "TLS" for _, k, _ in steps)
    if needs_tls and not (args.cert and args.key):
        print("fakepop: TLS needs --cert and --key", file=sys.stderr)
        return 2
    with open(args.log, "a", encoding="utf-8",
              errors="backslashreplace") as log:
        return 0 if serve(args, steps, log) else 1


if __name__ == "__main__":
    sys.exit(main())
