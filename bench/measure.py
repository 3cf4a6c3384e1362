#!/usr/bin/env python3
"""measure.py OUT COMMAND...: runs COMMAND and writes to OUT one line

    STATUS SECONDS MAXRSS_KIB EXACT

the exit status (128+N when killed by signal N), the wall time, and the peak
resident size of the largest process of the command's tree that was waited
for (the command itself or a child of it, such as an MDA).  The command's
output goes where this script's goes.  Exits with the command's status.

The peak RSS comes from GNU time (/usr/bin/time) when it is installed, and
EXACT is 1.  Without it, from getrusage(RUSAGE_CHILDREN) here, and EXACT is
0: a process forked from Python inherits the high-water mark of Python's
memory (about 10 MiB) at exec, so the figure is then only an upper bound.
"""

import os
import resource
import subprocess
import sys
import tempfile
import time

GNU_TIME = "/usr/bin/time"


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 64
    out, cmd = sys.argv[1], sys.argv[2:]
    exact = os.access(GNU_TIME, os.X_OK)
    rssfile = None
    if exact:
        fd, rssfile = tempfile.mkstemp(prefix="measure.")
        os.close(fd)
        cmd = [GNU_TIME, "-q", "-f", "%M", "-o", rssfile] + cmd
    start = time.monotonic()
    try:
        rc = subprocess.run(cmd).returncode
    except OSError as e:
        print("measure.py: %s: %s" % (cmd[0], e), file=sys.stderr)
        rc = 127
    seconds = time.monotonic() - start
    if rc < 0:
        rc = 128 - rc
    rss = 0
    if exact:
        try:
            with open(rssfile) as f:
                lines = [l for l in f.read().split("\n") if l.strip()]
            rss = int(lines[-1]) if lines else 0
        except (OSError, ValueError):
            rss = 0
        os.unlink(rssfile)
    else:
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with open(out, "w") as f:
        f.write("%d %.6f %d %d\n" % (rc, seconds, rss, exact))
    return rc


if __name__ == "__main__":
    sys.exit(main())
