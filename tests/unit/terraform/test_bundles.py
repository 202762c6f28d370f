"""Function source bundles: the function folder plus shared_lib, reproducible byte for byte."""

from __future__ import annotations

import importlib.util
import zipfile

from tests.unit.terraform.hcl import ROOT

spec = importlib.util.spec_from_file_location("build_bundles", ROOT / "scripts" / "build_bundles.py")
build_bundles = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build_bundles)


def test_a_bundle_holds_the_function_and_shared_lib(tmp_path):
    bundle = build_bundles.build(ROOT / "functions" / "auth", ROOT / "shared_lib", tmp_path)
    names = set(zipfile.ZipFile(bundle).namelist())
    for expected in (
        "main.py",
        "requirements.txt",
        "netra_auth/service.py",
        "netra_auth/migrations/0001_users_sessions_keys.sql",
        "shared_lib/pyproject.toml",
        "shared_lib/shared_lib/auth.py",
        "shared_lib/shared_lib/topology.yaml",
    ):
        assert expected in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc") or ".egg-info" in n]
    assert "./shared_lib" in zipfile.ZipFile(bundle).read("requirements.txt").decode()


def test_the_same_sources_give_the_same_bytes(tmp_path):
    first = build_bundles.build(ROOT / "functions" / "auth", ROOT / "shared_lib", tmp_path / "a").read_bytes()
    second = build_bundles.build(ROOT / "functions" / "auth", ROOT / "shared_lib", tmp_path / "b").read_bytes()
    assert first == second


def test_a_deploy_refuses_a_topology_whose_components_are_not_built(tmp_path):
    missing = build_bundles.missing_components(ROOT / "functions", ROOT / "shared_lib" / "shared_lib" / "topology.yaml")
    built = {p.name for p in (ROOT / "functions").iterdir() if (p / "main.py").is_file()}
    assert "auth" in built and "auth" not in missing
    assert set(missing).isdisjoint(built)
    assert build_bundles.main(
        ["--require-topology", str(ROOT / "shared_lib" / "shared_lib" / "topology.yaml"), "--out", str(tmp_path)]
    ) == (1 if missing else 0)
