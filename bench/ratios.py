#!/usr/bin/env python3
"""ratios.py RESULTS CORPORA SYNCCOST [JSON]: the report of bench/compare
--corpora: the targets of the issue against the measured ratios, a table
per corpus, and the same as JSON in the file JSON when given.

RESULTS holds one tab-separated line per corpus and tool:

    PROFILE TOOL STATUS RUNS MEDIAN MIN MAX MAXRSS_KIB NOTE

CORPORA one per corpus:

    NAME MESSAGES BYTES TLS RTT_MS KIND EXPECT PROFILE

and SYNCCOST {"small": ..., "big": ...}, what bench/synccost.py printed
for 2000 files of 5 KiB and for 20 of 10 MiB.  floor-disk is the floor
writing every message into the Maildir durably: what a client that keeps
what it fetches cannot go below on this disk.
"""

import json
import sys

MIB = 1048576.0
RSS_LIMIT_KIB = 8 * 1024

# corpus: (vs mpop: at least this many times faster, vs floor: at most
# this many times the floor, round trips at most, peak RSS limit)
TARGETS = {
    "small-plain": (5.0, 2.5, None, None),
    "small-tls": (None, None, None, None),
    "big-plain": (None, None, None, RSS_LIMIT_KIB),
    "big-tls": (1.2, 1.05, None, RSS_LIMIT_KIB),
    "huge": (None, None, None, RSS_LIMIT_KIB),
    "rtt20": (2.5, None, 6, None),
    "rtt20-tls": (None, None, None, None),
    "rtt100": (2.5, None, 6, None),
    "list100k": (None, None, None, RSS_LIMIT_KIB),
}
# popfetch on 100,000 messages with 10 new, at most this many times the
# server's own STAT+UIDL+LIST time (floor-list)
LIST_TARGET = 1.1


def fmt_time(s):
    return "%.2f" % s if s >= 0.995 else "%.3f" % s


def verdict(ok):
    return "met" if ok else "**missed**"


def load(results_path, corpora_path):
    tools = {}
    with open(results_path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            r = line.split("\t")
            r += [""] * (9 - len(r))
            prof, tool, status, runs, med, lo, hi, rss, note = r[:9]
            t = {"status": status, "note": note}
            if status == "ok":
                t.update(runs=int(runs), median_s=float(med), min_s=float(lo),
                         max_s=float(hi), peak_rss_kib=int(rss or 0))
            tools.setdefault(prof, {})[tool] = t
    corpora = []
    with open(corpora_path) as f:
        for line in f:
            r = line.rstrip("\n").split("\t")
            if len(r) < 8:
                continue
            name, total, nbytes, tls, rtt, kind, expect, prof = r[:8]
            corpora.append({
                "name": name, "messages": int(total), "bytes": int(nbytes),
                "tls": tls == "yes", "rtt_ms": int(rtt), "fetches": kind,
                "new": int(expect), "title": prof,
                "tools": tools.get(prof, {})})
    return corpora


def median(c, tool):
    t = c["tools"].get(tool)
    return t["median_s"] if t and t["status"] == "ok" else None


def ratios(c):
    """The measured ratios of a corpus and whether each target is met."""
    pf, mp, fl = (median(c, t) for t in ("popfetch", "mpop", "floor"))
    vs_mpop_t, vs_floor_t, rtt_t, rss_t = TARGETS.get(c["name"],
                                                      (None,) * 4)
    out = {}
    if pf and mp:
        out["mpop_over_popfetch"] = round(mp / pf, 3)
        if vs_mpop_t:
            out["mpop_target"] = vs_mpop_t
            out["mpop_met"] = mp / pf >= vs_mpop_t
    if pf and fl:
        out["popfetch_over_floor"] = round(pf / fl, 3)
        if vs_floor_t:
            out["floor_target"] = vs_floor_t
            out["floor_met"] = pf / fl <= vs_floor_t
    if pf and c["rtt_ms"]:
        out["popfetch_rtts"] = round(pf * 1000.0 / c["rtt_ms"], 1)
        if fl:
            out["floor_rtts"] = round(fl * 1000.0 / c["rtt_ms"], 1)
        if rtt_t:
            out["rtt_target"] = rtt_t
    fd = median(c, "floor-disk")
    if pf and fd:
        out["popfetch_over_floor_disk"] = round(pf / fd, 3)
    fll = median(c, "floor-list")
    if pf and fll:
        out["popfetch_over_listing"] = round(pf / fll, 3)
        out["listing_target"] = LIST_TARGET
        out["listing_met"] = pf / fll <= LIST_TARGET
    t = c["tools"].get("popfetch")
    if t and t["status"] == "ok" and rss_t:
        out["rss_target_kib"] = rss_t
        out["rss_met"] = t["peak_rss_kib"] < rss_t
    return out


def target_table(corpora):
    print("| corpus | popfetch | mpop | floor | mpop ÷ popfetch (target) "
          "| popfetch ÷ floor (target) | round trips | popfetch peak RSS "
          "(target) |")
    print("|---|---:|---:|---:|---|---|---:|---|")
    for c in corpora:
        r = c["ratios"]
        cells = [c["name"]]
        for tool in ("popfetch", "mpop", "floor"):
            m = median(c, tool)
            cells.append("%s s" % fmt_time(m) if m else "–")
        s = "%.2fx" % r["mpop_over_popfetch"] if "mpop_over_popfetch" in r \
            else "–"
        if "mpop_target" in r:
            s += " (≥ %gx: %s)" % (r["mpop_target"], verdict(r["mpop_met"]))
        cells.append(s)
        s = "%.2fx" % r["popfetch_over_floor"] \
            if "popfetch_over_floor" in r else "–"
        if "floor_target" in r:
            s += " (≤ %gx: %s)" % (r["floor_target"], verdict(r["floor_met"]))
        if "popfetch_over_floor_disk" in r:
            s += "; %.2fx floor-disk (%s s)" % (
                r["popfetch_over_floor_disk"],
                fmt_time(median(c, "floor-disk")))
        if "popfetch_over_listing" in r:
            s += "; %.2fx STAT+UIDL+LIST alone (≤ %gx: %s)" % (
                r["popfetch_over_listing"], r["listing_target"],
                verdict(r["listing_met"]))
        cells.append(s)
        if "popfetch_rtts" in r:
            s = "%.1f RTT" % r["popfetch_rtts"]
            if "floor_rtts" in r:
                s += " (floor %.1f)" % r["floor_rtts"]
        else:
            s = "–"
        cells.append(s)
        t = c["tools"].get("popfetch")
        if t and t["status"] == "ok":
            s = "%.1f MiB" % (t["peak_rss_kib"] / 1024.0)
            if "rss_met" in r:
                s += " (< 8 MiB: %s)" % verdict(r["rss_met"])
        else:
            s = "–"
        cells.append(s)
        print("| " + " | ".join(cells) + " |")
    print()


def corpus_table(c):
    print("#### %s" % c["title"])
    print()
    print("| tool | runs | median s | min–max s | messages/s | MiB/s "
          "| vs popfetch | peak RSS MiB | notes |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    base = median(c, "popfetch")
    n = c["new"] if c["fetches"] == "new" else c["messages"]
    for tool, t in c["tools"].items():
        if t["status"] != "ok":
            print("| %s | | **%s** | | | | | | %s |" % (tool, t["status"],
                                                      t["note"]))
            continue
        med = t["median_s"]
        print("| %s | %d | %s | %s–%s | %.0f | %.1f | %s | %s | %s |" % (
            tool, t["runs"], fmt_time(med), fmt_time(t["min_s"]),
            fmt_time(t["max_s"]), n / med,
            (c["bytes"] if c["fetches"] != "new" else 0) / med / MIB,
            "×%.2f" % (med / base) if base else "–",
            "%.1f" % (t["peak_rss_kib"] / 1024.0) if t["peak_rss_kib"]
            else "", t["note"]))
    print()


def main():
    if len(sys.argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        return 64
    corpora = load(sys.argv[1], sys.argv[2])
    with open(sys.argv[3]) as f:
        sync = json.load(f)
    for c in corpora:
        c["ratios"] = ratios(c)
    print("### The targets")
    print()
    target_table(corpora)
    for d in (sync["small"], sync["big"]):
        print("The disk, in the same run (bench/synccost.py, %d files of %d "
              "bytes): an fsync of a new file %.2f ms (%.2f s for all of "
              "them one by one); writing them all %.3f s, then one syncfs, "
              "a rename each and a directory fsync %.3f s." % (
                  d["files"], d["bytes"], d["fsync_ms"], d["fsync_all_s"],
                  d["write_s"], d["syncfs_s"]))
        print()
    for c in corpora:
        corpus_table(c)
    if len(sys.argv) == 5:
        with open(sys.argv[4], "w") as f:
            json.dump({"synccost": sync, "corpora": corpora}, f, indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
