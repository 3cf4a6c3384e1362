#!/usr/bin/env python3
"""corpus.py DIR SMALL BIG [KIB]: writes the benchmark corpus into DIR.

SMALL text messages of about 4 KiB and BIG messages of about KIB KiB (a
base64 attachment; 1024 unless given) spread evenly among them, one per file, LF line ends, as Dovecot stores them.
The content is the same on every run (fixed seed).  Prints the number of
messages and their total size in bytes.
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


def small(rnd, i):
    return header(i, "small message %d" % i) + text(rnd, rnd.randint(3400, 3900))


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
    if len(sys.argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        return 64
    dest, nsmall, nbig = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    kib = int(sys.argv[4]) if len(sys.argv) == 5 else 1024
    os.makedirs(dest, exist_ok=True)
    rnd = random.Random(4096)
    total = 0
    count = 0
    n = nsmall + nbig
    bigs = {(2 * k + 1) * n // (2 * nbig) for k in range(nbig)}  # spread out
    for i in range(n):
        data = (big(rnd, i, kib) if i in bigs else small(rnd, i)).encode()
        with open(os.path.join(dest, "m%06d.eml" % i), "wb") as f:
            f.write(data)
        total += len(data)
        count += 1
    print(count, total)
    return 0


if __name__ == "__main__":
    sys.exit(main())
