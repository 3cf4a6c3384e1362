#!/usr/bin/env python3
"""Writes test messages that break naive POP3 clients, one per file.

    corpus.py DIR [big]      the corpus (with "big": also a 20 MB message)
    corpus.py --many N DIR   N small distinct messages

Every message uses LF line ends and ends with a newline, as Dovecot stores
it, so that a correct client delivers it back byte for byte.
"""

import base64
import os
import random
import sys


def header(subject, extra=""):
    return ("From: Sender <sender@example.org>\n"
            "To: Test <test@example.org>\n"
            "Subject: %s\n"
            "Date: Mon, 03 Mar 2025 10:00:00 +0000\n"
            "Message-ID: <%s@example.org>\n%s\n" %
            (subject, subject.replace(" ", "-"), extra))


def corpus(big):
    msgs = {}
    msgs["plain.eml"] = header("plain") + "Hello.\nA plain message.\n"
    msgs["dots.eml"] = header("dots") + (
        ".leading dot\n"
        "..two leading dots\n"
        ".\n"
        "..\n"
        ". space after dot\n"
        "text\n"
        "...\n"
        ".\n")
    msgs["from.eml"] = header("from lines") + (
        "From the start of a line\n"
        ">From already quoted\n"
        "From sender@example.org Mon Mar  3 10:00:00 2025\n"
        " From with a space\n"
        "From\n")
    msgs["8bit.eml"] = (header(
        "8bit", "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: 8bit\n") +
        "Grüße aus Köln, naïve café, Ελληνικά, 日本語, emoji 😀\n"
        "tab\tseparated\tfields   \n"
        "trailing spaces   \n").encode("utf-8") + \
        bytes(range(0x80, 0x100)) + b"\n"
    long_line = "".join(chr(ord("a") + i % 26) for i in range(998))
    msgs["long.eml"] = header("998-byte lines") + (
        long_line + "\n" + "." + long_line[1:] + "\n" + long_line + "\n")
    msgs["empty-body.eml"] = header("empty body")
    msgs["blank-lines.eml"] = header("blank lines") + "\n\n\nend\n\n"
    if big:
        rnd = random.Random(20)
        raw = rnd.randbytes(15 * 1024 * 1024)
        b64 = base64.encodebytes(raw).decode()  # 76-char lines
        msgs["big.eml"] = header(
            "20 MB", "MIME-Version: 1.0\n"
            "Content-Type: application/octet-stream\n"
            "Content-Transfer-Encoding: base64\n") + b64
    return msgs


def many(n):
    msgs = {}
    for i in range(n):
        body = "".join("message %d line %d%s\n" %
                       (i, j, "." if j % 7 == 0 else "")
                       for j in range(i % 13 + 1))
        if i % 10 == 0:
            body = "." + body
        msgs["m%05d.eml" % i] = header("message %d" % i) + body
    return msgs


def write(dest, msgs):
    os.makedirs(dest, exist_ok=True)
    for name, data in msgs.items():
        if isinstance(data, str):
            data = data.encode("utf-8")
        assert data.endswith(b"\n") and b"\r" not in data, name
        with open(os.path.join(dest, name), "wb") as f:
            f.write(data)


def main():
    args = sys.argv[1:]
    if len(args) == 3 and args[0] == "--many":
        write(args[2], many(int(args[1])))
    elif len(args) in (1, 2):
        write(args[0], corpus(len(args) == 2 and args[1] == "big"))
    else:
        print(__doc__, file=sys.stderr)
        return 64
    return 0


if __name__ == "__main__":
    sys.exit(main())
