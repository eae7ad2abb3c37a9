#!/usr/bin/env python3
"""Times commands in turn, N rounds, and prints each one's median and fastest wall time and
CPU time (user + system, from getrusage). Taking the commands in turn spreads this
machine's noise over all of them, so their ratios hold even when the absolute times drift.

With --churn-mb M, a separate process touches M MB and exits before each run, and the loop
then idles --idle seconds: the command meets memory freed a moment ago, as it does in
bench_cli right after an import (BENCHMARKS.md, "Fourteenth round").

    python3 tools/alternated_runs.py 25 "target/release/readiness verify --ledger L" \
        "openssl dgst -sha256 L/entries.jsonl"
"""

import argparse
import resource
import statistics
import subprocess
import time

CHURN = "b = bytearray({mb} << 20)\nfor i in range(0, len(b), 4096): b[i] = 1\n"


def cpu_ms():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (r.ru_utime + r.ru_stime) * 1000


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("rounds", type=int)
    p.add_argument("commands", nargs="+", help="shell commands, each timed once a round")
    p.add_argument("--churn-mb", type=int, default=0)
    p.add_argument("--idle", type=float, default=1.0)
    a = p.parse_args()
    wall = {c: [] for c in a.commands}
    cpu = {c: [] for c in a.commands}
    for _ in range(a.rounds):
        for c in a.commands:
            if a.churn_mb:
                subprocess.run(["python3", "-c", CHURN.format(mb=a.churn_mb)], check=True)
                time.sleep(a.idle)
            before = cpu_ms()
            start = time.perf_counter()
            subprocess.run(["sh", "-c", "exec " + c], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            wall[c].append((time.perf_counter() - start) * 1000)
            cpu[c].append(cpu_ms() - before)
    for c in a.commands:
        w, u = wall[c], cpu[c]
        print(f"{c}\n    wall median {statistics.median(w):.1f} ms, fastest {min(w):.1f}"
              f" | cpu median {statistics.median(u):.1f} ms, fastest {min(u):.1f}")


if __name__ == "__main__":
    main()
