#!/usr/bin/env python3
"""synccost.py DIR N BYTES: what making files durable costs on DIR's disk.

Writes N files of BYTES bytes into DIR twice and prints one line of JSON:

    fsync_ms     median time of one fsync() of a freshly written file
                 (the way a client that syncs each message pays), over
                 at most 300 files; fsync_all_s that times N
    syncfs_s     one syncfs() after writing all N files, then a rename
                 of each and an fsync of the directory (the way popfetch
                 makes a Maildir batch durable)
    write_s      writing the N files without any sync (what the disk
                 costs when nothing is made durable)

Removes what it wrote.
"""

import ctypes
import json
import os
import statistics
import sys
import time


def write_all(d, n, data, sync_each):
    costs = []
    for i in range(n):
        fd = os.open(os.path.join(d, "f%d" % i),
                     os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, data)
        if sync_each:
            t = time.monotonic()
            os.fsync(fd)
            costs.append(time.monotonic() - t)
        os.close(fd)
    return costs


def syncfs(fd):
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.syncfs(fd) != 0:
        raise OSError(ctypes.get_errno(), "syncfs")


def clear(d):
    for name in os.listdir(d):
        os.unlink(os.path.join(d, name))


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 64
    d, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    d = os.path.join(d, "synccost")
    os.makedirs(d, exist_ok=True)
    data = b"x" * size
    try:
        costs = write_all(d, min(n, 300), data, True)
        clear(d)
        os.sync()
        t = time.monotonic()
        write_all(d, n, data, False)
        write_s = time.monotonic() - t
        fd = os.open(d, os.O_RDONLY)
        try:
            t = time.monotonic()
            syncfs(fd)
            for i in range(n):
                os.rename(os.path.join(d, "f%d" % i),
                          os.path.join(d, "g%d" % i))
            os.fsync(fd)
            syncfs_s = time.monotonic() - t
        finally:
            os.close(fd)
    finally:
        clear(d)
        os.rmdir(d)
    print(json.dumps({"files": n, "bytes": size,
                      "fsync_ms": round(statistics.median(costs) * 1000, 3),
                      "fsync_all_s": round(statistics.median(costs) * n, 3),
                      "syncfs_s": round(syncfs_s, 4),
                      "write_s": round(write_s, 4)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
