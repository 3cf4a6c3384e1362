#!/usr/bin/env python3
"""The model's filter: filter.py [CODES].

Reads a message's headers on stdin and exits as its X-Model-Verdict header
says: fetch, drop (delete unread), skip (leave it on the server), crash (a
filter that fails).  CODES maps each verdict to an exit status, default
"fetch=0,drop=99,skip=98,crash=1"; crash=kill dies of SIGKILL instead.
"""

import os
import re
import signal
import sys


def main():
    codes = {"fetch": "0", "drop": "99", "skip": "98", "crash": "1"}
    if len(sys.argv) > 1:
        codes.update(w.split("=", 1) for w in sys.argv[1].split(","))
    head = sys.stdin.buffer.read()
    m = re.search(rb"^X-Model-Verdict: (\w+)", head, re.M)
    verdict = m.group(1).decode() if m else "fetch"
    code = codes.get(verdict, "0")
    if code == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
