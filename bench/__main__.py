"""`python -m bench [--repeat N] [NAME ...]`: run the benchmarks, print a table and JSON lines."""

from __future__ import annotations

import argparse
import sys

from bench import auth_validate, cold_start, ingest, otlp, platform_up, relay, run_overhead, summary, understanding
from bench.harness import in_child, report

SUITES = {
    "platform_up": platform_up,
    "cold_start": cold_start,
    "auth_validate": auth_validate,
    "relay": relay,
    "ingest": ingest,
    "otlp": otlp,
    "summary": summary,
    "run_overhead": run_overhead,
    "understanding": understanding,
}


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--in-process", action="store_true", help="run the one suite named in this process")
    parser.add_argument("suites", nargs="*", help=f"any of {', '.join(SUITES)} (default: all)")
    args = parser.parse_args()
    unknown = [s for s in args.suites if s not in SUITES]
    if unknown:
        parser.error(f"unknown suite(s): {', '.join(unknown)}")
    if args.in_process:
        if len(args.suites) != 1:
            parser.error("--in-process runs exactly one suite")
        print(report(list(SUITES[args.suites[0]].benchmarks(args.repeat))))
        return 0
    # Each suite in a process of its own: one suite's embedded warehouse or platform
    # cannot disturb the next (chDB allows one data path per process).
    results = []
    for name in args.suites or SUITES:
        found = in_child(["bench", "--in-process", "--repeat", str(args.repeat), name])
        print(f"{name}:\n{report(found, machine_lines=False)}\n", flush=True)  # progress, for people
        results.extend(found)
    print(report(results))  # the whole table, and one BENCH_JSON line per entry
    return 0


if __name__ == "__main__":
    sys.exit(main())
