import json

import yaml
from cryptography.hazmat.primitives import serialization

from emulators.platform.local_secrets import ensure_local_secrets
from emulators.platform.workspace import Workspace
from shared_lib.topology import parse_topology

TOPOLOGY = parse_topology(
    {
        "defaults": {
            "subscription": {
                "ack_deadline_seconds": 60,
                "retry_policy": {"minimum_backoff_seconds": 10, "maximum_backoff_seconds": 600},
            },
            "function": {"timeout_seconds": 60, "memory_mb": 256},
        },
        "secrets": {
            "push-token": {"description": "t"},
            "signing-keys": {"description": "k", "local": "ec_p256_pem"},
            "provider-key": {"description": "p", "local": "unset"},
        },
    }
)


def test_missing_secrets_are_generated_once_and_kept(tmp_path):
    ws = Workspace(tmp_path)
    first = ensure_local_secrets(ws, TOPOLOGY)
    assert set(first) == {"push-token", "signing-keys"}  # "unset" ones are left to the developer
    assert len(first["push-token"]) >= 40
    keys = json.loads(first["signing-keys"])
    key = serialization.load_pem_private_key(keys[0]["pem"].encode(), password=None)
    assert key.curve.name == "secp256r1" and keys[0]["kid"].startswith("local-")
    assert (ws.secrets_file.stat().st_mode & 0o777) == 0o600
    assert ensure_local_secrets(ws, TOPOLOGY) == first


def test_values_a_developer_wrote_are_not_replaced(tmp_path):
    ws = Workspace(tmp_path)
    ws.home.mkdir()
    ws.secrets_file.write_text(yaml.safe_dump({"push-token": "mine", "provider-key": "sk-real"}))
    values = ensure_local_secrets(ws, TOPOLOGY)
    assert values["push-token"] == "mine" and values["provider-key"] == "sk-real"
    assert "signing-keys" in yaml.safe_load(ws.secrets_file.read_text())
