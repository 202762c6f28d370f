#!/usr/bin/env python3
"""Move traffic to new revisions only once they are healthy; roll back by moving it back.

Terraform creates revisions but never moves traffic (functions: all_traffic_on_latest_revision
= false; relay: traffic in ignore_changes), so what this script does is not undone by the
next apply. Used by scripts/deploy:

  release.py pin      --project P --region R SERVICE...      before an apply: serving traffic
                                                             is pinned to the serving revision
  release.py promote  --project P --region R --public S... --internal S...
                                                             after it: each new revision gets a
                                                             `candidate` tag, is checked (public:
                                                             GET <tagged URL>/health; internal:
                                                             its Ready condition), and only if
                                                             all pass does all traffic move
  release.py rollback --project P --region R SERVICE=REVISION...

Public services are HTTP functions (and the relay): the Cloud Run invoker check is turned off
on them here, because `allUsers` is refused under domain-restricted sharing and a function
resource cannot say so. Standard library only: it runs wherever gcloud does.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

TAG = "candidate"


@dataclass
class Gcloud:
    project: str
    region: str
    run: Callable[[list[str]], str] = lambda argv: (
        subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    )

    def _call(self, *args: str) -> str:
        return self.run(["gcloud", *args, "--project", self.project, "--region", self.region, "--quiet"])

    def service(self, name: str) -> dict | None:
        try:
            return json.loads(self._call("run", "services", "describe", name, "--format=json"))
        except subprocess.CalledProcessError:
            return None

    def revision_ready(self, revision: str) -> bool:
        described = json.loads(self._call("run", "revisions", "describe", revision, "--format=json"))
        conditions = described.get("status", {}).get("conditions", [])
        return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)

    def route(self, name: str, revisions: dict[str, int]) -> None:
        targets = ",".join(f"{rev}={percent}" for rev, percent in revisions.items())
        self._call("run", "services", "update-traffic", name, f"--to-revisions={targets}")

    def tag(self, name: str, revision: str) -> None:
        self._call("run", "services", "update-traffic", name, f"--update-tags={TAG}={revision}")

    def untag(self, name: str) -> None:
        self._call("run", "services", "update-traffic", name, f"--remove-tags={TAG}")

    def make_public(self, name: str) -> None:
        self._call("run", "services", "update", name, "--no-invoker-iam-check")


def serving(service: dict) -> dict[str, int]:
    """Revision -> percent of what serves now (a `latest` entry resolved to its revision)."""
    status = service.get("status", {})
    found: dict[str, int] = {}
    for entry in status.get("traffic", []):
        percent = int(entry.get("percent") or 0)
        revision = entry.get("revisionName") or (
            status.get("latestReadyRevisionName") if entry.get("latestRevision") else None
        )
        if percent and revision:
            found[revision] = found.get(revision, 0) + percent
    return found


def tagged_url(service: dict) -> str | None:
    return next((e.get("url") for e in service.get("status", {}).get("traffic", []) if e.get("tag") == TAG), None)


def http_ok(url: str, attempts: int = 5, wait: float = 3.0) -> bool:
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, TimeoutError, OSError):
            pass
        if attempt + 1 < attempts:
            time.sleep(wait)
    return False


def pin(cloud: Gcloud, names: list[str]) -> None:
    """Turn 'latest' routing into explicit revisions, so an apply's new revision gets none."""
    for name in names:
        service = cloud.service(name)
        if service is None:
            continue  # created by this apply: its first revision serves, then is checked by promote
        current = serving(service)
        if current and any(e.get("latestRevision") for e in service.get("status", {}).get("traffic", [])):
            cloud.route(name, current)
            print(f"pinned   {name}: {current}")


def promote(cloud: Gcloud, public: list[str], internal: list[str], check: Callable[[str], bool] = http_ok) -> int:
    """Check every new revision on its tagged URL (or Ready condition); move traffic only if all pass."""
    candidates: dict[str, tuple[str, dict[str, int]]] = {}
    failed = []
    for name in [*public, *internal]:
        service = cloud.service(name)
        if service is None:
            failed.append(f"{name}: not found")
            continue
        latest = service.get("status", {}).get("latestCreatedRevisionName")
        before = serving(service)
        if name in public:
            cloud.make_public(name)
        if not latest or before == {latest: 100}:
            print(f"current  {name}: {latest} already serves")
            continue
        cloud.tag(name, latest)
        candidates[name] = (latest, before)
        if name in public:
            url = tagged_url(cloud.service(name) or {})
            healthy = bool(url) and check(f"{url}/health")
            where = f"{url}/health"
        else:
            healthy = cloud.revision_ready(latest)
            where = "Ready condition"
        print(f"{'ok' if healthy else 'FAIL':8} {name}: {latest} ({where})")
        if not healthy:
            failed.append(f"{name}: {latest} unhealthy ({where})")
    for name in candidates:
        cloud.untag(name)
    if failed:
        print("no traffic moved; the old revisions still serve:\n  " + "\n  ".join(failed), file=sys.stderr)
        return 1
    for name, (latest, _) in candidates.items():
        cloud.route(name, {latest: 100})
        print(f"moved    {name}: 100% -> {latest}")
    back = " ".join(f"{name}={rev}" for name, (_, before) in candidates.items() for rev in list(before)[:1])
    if back:
        print(
            f"\nRollback (not undone by the next apply):\n  scripts/release.py rollback --project {cloud.project} --region {cloud.region} {back}"
        )
    return 0


def rollback(cloud: Gcloud, targets: list[str]) -> int:
    for target in targets:
        name, _, revision = target.partition("=")
        if not revision:
            print(f"expected SERVICE=REVISION, got {target!r}", file=sys.stderr)
            return 2
        cloud.route(name, {revision: 100})
        print(f"moved    {name}: 100% -> {revision}")
    return 0


def main(argv: list[str] | None = None, cloud_factory=Gcloud) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["pin", "promote", "rollback"])
    parser.add_argument("--project", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--public", nargs="*", default=[])
    parser.add_argument("--internal", nargs="*", default=[])
    parser.add_argument("services", nargs="*")
    args = parser.parse_intermixed_args(argv)
    cloud = cloud_factory(args.project, args.region)
    if args.command == "pin":
        pin(cloud, args.services)
        return 0
    if args.command == "promote":
        return promote(cloud, args.public, args.internal)
    return rollback(cloud, args.services)


if __name__ == "__main__":
    sys.exit(main())
