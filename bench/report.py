#!/usr/bin/env python3
"""report.py RESULTS MESSAGES BYTES: prints the comparison tables.

RESULTS holds one tab-separated line per tool and link profile:

    PROFILE TOOL STATUS RUNS MEDIAN MIN MAX MAXRSS_KIB NOTE

STATUS is ok, FAILED or skipped; the times are seconds.  One Markdown table
per profile, in the order the profiles first appear; the ratio is the tool's
median time over popfetch's (above 1: slower than popfetch).
"""

import sys


def fmt_time(s):
    return "%.2f" % s if s >= 0.995 else "%.3f" % s


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 64
    path, messages, nbytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    profiles = {}
    order = []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            fields = line.split("\t")
            fields += [""] * (9 - len(fields))
            prof = fields[0]
            if prof not in profiles:
                profiles[prof] = []
                order.append(prof)
            profiles[prof].append(fields)
    for prof in order:
        rows = profiles[prof]
        base = None
        for r in rows:
            if r[1] == "popfetch" and r[2] == "ok":
                base = float(r[4])
        print("### %s" % prof)
        print()
        print("| tool | runs | median s | min–max s | messages/s | MiB/s "
              "| vs popfetch | peak RSS MiB | notes |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
        for r in rows:
            _, tool, status, runs, med, lo, hi, rss, note = r[:9]
            if status != "ok":
                print("| %s | | **%s** | | | | | | %s |" % (tool, status, note))
                continue
            med, lo, hi = float(med), float(lo), float(hi)
            ratio = "×%.2f" % (med / base) if base else "–"
            rss_mib = "%.1f" % (int(rss) / 1024.0) if rss else ""
            print("| %s | %s | %s | %s–%s | %.0f | %.1f | %s | %s | %s |" % (
                tool, runs, fmt_time(med), fmt_time(lo), fmt_time(hi),
                messages / med, nbytes / med / 1048576.0, ratio, rss_mib,
                note))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
