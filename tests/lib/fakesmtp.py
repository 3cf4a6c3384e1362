#!/usr/bin/env python3
"""A scripted SMTP/LMTP server for the delivery tests.

    fakesmtp.py --port-file F --maildir DIR --log LOG [options]

Listens on 127.0.0.1 (a free port, written to --port-file), takes messages
and writes each one it accepts into DIR/new as a file, dot-unstuffed with
LF line ends, as a Maildir server would.  Everything the client sends is
logged to --log (the message bodies as "## DATA n bytes", each message
stored as "## STORED n NAME", n its MAIL's number; "## CLOSE" when a
connection ends).

  --lmtp                 speak LMTP (LHLO, one reply per recipient)
  --no-pipelining        do not offer PIPELINING
  --size N               offer SIZE N
  --fault KIND           misbehave (see below), on the messages --on names
  --on N[,N...]          which messages (1 = the first MAIL of the run,
                         counted over every connection); default: all.
                         --fault and --on may be given again, in pairs:
                         "--fault drop354 --on 1 --fault dropend --on 2"
  --plan FILE            besides them, each MAIL draws a fault from FILE,
                         read anew at every MAIL: a line "seed S", then
                         lines "KIND PROBABILITY"; the draw depends only on
                         S and the MAIL's number
  --split                send each reply a byte at a time, with pauses
  --tls-cert F --tls-key F  offer STARTTLS with this certificate
  --tls-client-ca F      ask for a client certificate from that CA during the
                         handshake; one presented is logged "## CLIENT-CERT"
  --auth "MECH..."       offer AUTH with these mechanisms (PLAIN, LOGIN,
                         CRAM-MD5, SCRAM-SHA-256, XOAUTH2) and require a login
                         before MAIL; --auth-tls: offer it only after STARTTLS
  --user U --password P  the one login it takes (XOAUTH2: P is the token)

Faults: greet421, greet554, mail451, mail550, rcpt450, rcpt550, data451,
data554 (the reply to DATA), end451, end554 (the reply after the final
dot), drop354 (close the connection instead of answering DATA),
dropdata (close the connection in the middle of the message),
dropend (take the message, then close the connection without a reply, as a
server or link that fails between its commit and its 250), hangend (take
it, then never answer, until the client hangs up), endbad (take it, then
answer with a line that is no reply), endslow (take it, wait half a
second, then reply),
bigline (a 1 MiB line as the reply to EHLO/LHLO), auth454, auth535,
auth538 (the answer to AUTH whatever was sent), authloop (challenges that
never end), authbad (a challenge that is not base64), scrambadsig (a wrong
server signature).  A login is logged as "## AUTH OK MECH" or "## AUTH FAIL".
"""

import argparse
import base64
import hashlib
import hmac
import os
import random
import socket
import ssl
import sys
import threading
import time

counter = {"mail": 0, "saved": 0}
lock = threading.Lock()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--maildir", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--lmtp", action="store_true")
    ap.add_argument("--no-pipelining", action="store_true")
    ap.add_argument("--size", type=int, default=0)
    ap.add_argument("--fault", action="append", default=[])
    ap.add_argument("--on", action="append", default=[])
    ap.add_argument("--plan", default="")
    ap.add_argument("--split", action="store_true")
    ap.add_argument("--tls-cert", default="")
    ap.add_argument("--tls-client-ca", default="")
    ap.add_argument("--tls-key", default="")
    ap.add_argument("--auth", default="")
    ap.add_argument("--auth-tls", action="store_true")
    ap.add_argument("--user", default="")
    ap.add_argument("--password", default="")
    args = ap.parse_args()
    args.faults = [(kind, set(int(x) for x in on.split(",") if x))
                   for kind, on in zip(args.fault, args.on + [""] *
                                       len(args.fault))]
    # The faults of the whole session (the greeting, AUTH) take the first.
    args.fault = args.fault[0] if args.fault else ""
    args.drawn = {}
    for d in ("new", "cur", "tmp"):
        os.makedirs(os.path.join(args.maildir, d), exist_ok=True)
    log = open(args.log, "a", buffering=1)

    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    os.rename(tmp, args.port_file)
    while True:
        c, _ = srv.accept()
        threading.Thread(target=serve, args=(c, args, log),
                         daemon=True).start()


def planned(path, n):
    """The fault --plan draws for the nth MAIL, or ""."""
    seed, odds = "", []
    try:
        with open(path) as f:
            for line in f:
                words = line.split()
                if len(words) == 2 and words[0] == "seed":
                    seed = words[1]
                elif len(words) == 2:
                    odds.append((words[0], float(words[1])))
    except OSError:
        return ""
    r = random.Random("%s-%d" % (seed, n)).random()
    for kind, p in odds:
        if r < p:
            return kind
        r -= p
    return ""


def faulty(args, kind, n):
    if args.plan and n:
        with lock:
            if n not in args.drawn:
                args.drawn[n] = planned(args.plan, n)
        if args.drawn[n] == kind:
            return True
    return any(k == kind and (not on or n in on) for k, on in args.faults)


def b64(data):
    return base64.b64encode(data).decode()


def unb64(text):
    return base64.b64decode(text.encode(), validate=True)


def auth_check(args, mech, first, ask, log):
    """Runs one AUTH exchange; ask(challenge bytes) returns the answer
    line.  True when the login is good."""
    def answer(challenge):
        line = ask(challenge)
        if line == "*":
            raise ValueError("cancelled")
        return unb64(line) if line else b""

    if args.fault == "authbad":
        ask(None)
        return False
    if args.fault == "authloop":
        while True:
            answer(b"again")
    if mech == "PLAIN":
        resp = unb64(first) if first is not None else answer(b"")
        parts = resp.split(b"\0")
        return (len(parts) == 3 and parts[1].decode() == args.user and
                parts[2].decode() == args.password)
    if mech == "LOGIN":
        user = answer(b"Username:")
        password = answer(b"Password:")
        return (user.decode() == args.user and
                password.decode() == args.password)
    if mech == "CRAM-MD5":
        chal = b"<%d.%d@fake>" % (os.getpid(), int(time.time()))
        resp = answer(chal).decode()
        user, _, digest = resp.rpartition(" ")
        want = hmac.new(args.password.encode(), chal, "md5").hexdigest()
        return user == args.user and hmac.compare_digest(digest, want)
    if mech == "XOAUTH2":
        resp = unb64(first) if first is not None else answer(b"")
        want = "user=%s\x01auth=Bearer %s\x01\x01" % (args.user,
                                                       args.password)
        if resp.decode() == want:
            return True
        answer(b'{"status":"401","schemes":"bearer"}')
        return False
    if mech == "SCRAM-SHA-256":
        cfirst = (unb64(first) if first is not None else answer(b"")).decode()
        bare = cfirst.split(",", 2)[2]
        attrs = dict(a.split("=", 1) for a in bare.split(","))
        salt = b"fakesalt"
        nonce = attrs["r"] + "fakenonce"
        sfirst = "r=%s,s=%s,i=4096" % (nonce, b64(salt))
        cfinal = answer(sfirst.encode()).decode()
        without, _, proof = cfinal.rpartition(",p=")
        salted = hashlib.pbkdf2_hmac("sha256", args.password.encode(),
                                     salt, 4096)
        ckey = hmac.new(salted, b"Client Key", "sha256").digest()
        stored = hashlib.sha256(ckey).digest()
        msg = ",".join([bare, sfirst, without]).encode()
        csig = hmac.new(stored, msg, "sha256").digest()
        good = (attrs.get("n") == args.user and
                bytes(a ^ b for a, b in zip(ckey, csig)) == unb64(proof))
        if not good:
            return False
        skey = hmac.new(salted, b"Server Key", "sha256").digest()
        ssig = hmac.new(skey, msg, "sha256").digest()
        if args.fault == "scrambadsig":
            ssig = bytes(x ^ 1 for x in ssig)
        answer(("v=" + b64(ssig)).encode())
        return True
    return False


def save(args, body, log, mail):
    """Writes a message taken into the Maildir; returns its number."""
    with lock:
        counter["saved"] += 1
        n = counter["saved"]
    name = "%d.fake%d-%d" % (time.time(), os.getpid(), n)
    path = os.path.join(args.maildir, "tmp", name)
    with open(path, "wb") as out:
        out.write(b"".join(body))
    os.rename(path, os.path.join(args.maildir, "new", name))
    log.write("## STORED %d %s\n" % (mail, name))
    return n


def serve(c, args, log):
    f = c.makefile("rb")
    tls = False
    log.write("## CONNECT\n")

    def send(line):
        data = (line + "\r\n").encode()
        if args.split:
            for i in range(len(data)):
                c.sendall(data[i:i + 1])
                if i % 3 == 0:
                    time.sleep(0.002)
        else:
            c.sendall(data)

    def readline():
        line = f.readline(1 << 20)
        if not line:
            raise EOFError
        line = line.rstrip(b"\r\n").decode("utf-8", "replace")
        log.write(line + "\n")
        return line

    try:
        if args.fault == "greet421":
            send("421 4.3.2 fake shutting down")
            return
        if args.fault == "greet554":
            send("554 5.3.2 fake refuses you")
            return
        send("220 fake ESMTP ready")
        n = 0
        mail = rcpt = False     # the transaction so far, as a server keeps it
        authed = not args.auth
        while True:
            line = readline()
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "LHLO"):
                if args.fault == "bigline":
                    send("250-" + "x" * (1 << 20))
                ext = ["fake"]
                if not args.no_pipelining:
                    ext.append("PIPELINING")
                if args.size:
                    ext.append("SIZE %d" % args.size)
                ext += ["8BITMIME", "ENHANCEDSTATUSCODES"]
                if args.tls_cert and not tls:
                    ext.append("STARTTLS")
                if args.auth and (tls or not args.auth_tls):
                    ext.append("AUTH " + args.auth)
                for i, e in enumerate(ext):
                    send("250%s%s" % ("-" if i + 1 < len(ext) else " ", e))
            elif verb == "STARTTLS" and args.tls_cert and not tls:
                send("220 2.0.0 go ahead")
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                ctx.load_cert_chain(args.tls_cert, args.tls_key)
                if args.tls_client_ca:
                    ctx.load_verify_locations(args.tls_client_ca)
                    ctx.verify_mode = ssl.CERT_OPTIONAL
                try:
                    c = ctx.wrap_socket(c, server_side=True)
                except (ssl.SSLError, OSError) as e:
                    log.write("## TLS FAILED %s\n" % e)
                    return
                f = c.makefile("rb")
                tls = True
                mail = rcpt = False
                log.write("## TLS\n")
                if c.getpeercert():
                    log.write("## CLIENT-CERT\n")
            elif verb == "HELO":
                send("250 fake")
            elif verb == "AUTH" and args.auth and not authed:
                words = line.split(" ")
                mech = words[1].upper() if len(words) > 1 else ""
                first = None
                if len(words) > 2:
                    first = "" if words[2] == "=" else words[2]
                if args.fault in ("auth454", "auth535", "auth538"):
                    send({"auth454": "454 4.7.0 fake: try later",
                          "auth535": "535 5.7.8 fake: bad \x01credentials",
                          "auth538": "538 5.7.11 fake: encryption first"}
                         [args.fault])
                    continue
                if mech not in args.auth.split():
                    send("504 5.5.4 fake: no such mechanism")
                    continue

                def ask(challenge):
                    if challenge is None:
                        send("334 !!not base64!!")
                    else:
                        send("334 " + b64(challenge))
                    return readline()
                try:
                    ok = auth_check(args, mech, first, ask, log)
                except (ValueError, IndexError, KeyError,
                        UnicodeDecodeError) as e:
                    log.write("## AUTH CANCELLED %s\n" % e)
                    send("501 5.7.0 fake: cancelled")
                    continue
                if ok:
                    authed = True
                    log.write("## AUTH OK %s\n" % mech)
                    send("235 2.7.0 fake: welcome")
                else:
                    log.write("## AUTH FAIL\n")
                    send("535 5.7.8 fake: bad credentials")
            elif line.upper().startswith("MAIL FROM:") and not authed:
                send("530 5.7.0 fake: authentication required")
            elif line.upper().startswith("MAIL FROM:"):
                with lock:
                    counter["mail"] += 1
                    n = counter["mail"]
                log.write("## MAIL %d\n" % n)
                mail = rcpt = False
                if faulty(args, "mail451", n):
                    send("451 4.3.0 fake: try later")
                elif faulty(args, "mail550", n):
                    send("550 5.7.1 fake: sender \x01rejected")
                else:
                    mail = True
                    send("250 2.1.0 ok")
            elif line.upper().startswith("RCPT TO:"):
                if not mail:
                    send("503 5.5.1 fake: MAIL first")
                elif faulty(args, "rcpt450", n):
                    send("450 4.2.1 fake: mailbox busy")
                elif faulty(args, "rcpt550", n):
                    send("550 5.1.1 fake: no such user")
                else:
                    rcpt = True
                    send("250 2.1.5 ok")
            elif verb == "DATA":
                if not rcpt:
                    send("554 5.5.1 fake: no valid recipients")
                    continue
                mail = rcpt = False
                if faulty(args, "drop354", n):
                    log.write("## DROP\n")
                    return
                if faulty(args, "data451", n):
                    send("451 4.3.0 fake: no DATA now")
                    continue
                if faulty(args, "data554", n):
                    send("554 5.5.1 fake: no valid recipients")
                    continue
                send("354 go ahead")
                body = []
                size = 0
                while True:
                    raw = f.readline(1 << 20)
                    if not raw:
                        raise EOFError
                    if raw == b".\r\n":
                        break
                    if not raw.endswith(b"\r\n"):
                        log.write("## BARE LINE END\n")
                    if raw.startswith(b"."):
                        raw = raw[1:]
                    body.append(raw[:-2] + b"\n" if raw.endswith(b"\r\n")
                                else raw)
                    size += len(raw)
                    if faulty(args, "dropdata", n) and len(body) >= 2:
                        log.write("## DROP\n")
                        return
                log.write("## DATA %d bytes\n" % size)
                if faulty(args, "endbad", n):
                    save(args, body, log, n)
                    send("hello, this is no reply")
                    continue
                if faulty(args, "dropend", n) or faulty(args, "hangend", n):
                    save(args, body, log, n)
                    log.write("## DROP AFTER STORED %d\n" % n)
                    if faulty(args, "hangend", n):
                        log.write("## HANG\n")
                        while f.read(4096):
                            pass
                    log.write("## DROP\n")
                    return
                if faulty(args, "end451", n):
                    send("451 4.3.0 fake: disk full, later")
                    continue
                if faulty(args, "end554", n):
                    send("554 5.6.0 fake: message refused")
                    continue
                saved = save(args, body, log, n)
                if faulty(args, "endslow", n):
                    time.sleep(0.5)
                send("250 2.0.0 queued as fake%d" % saved)
            elif verb == "RSET":
                mail = rcpt = False
                send("250 2.0.0 reset")
            elif verb == "NOOP":
                send("250 2.0.0 ok")
            elif verb == "QUIT":
                send("221 2.0.0 bye")
                return
            else:
                send("500 5.5.2 what?")
    except (EOFError, ConnectionError, BrokenPipeError):
        log.write("## EOF\n")
    finally:
        try:
            c.close()
        except OSError:
            pass
        log.write("## CLOSE\n")


if __name__ == "__main__":
    sys.exit(main())
