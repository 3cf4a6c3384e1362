#!/usr/bin/env python3
"""A TLS POP3 server that never finishes its greeting.

    trickletls.py --cert FILE --key FILE --port-file FILE [--delay SECS]

It takes one connection, does the TLS handshake at full speed, then sends a
greeting of one big TLS record one byte every --delay seconds (default
0.25), until the client goes: the record is never whole within a test, so
a client that waits for it inside its TLS library waits for as long as the
server likes.  The handshake runs over memory buffers (ssl.MemoryBIO), the
only way Python gives the bytes of a record to send them one at a time.
"""

import argparse
import os
import signal
import socket
import ssl
import sys
import time


def handshake(sock, tls, inc, out):
    while True:
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            if out.pending:
                sock.sendall(out.read())
            data = sock.recv(65536)
            if not data:
                return False
            inc.write(data)
    if out.pending:
        sock.sendall(out.read())
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--delay", type=float, default=0.25)
    ap.add_argument("--lifetime", type=int, default=120)
    args = ap.parse_args()
    signal.alarm(args.lifetime)

    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(tmp, args.port_file)

    sock, _ = ls.accept()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(inc, out, server_side=True)
    if not handshake(sock, tls, inc, out):
        return 1
    # 4 KB in one record: some 1,000 s at 4 bytes a second.
    tls.write(b"+OK " + b"x" * 4000 + b"\r\n")
    record = out.read()
    try:
        for i in range(len(record)):
            sock.sendall(record[i:i + 1])
            time.sleep(args.delay)
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
