"""Functions read the secrets the launcher generated and seeded into the emulator."""

import httpx
import yaml


def test_a_function_reads_its_seeded_secret(platform):
    hello = next(item for item in platform.started if item.name == "hello")
    seeded = yaml.safe_load(platform.ws.secrets_file.read_text())
    answer = httpx.get(f"{hello.url}/greet").json()
    assert answer == {"hello": "world", "token_length": len(seeded["test-token"])}
    assert len(seeded["test-token"]) >= 40
    assert (platform.ws.secrets_file.stat().st_mode & 0o777) == 0o600


def test_every_running_service_is_in_service_discovery(platform):
    import json

    for item in platform.started:
        if item.port is None:
            continue
        record = json.loads((platform.ws.discovery_dir / f"{item.name}.json").read_text())
        assert record == {"host": "127.0.0.1", "port": item.port, "url": item.url}
