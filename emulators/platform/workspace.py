"""Where a local platform keeps its run state, logs, data, secrets and service discovery."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclasses.dataclass(frozen=True)
class Workspace:
    root: Path

    @classmethod
    def default(cls) -> Workspace:
        # NETRA_WORKSPACE lets tests and benches run a platform beside a developer's own.
        return cls(Path(os.environ.get("NETRA_WORKSPACE") or REPO_ROOT).resolve())

    @property
    def home(self) -> Path:
        return self.root / ".netra"

    @property
    def run_dir(self) -> Path:
        return self.home / "run"

    @property
    def logs_dir(self) -> Path:
        return self.run_dir / "logs"

    @property
    def state_file(self) -> Path:
        return self.run_dir / "state.json"

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def secrets_file(self) -> Path:
        return self.home / "secrets.local.yaml"

    @property
    def answer_key_file(self) -> Path:
        return self.home / "demo" / "answer_key.json"

    @property
    def discovery_dir(self) -> Path:
        return self.root / ".service_discovery"

    def read_state(self) -> dict | None:
        try:
            return json.loads(self.state_file.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def write_state(self, state: dict) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2))
        tmp.replace(self.state_file)

    def write_discovery(self, name: str, host: str, port: int, url: str) -> None:
        self.discovery_dir.mkdir(parents=True, exist_ok=True)
        (self.discovery_dir / f"{name}.json").write_text(json.dumps({"host": host, "port": port, "url": url}))

    def discovered_url(self, name: str) -> str:
        try:
            return json.loads((self.discovery_dir / f"{name}.json").read_text())["url"]
        except FileNotFoundError:
            raise SystemExit(f"netra: {name} is not running; start the platform with `netra up`") from None

    def clear_discovery(self, names) -> None:
        for name in names:
            (self.discovery_dir / f"{name}.json").unlink(missing_ok=True)
