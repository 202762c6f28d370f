"""A local platform started for a benchmark run (`netra up --detach` in a temp workspace)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


class RunningPlatform:
    def __init__(self, **extra_env: str):
        self.workspace = tempfile.TemporaryDirectory()
        self.env = {k: v for k, v in os.environ.items() if not k.endswith("_EMULATOR_HOST")}
        self.env.update(NETRA_WORKSPACE=self.workspace.name, AUTH_RATE_LIMIT_PER_MINUTE="100000", **extra_env)

    def __enter__(self) -> RunningPlatform:
        # No demo usage in the background: it would load the machine while we measure.
        result = subprocess.run(
            [sys.executable, "-m", "emulators.cli", "up", "--detach", "--no-demo"],
            env=self.env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(result.stdout + result.stderr)
        return self

    def url(self, name: str) -> str:
        return json.loads((Path(self.workspace.name) / ".service_discovery" / f"{name}.json").read_text())["url"]

    def env_lines(self) -> list[str]:
        """`netra env`: the export lines that reach this platform's emulators."""
        result = subprocess.run(
            [sys.executable, "-m", "emulators.cli", "env"], env=self.env, capture_output=True, text=True, check=True
        )
        return [line for line in result.stdout.splitlines() if line.startswith("export ")]

    def settings(self):
        """Settings that reach this platform's emulators, as a component reads them."""
        from shared_lib.config import load_settings

        exports = (line.removeprefix("export ").split("=", 1) for line in self.env_lines())
        return load_settings({name: value.strip("'") for name, value in exports})

    def secret(self, name: str) -> str:
        import yaml

        return yaml.safe_load((Path(self.workspace.name) / ".netra" / "secrets.local.yaml").read_text())[name]

    def __exit__(self, *exc):
        subprocess.run([sys.executable, "-m", "emulators.cli", "down"], env=self.env, capture_output=True)
        self.workspace.cleanup()
