#!/usr/bin/env python3
"""The model's MDA: mda.py MAILDIR LOG PLAN.

Delivers the message on stdin into MAILDIR (tmp/, then new/), or fails as
PLAN (JSON: seed, p75, p1, pkill, pslow) draws for this message in this run
($MODEL_RUN): exit 75, exit 1, killed by SIGKILL before delivering, or a
slow delivery (a kill of popfetch may land while it runs).  Each step is a
line of LOG, so the driver knows which deliveries a killed run left to
their MDA.
"""

import json
import os
import random
import re
import signal
import sys
import time


def log(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.write(fd, (text + "\n").encode())
    os.close(fd)


def main():
    maildir, logpath, planpath = sys.argv[1:4]
    data = sys.stdin.buffer.read()
    m = re.search(rb"^X-Model-Id: (\S+)", data, re.M)
    mid = m.group(1).decode() if m else "?"
    run = os.environ.get("MODEL_RUN", "?")
    try:
        with open(planpath) as f:
            plan = json.load(f)
    except (OSError, ValueError):
        plan = {}
    rng = random.Random("%s-%s-%s" % (plan.get("seed", 0), run, mid))
    log(logpath, "start %s %s %d" % (run, mid, os.getpid()))
    r = rng.random()
    for what, code in (("p75", 75), ("p1", 1)):
        if r < plan.get(what, 0):
            log(logpath, "exit %s %s %d" % (run, mid, code))
            return code
        r -= plan.get(what, 0)
    if r < plan.get("pkill", 0):
        log(logpath, "killed %s %s" % (run, mid))
        os.kill(os.getpid(), signal.SIGKILL)
    if rng.random() < plan.get("pslow", 0):
        time.sleep(0.3)
    name = "%d.%d_%s.model" % (time.time(), os.getpid(), mid)
    tmp = os.path.join(maildir, "tmp", name)
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, os.path.join(maildir, "new", name))
    log(logpath, "delivered %s %s %s" % (run, mid, name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
