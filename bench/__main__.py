"""`python -m bench [--repeat N] [NAME ...]`: run the benchmarks, print a table and JSON lines."""

from __future__ import annotations

import argparse
import sys

from bench import auth_validate, cold_start, ingest, platform_up, relay, run_overhead, summary, understanding
from bench.harness import report

SUITES = {"platform_up": platform_up, "cold_start": cold_start, "auth_validate": auth_validate, "relay": relay, "ingest": ingest, "summary": summary,
          "run_overhead": run_overhead, "understanding": understanding}


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("suites", nargs="*", help=f"any of {', '.join(SUITES)} (default: all)")
    args = parser.parse_args()
    unknown = [s for s in args.suites if s not in SUITES]
    if unknown:
        parser.error(f"unknown suite(s): {', '.join(unknown)}")
    results = []
    for name in args.suites or SUITES:
        results.extend(SUITES[name].benchmarks(args.repeat))
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
