#!/usr/bin/env python3
"""Verify a readiness-ledger export (.jsonl) without the readiness program.

Usage: python3 tools/verify_ledger.py FILE.jsonl
Prints "ok N HASH" and exits 0, or names the first bad entry and exits 1.
Written from FORMAT.md alone: canonical JSON here is Python's sorted, compact json.dumps,
which matches RFC 8785 for entries (ASCII keys, strings and integers only).
"""
import hashlib
import json
import sys


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def main(path):
    prev = "0" * 64
    last_time = ""
    seq = 0
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            line = raw.rstrip(b"\n")
            seq += 1
            try:
                entry = json.loads(line)
            except ValueError as e:
                return fail(seq, f"line {number} is not JSON: {e}")
            if canonical(entry) != line:
                return fail(seq, "not in canonical form")
            if set(entry) != {"seq", "recorded_at", "actor", "event", "prev", "hash"}:
                return fail(seq, f"members are {sorted(entry)}")
            stored = entry.pop("hash")
            if hashlib.sha256(canonical(entry)).hexdigest() != stored:
                return fail(seq, "hash does not match contents")
            if entry["seq"] != seq:
                return fail(seq, f"seq is {entry['seq']}")
            if entry["prev"] != prev:
                return fail(seq, "prev does not link to the previous entry")
            if entry["recorded_at"] < last_time:
                return fail(seq, "recorded_at goes backwards")
            prev, last_time = stored, entry["recorded_at"]
    print(f"ok {seq} {prev}")
    return 0


def fail(seq, why):
    print(f"FAILED at entry {seq}: {why}")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
