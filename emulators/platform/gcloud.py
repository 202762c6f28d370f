"""Find the official Pub/Sub and Firestore emulators of the gcloud SDK, and a Java to run them."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
from pathlib import Path

PUBSUB_SCRIPT = Path("platform/pubsub-emulator/bin/cloud-pubsub-emulator")
FIRESTORE_SCRIPT = Path("platform/cloud-firestore-emulator/cloud_firestore_emulator")
_SDK_ROOTS = ("/usr/lib/google-cloud-sdk", "/usr/share/google-cloud-sdk", "/opt/google-cloud-sdk", "~/google-cloud-sdk")
MIN_JAVA = 17

INSTALL_SDK = (
    "sudo apt-get install -y google-cloud-cli-pubsub-emulator google-cloud-cli-firestore-emulator\n"
    "    (or, with a gcloud installed from Google's archive: gcloud components install pubsub-emulator cloud-firestore-emulator)"
)
INSTALL_JAVA = "sudo apt-get install -y openjdk-17-jre-headless"


class PrerequisiteMissing(RuntimeError):
    """Something the local platform needs is not installed; the message says how to install it."""


@dataclasses.dataclass(frozen=True)
class GcloudEmulators:
    pubsub: Path
    firestore: Path
    java_home: Path | None


def find_emulators() -> GcloudEmulators:
    """Locate both emulator scripts and a Java >= 17, or raise with the install commands."""
    problems = []
    sdk = _sdk_root()
    if sdk is None:
        problems.append(f"the gcloud SDK emulators were not found. Install them with:\n    {INSTALL_SDK}")
    else:
        for script, name in ((PUBSUB_SCRIPT, "Pub/Sub"), (FIRESTORE_SCRIPT, "Firestore")):
            if not (sdk / script).is_file():
                problems.append(f"the {name} emulator is not installed in {sdk}. Install it with:\n    {INSTALL_SDK}")
    java, version = _java()
    if java is None:
        problems.append(
            f"Java >= {MIN_JAVA} is needed by the emulators and none was found. Install it with:\n    {INSTALL_JAVA}"
        )
    elif version < MIN_JAVA:
        problems.append(
            f"{java} is Java {version}; the emulators need Java >= {MIN_JAVA}. Install it with:\n    {INSTALL_JAVA}"
        )
    if problems:
        raise PrerequisiteMissing("\n".join(f"- {p}" for p in problems))
    java_home = Path(os.environ["JAVA_HOME"]) if os.environ.get("JAVA_HOME") else None
    return GcloudEmulators(sdk / PUBSUB_SCRIPT, sdk / FIRESTORE_SCRIPT, java_home)


def _sdk_root() -> Path | None:
    explicit = os.environ.get("NETRA_GCLOUD_SDK")
    if explicit is not None:  # set (even empty) means: only look there
        return Path(explicit) if explicit and (Path(explicit) / "platform").is_dir() else None
    for candidate in _SDK_ROOTS:
        root = Path(candidate).expanduser()
        if (root / "platform").is_dir():
            return root
    gcloud = shutil.which("gcloud")
    if gcloud:
        try:
            out = subprocess.run(
                [gcloud, "info", "--format=value(installation.sdk_root)"], capture_output=True, text=True, timeout=30
            ).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return None
        if out and (Path(out) / "platform").is_dir():
            return Path(out)
    return None


def _java() -> tuple[str | None, int]:
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home and (Path(home) / "bin" / "java").exists() else shutil.which("java")
    if java is None:
        return None, 0
    try:
        banner = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30).stderr
    except (OSError, subprocess.TimeoutExpired):
        return None, 0
    found = re.search(r'version "(\d+)(?:\.(\d+))?', banner)
    if not found:
        return java, 0
    major = int(found.group(1))
    return java, int(found.group(2) or 0) if major == 1 else major
