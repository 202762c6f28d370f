"""Reading Terraform offline with python-hcl2: blocks, arguments, variable references."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import hcl2

ROOT = Path(__file__).resolve().parents[3]
TERRAFORM = ROOT / "terraform"
MODULES = TERRAFORM / "modules"
ENVIRONMENTS = ("staging", "production")
_META_ARGUMENTS = {"source", "depends_on", "providers", "count", "for_each", "version"}


def unquote(value):
    """python-hcl2 keeps the quotes of string literals and block labels; drop them."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    if isinstance(value, dict):
        # python-hcl2's own markers (__is_block__, __comments__) are not HCL.
        return {unquote(k): unquote(v) for k, v in value.items() if not (k.startswith("__") and k.endswith("__"))}
    if isinstance(value, list):
        return [unquote(v) for v in value]
    return value


@cache
def load(path: Path) -> dict:
    with open(path) as handle:
        return unquote(hcl2.load(handle))


def folder(path: Path) -> list[dict]:
    return [load(p) for p in sorted(path.glob("*.tf"))]


def blocks(path: Path, kind: str) -> dict[str, dict]:
    """`resource`/`data` blocks as {"type.name": body}; `module`/`variable`/`output` as {name: body}."""
    found: dict[str, dict] = {}
    for document in folder(path):
        for entry in document.get(kind, []):
            for first, body in entry.items():
                if kind in ("resource", "data"):
                    for name, inner in body.items():
                        found[f"{first}.{name}"] = inner
                else:
                    found[first] = body
    return found


def locals_of(path: Path) -> dict:
    merged: dict = {}
    for document in folder(path):
        for entry in document.get("locals", []):
            merged.update(entry)
    return merged


def variables(path: Path) -> dict[str, dict]:
    return blocks(path, "variable")


def module_calls(path: Path) -> dict[str, dict]:
    return blocks(path, "module")


def passed_arguments(call: dict) -> set[str]:
    return set(call) - _META_ARGUMENTS


def referenced_variables(path: Path) -> set[str]:
    text = "\n".join(p.read_text() for p in sorted(path.glob("*.tf")))
    return set(re.findall(r"\bvar\.([A-Za-z_][A-Za-z0-9_]*)", text))


def tf_files() -> list[Path]:
    """Every Terraform file once (the environments link their shared root files)."""
    files = {p.resolve() for p in [*TERRAFORM.rglob("*.tf"), *TERRAFORM.rglob("*.tfvars")]}
    return sorted(files)
