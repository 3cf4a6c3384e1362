#!/usr/bin/env python3
"""A POP3 server that speaks SCRAM-SHA-256 (RFC 5802, RFC 7677), to test
what a client does when the server's proof is wrong or missing.

    scrampop.py --port-file F --log L --user U --password P --mode MODE

MODE is one of
    good        a correct exchange, then an empty mailbox
    badsig      the server signature is wrong; +OK all the same
    nosig       +OK straight after the client's proof, no signature

Every line the client sends is written to --log (as fakepop does).  Exit
status 0 when the client played its part: in good mode it logged in and
quit, in the other modes it cancelled with "*" or hung up before STAT.
"""

import argparse
import base64
import hashlib
import hmac
import os
import socket
import sys


def hmac256(key, msg):
    return hmac.new(key, msg, hashlib.sha256).digest()


class Session:
    def __init__(self, sock, log):
        self.f = sock.makefile("rwb", buffering=0)
        self.log = log

    def send(self, line):
        self.f.write(line.encode() + b"\r\n")

    def recv(self):
        line = self.f.readline()
        if not line:
            return None
        line = line.rstrip(b"\r\n").decode("utf-8", "replace")
        self.log.write(line + "\n")
        self.log.flush()
        return line


def scram(s, args):
    """Runs the exchange after "AUTH SCRAM-SHA-256 ..."; True on +OK."""
    first = base64.b64decode(s.initial).decode()
    if not first.startswith("n,,"):
        s.send("-ERR [AUTH] bad gs2 header")
        return False
    bare = first[3:]
    attrs = dict(a.split("=", 1) for a in bare.split(","))
    cnonce = attrs["r"]
    snonce = cnonce + base64.b64encode(os.urandom(12)).decode()
    salt = os.urandom(16)
    iters = 4096
    sfirst = "r=%s,s=%s,i=%d" % (snonce, base64.b64encode(salt).decode(),
                                 iters)
    s.send("+ " + base64.b64encode(sfirst.encode()).decode())
    line = s.recv()
    if line is None or line == "*":
        s.send("-ERR cancelled")
        return False
    final = base64.b64decode(line).decode()
    without_proof, _, proof64 = final.rpartition(",p=")
    auth = ",".join([bare, sfirst, without_proof]).encode()
    salted = hashlib.pbkdf2_hmac("sha256", args.password.encode(), salt,
                                 iters)
    ckey = hmac256(salted, b"Client Key")
    stored = hashlib.sha256(ckey).digest()
    csig = hmac256(stored, auth)
    want = bytes(a ^ b for a, b in zip(ckey, csig))
    if base64.b64decode(proof64) != want:
        s.send("-ERR [AUTH] wrong proof")
        return False
    ssig = hmac256(hmac256(salted, b"Server Key"), auth)
    if args.mode == "badsig":
        ssig = bytes([ssig[0] ^ 1]) + ssig[1:]
    if args.mode != "nosig":
        s.send("+ " + base64.b64encode(b"v=" + base64.b64encode(ssig))
               .decode())
        line = s.recv()
        if line is None or line == "*":
            s.send("-ERR cancelled")
            return False
        if line != "":
            s.send("-ERR expected an empty response")
            return False
    s.send("+OK logged in")
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--user", default="test")
    ap.add_argument("--password", required=True)
    ap.add_argument("--mode", choices=["good", "badsig", "nosig"],
                    default="good")
    args = ap.parse_args()

    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)
    lsock.settimeout(30)
    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % lsock.getsockname()[1])
    os.rename(args.port_file + ".tmp", args.port_file)

    sock, _ = lsock.accept()
    sock.settimeout(30)
    ok = False
    with open(args.log, "a") as log:
        s = Session(sock, log)
        s.send("+OK scrampop ready")
        authed = False
        while True:
            line = s.recv()
            if line is None:
                ok = args.mode != "good"
                break
            cmd = line.split(" ")
            verb = cmd[0].upper()
            if verb == "CAPA":
                for l in ["+OK", "SASL SCRAM-SHA-256", "UIDL",
                          "RESP-CODES", "AUTH-RESP-CODE", "."]:
                    s.send(l)
            elif verb == "AUTH" and len(cmd) == 3 and \
                    cmd[1].upper() == "SCRAM-SHA-256":
                s.initial = cmd[2]
                authed = scram(s, args)
            elif verb == "STAT" and authed:
                if args.mode != "good":
                    log.write("## the client went on after a bad proof\n")
                    break
                s.send("+OK 0 0")
            elif verb in ("UIDL", "LIST") and authed:
                s.send("+OK")
                s.send(".")
            elif verb == "QUIT":
                s.send("+OK bye")
                ok = authed if args.mode == "good" else True
                break
            else:
                s.send("-ERR unexpected")
    sock.close()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
