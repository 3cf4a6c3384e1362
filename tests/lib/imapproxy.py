#!/usr/bin/env python3
"""A scripted IMAP fault in front of a real IMAP server (Dovecot).

    imapproxy.py --port-file F --to PORT --log LOG [--fault KIND --on N]...

Listens on 127.0.0.1 (a free port, written to --port-file) and passes each
connection through to 127.0.0.1:PORT, plain, logging "## APPEND n" for the
n-th APPEND it sees (counted over every connection) and "## CLOSE" when a
connection ends.  On the APPENDs --on names (1 = the first; default all):

  no      the APPEND and its literal go no further; the client gets
          "TAG NO [SERVERBUG] refused for the test"
  drop    the APPEND and its literal reach the server, which stores the
          message; the connection is then closed before its answer
          reaches the client (a link lost in the window)
  hold    the same, but the connection stays open and the answer never
          comes; "## HELD n" is logged once the literal is at the server

--no-literal-plus takes LITERAL+ and LITERAL- out of the server's
capabilities, so that each literal waits for the server's "+"; --no-auth
takes the AUTH= mechanisms out, leaving only the LOGIN command.
"""

import argparse
import os
import re
import socket
import sys
import threading

APPEND = re.compile(rb"^(\S+) APPEND .*\{(\d+)(\+?)\}\r?\n$", re.I)


class Counter:
    def __init__(self):
        self.n = 0
        self.lock = threading.Lock()

    def next(self):
        with self.lock:
            self.n += 1
            return self.n


def fault_for(args, n):
    for kind, on in args.faults:
        if on is None or n in on:
            return kind
    return None


def log(args, line):
    with open(args.log, "a") as f:
        f.write(line + "\n")


def serve(args, count, client):
    server = socket.create_connection(("127.0.0.1", args.to))
    cr = client.makefile("rb")
    sr = server.makefile("rb")
    drop = {"tag": None, "hold": False}

    def down():
        # Server to client, line by line; a dropped tag ends it all.
        try:
            while True:
                line = sr.readline()
                if not line:
                    break
                tag = drop["tag"]
                if tag is not None and line.startswith(tag + b" "):
                    if drop["hold"]:
                        continue
                    break
                if args.no_literal_plus:
                    line = re.sub(rb" LITERAL[+-]", b"", line)
                if args.no_auth:
                    line = re.sub(rb" AUTH=[^ \]\r\n]*", b"", line)
                client.sendall(line)
        except OSError:
            pass
        for s in (client, server):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    t = threading.Thread(target=down, daemon=True)
    t.start()
    try:
        while True:
            line = cr.readline(65536)
            if not line:
                break
            m = APPEND.match(line)
            if not m:
                server.sendall(line)
                continue
            n = count.next()
            log(args, "## APPEND %d" % n)
            tag, size, plus = m.group(1), int(m.group(2)), m.group(3)
            kind = fault_for(args, n)
            if kind == "no":
                if not plus:
                    client.sendall(b"+ go ahead\r\n")
                cr.read(size)
                cr.readline()
                client.sendall(tag + b" NO [SERVERBUG] refused for the "
                               b"test\r\n")
                continue
            if kind in ("drop", "hold"):
                drop["tag"] = tag
                drop["hold"] = kind == "hold"
            # Without LITERAL+, the server's "+" goes down by the other
            # thread before the client sends the literal.
            server.sendall(line)
            left = size
            while left > 0:
                chunk = cr.read(min(left, 65536))
                if not chunk:
                    break
                server.sendall(chunk)
                left -= len(chunk)
            if kind == "hold":
                server.sendall(cr.readline())
                log(args, "## HELD %d" % n)
    except OSError:
        pass
    t.join(5)
    log(args, "## CLOSE")
    for s in (client, server):
        try:
            s.close()
        except OSError:
            pass


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--to", type=int, required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--fault", action="append", default=[])
    p.add_argument("--on", action="append", default=[])
    p.add_argument("--no-literal-plus", action="store_true")
    p.add_argument("--no-auth", action="store_true")
    args = p.parse_args()
    args.faults = []
    for i, kind in enumerate(args.fault):
        on = None
        if i < len(args.on):
            on = {int(x) for x in args.on[i].split(",")}
        args.faults.append((kind, on))
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(8)
    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(args.port_file + ".tmp", args.port_file)
    count = Counter()
    while True:
        c, _ = ls.accept()
        threading.Thread(target=serve, args=(args, count, c),
                         daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
