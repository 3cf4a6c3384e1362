#!/usr/bin/env python3
"""maxrss.py FILE COMMAND...: runs COMMAND, writes its peak resident size
(KiB, the largest of its process tree) to FILE, exits with its status."""

import resource
import subprocess
import sys


def main():
    out, cmd = sys.argv[1], sys.argv[2:]
    rc = subprocess.run(cmd).returncode
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with open(out, "w") as f:
        f.write("%d\n" % rss)
    return rc if rc >= 0 else 128 - rc


if __name__ == "__main__":
    sys.exit(main())
