"""`netra up --detach` wall time to all-healthy, against starting the two Java emulators bare.

The baseline is the irreducible part: the official Pub/Sub and Firestore emulators
started in parallel and polled until they answer. The ratio is what the launcher adds
(our Secret Manager emulator, datastores, wiring, functions, bookkeeping).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request

from emulators.platform import gcloud
from emulators.platform.processes import free_ports, stop_group


def netra_up(env: dict[str, str]) -> float:
    with tempfile.TemporaryDirectory() as workspace:
        run_env = {**env, "NETRA_WORKSPACE": workspace}
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "emulators.cli", "up", "--detach"], env=run_env, capture_output=True, text=True
        )
        elapsed = time.perf_counter() - started
        subprocess.run([sys.executable, "-m", "emulators.cli", "down"], env=run_env, capture_output=True)
        if result.returncode != 0:
            raise RuntimeError(f"netra up failed:\n{result.stdout}\n{result.stderr}")
        return elapsed


def bare_emulators() -> float:
    found = gcloud.find_emulators()
    ports = free_ports(2)
    started = time.perf_counter()
    processes = [
        subprocess.Popen(
            [str(found.pubsub), "--host=127.0.0.1", f"--port={ports[0]}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        ),
        subprocess.Popen(
            [str(found.firestore), "start", "--host=127.0.0.1", f"--port={ports[1]}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        ),
    ]
    try:
        for port in ports:
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as response:
                        if response.status == 200:
                            break
                except OSError:
                    time.sleep(0.05)
        return time.perf_counter() - started
    finally:
        for process in processes:
            stop_group(process.pid, timeout=10)


def benchmarks(repeat: int):
    from bench.harness import compare

    env = {k: v for k, v in os.environ.items() if not k.endswith("_EMULATOR_HOST")}
    yield compare(
        "netra up --detach (to all healthy)",
        lambda: netra_up(env),
        "bare Pub/Sub + Firestore emulators",
        bare_emulators,
        repeat,
    )
