"""The summary benchmark fills the real warehouse schema: a migration that adds a column
must not leave `make bench` broken (it was, once, until a bench run found it)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_summary_bench_runs_on_a_small_warehouse():
    done = subprocess.run(
        [sys.executable, "-m", "bench.summary", "2000", "1"], cwd=ROOT, capture_output=True, text=True, timeout=170
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("BENCH_JSON ")]
    assert len(lines) == 6  # summary, breakdown, change, profile, the caching replay, the optimizer
    assert any('"caching simulation (200 chained calls' in line for line in lines)
