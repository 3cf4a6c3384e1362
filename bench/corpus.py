#!/usr/bin/env python3
"""corpus.py [--maildir] [--first N] DIR SMALL BIG [KIB [BYTES]]: writes
the benchmark corpus into DIR.

SMALL text messages of about 4 KiB (or of about BYTES bytes) and BIG
messages of about KIB KiB (a base64 attachment; 1024 unless given) spread
evenly among them, one per file, LF line ends, as Dovecot stores them.
The content is the same on every run (fixed seed).  With --maildir, DIR is
a Maildir's new/ and the files get Maildir names, numbered from N (default
0) so that a later call can add more.  Prints the number of messages and
their total size in bytes.
"""

import base64
import os
import random
import sys

WORDS = ("the of and to in is that it for on with as was at by be this "
         "from are or an have not which but all were when we there can "
         "more if will one about been has would their out so what up "
         "mail message server client fetch deliver maildir pop3 retr uidl "
         "list stat dele quit pipeline stream window latency").split()


def header(i, subject, extra=""):
    return ("Return-Path: <sender%d@example.org>\n"
            "From: Sender %d <sender%d@example.org>\n"
            "To: Bench <bench@example.org>\n"
            "Subject: %s\n"
            "Date: Mon, 03 Mar 2025 10:%02d:%02d +0000\n"
            "Message-ID: <bench-%d@example.org>\n%s\n" %
            (i % 97, i % 97, i % 97, subject, (i // 60) % 60, i % 60, i,
             extra))


def text(rnd, size):
    lines = []
    n = 0
    while n < size:
        words = []
        width = 0
        while width < rnd.randint(50, 72):
            w = rnd.choice(WORDS)
            words.append(w)
            width += len(w) + 1
        line = " ".join(words)
        if rnd.random() < 0.03:
            line = "." + line  # dot-stuffed on the wire
        lines.append(line)
        n += len(line) + 1
    return "\n".join(lines) + "\n"


def small(rnd, i, nbytes=None):
    if nbytes is None:
        size = rnd.randint(3400, 3900)
    else:
        # the header is about 250 bytes; the text makes up the rest
        size = max(rnd.randint(nbytes * 19 // 20, nbytes * 21 // 20) - 250, 1)
    return header(i, "small message %d" % i) + text(rnd, size)


def big(rnd, i, kib):
    # base64 grows the bytes by 4/3 and a line end per 76 characters
    b64 = base64.encodebytes(rnd.randbytes(kib * 760)).decode()
    return header(i, "big message %d" % i,
                  "MIME-Version: 1.0\n"
                  "Content-Type: multipart/mixed; boundary=\"b%d\"\n" % i) + (
        "--b%d\nContent-Type: text/plain\n\n%s\n"
        "--b%d\nContent-Type: application/octet-stream\n"
        "Content-Transfer-Encoding: base64\n\n%s--b%d--\n" %
        (i, text(rnd, 2000), i, b64, i))


def main():
    args = sys.argv[1:]
    maildir, first = False, 0
    while args and args[0].startswith("--"):
        if args[0] == "--maildir":
            maildir = True
            args = args[1:]
        elif args[0] == "--first" and len(args) > 1:
            first = int(args[1])
            args = args[2:]
        else:
            break
    if len(args) not in (3, 4, 5):
        print(__doc__, file=sys.stderr)
        return 64
    dest, nsmall, nbig = args[0], int(args[1]), int(args[2])
    kib = int(args[3]) if len(args) >= 4 else 1024
    nbytes = int(args[4]) if len(args) == 5 else None
    os.makedirs(dest, exist_ok=True)
    rnd = random.Random(4096 + first)
    total = 0
    count = 0
    n = nsmall + nbig
    bigs = {(2 * k + 1) * n // (2 * nbig) for k in range(nbig)}  # spread out
    for i in range(n):
        data = (big(rnd, first + i, kib) if i in bigs else
                small(rnd, first + i, nbytes)).encode()
        name = ("17000%05d.M%dP1.bench" % ((first + i) // 1000, first + i)
                if maildir else "m%06d.eml" % i)
        with open(os.path.join(dest, name), "wb") as f:
            f.write(data)
        total += len(data)
        count += 1
    print(count, total)
    return 0


if __name__ == "__main__":
    sys.exit(main())
