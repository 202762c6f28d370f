"""A tiny harness: repeat a measurement, take the median, compare with a same-run baseline.

Prints a table for people and one `BENCH_JSON {...}` line per entry for machines.
"""

from __future__ import annotations

import dataclasses
import json
import statistics
from collections.abc import Callable


@dataclasses.dataclass
class Result:
    name: str
    baseline: str
    runs: list[float]
    baseline_runs: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def baseline_median(self) -> float:
        return statistics.median(self.baseline_runs)

    @property
    def ratio(self) -> float:
        return self.median / self.baseline_median

    def as_json(self) -> str:
        return json.dumps(
            {
                "name": self.name,
                "median_s": round(self.median, 7),
                "runs_s": [round(r, 7) for r in self.runs],
                "baseline": self.baseline,
                "baseline_median_s": round(self.baseline_median, 7),
                "baseline_runs_s": [round(r, 7) for r in self.baseline_runs],
                "ratio": round(self.ratio, 3),
            }
        )


def from_json(line: str) -> Result:
    """A result printed by another process (a `BENCH_JSON` line)."""
    data = json.loads(line.removeprefix("BENCH_JSON").strip())
    return Result(data["name"], data["baseline"], data["runs_s"], data["baseline_runs_s"])


def in_child(argv: list[str]) -> list[Result]:
    """Run `python -m <argv>` in a fresh process and collect the results it prints.

    chDB opens one data path per process, so suites (and the summary suite's sizes) that
    each need their own warehouse run in processes of their own."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-m", *argv], cwd=root, env=os.environ.copy(), stdout=subprocess.PIPE, text=True
    )
    if done.returncode:
        raise RuntimeError(f"benchmark process {' '.join(argv)} exited {done.returncode}")
    return [from_json(line) for line in done.stdout.splitlines() if line.startswith("BENCH_JSON ")]


def compare(
    name: str, subject: Callable[[], float], baseline_name: str, baseline: Callable[[], float], repeat: int
) -> Result:
    """Alternate subject and baseline so that drift in machine load hits both alike."""
    runs, baseline_runs = [], []
    for _ in range(repeat):
        baseline_runs.append(baseline())
        runs.append(subject())
    return Result(name, baseline_name, runs, baseline_runs)


def report(results: list[Result], machine_lines: bool = True) -> str:
    header = f"{'benchmark':<38} {'median':>9} {'baseline':<38} {'median':>9} {'ratio':>7}"
    lines = [header, "-" * len(header)]
    for r in results:
        lines.append(
            f"{r.name:<38} {_seconds(r.median):>9} {r.baseline:<38} {_seconds(r.baseline_median):>9} {r.ratio:>6.2f}x"
        )
    if machine_lines:
        lines.append("")
        lines.extend(f"BENCH_JSON {r.as_json()}" for r in results)
    return "\n".join(lines)


def _seconds(value: float) -> str:
    if value >= 1:
        return f"{value:.3f}s"
    if value >= 1e-3:
        return f"{value * 1e3:.2f}ms"
    return f"{value * 1e6:.1f}us"
