#!/usr/bin/env python3
"""Build one deployable source bundle per function component: build/bundles/<component>.zip.

A bundle is the function folder (main.py, its package, requirements.txt) plus shared_lib,
so `./shared_lib` in requirements.txt installs the same shared code the local platform
runs. Bytecode, caches and tests are left out; file order and timestamps are fixed so the
same sources give the same bytes (and the same object name in Terraform).
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_SKIP_DIRS = {"__pycache__", ".pytest_cache", "tests", "build", "dist"}
_SKIP_SUFFIXES = {".pyc", ".pyo"}
_EPOCH = (1980, 1, 1, 0, 0, 0)


def components(functions_dir: Path) -> list[Path]:
    return sorted(d for d in functions_dir.iterdir() if (d / "main.py").is_file())


def _files(folder: Path):
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if (
            path.is_file()
            and not (set(relative.parts) & _SKIP_DIRS)
            and path.suffix not in _SKIP_SUFFIXES
            and not any(part.endswith(".egg-info") for part in relative.parts)
        ):
            yield path, relative


def build(component: Path, shared_lib: Path, out_dir: Path) -> Path:
    if not (component / "requirements.txt").is_file():
        raise SystemExit(f"{component} has no requirements.txt: Cloud Build would not install its dependencies")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{component.name}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path, relative in _files(component):
            _add(bundle, path, str(relative))
        for path, relative in _files(shared_lib):
            _add(bundle, path, f"shared_lib/{relative}")
    return target


def _add(bundle: zipfile.ZipFile, path: Path, name: str) -> None:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    bundle.writestr(info, path.read_bytes())


def missing_components(functions_dir: Path, topology_path: Path) -> list[str]:
    """Components the topology deploys that have no folder yet (Terraform would fail on them)."""
    sys.path.insert(0, str(ROOT / "shared_lib"))
    from shared_lib.topology import load_topology

    built = {c.name for c in components(functions_dir)}
    return sorted({f.component for f in load_topology(topology_path).functions.values()} - built)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bundles")
    parser.add_argument("--functions-dir", type=Path, default=ROOT / "functions")
    parser.add_argument(
        "--require-topology", type=Path, help="fail unless every component this topology deploys exists"
    )
    args = parser.parse_args(argv)
    if args.require_topology:
        missing = missing_components(args.functions_dir, args.require_topology)
        if missing:
            print(
                f"cannot deploy: the topology declares components not built yet: {', '.join(missing)}", file=sys.stderr
            )
            return 1
    for component in components(args.functions_dir):
        print(build(component, ROOT / "shared_lib", args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
