"""Run overhead: a question posted to chat until its `final_report` reaches the user's
socket (the whole agent chain, the LLM emulator at zero latency, demo usage to analyse),
against a bare chain of the same number of Pub/Sub push hops ending in one client event
at the same relay, measured in the same run on the same platform.

Also the optimizer over 1M and 10M stored calls (the profile query plus the levers) —
see `summary` for the query alone."""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]
# chat → supervisor, then supervisor → step → supervisor for five steps: eleven push hops
# before the final report goes to the relay.
HOPS = 11
QUESTION = "How can we cut our LLM costs by 30%?"


def _bench_topology(folder: Path) -> Path:
    """The real topology plus a `hops` topic pushed to a bare `hop` function."""
    topology = yaml.safe_load((ROOT / "shared_lib" / "shared_lib" / "topology.yaml").read_text())
    topology["topics"]["hops"] = {"description": "Bench only: a bare chain of push hops."}
    topology["subscriptions"]["hops-push"] = {"topic": "hops", "push": {"function": "hop"}, "ack_deadline_seconds": 30,
                                              "retry_policy": {"minimum_backoff_seconds": 1, "maximum_backoff_seconds": 10}}
    topology["functions"]["hop"] = {"component": "hop", "entry_point": "hop", "trigger": "pubsub",
                                    "publishes": ["hops", "client-events"]}
    path = folder / "topology.yaml"
    path.write_text(yaml.safe_dump(topology))
    return path


async def _until_final_report(relay: str, ticket: str, start, run_of) -> float:
    from websockets.asyncio.client import connect

    async with connect(f"{relay.replace('http://', 'ws://')}/ws?ticket={ticket}", origin=relay) as socket:
        json.loads(await socket.recv())  # connection_established
        started = time.perf_counter()
        run_id = await asyncio.to_thread(start)
        while True:
            event = json.loads(await asyncio.wait_for(socket.recv(), 120))
            if event["type"] == "final_report" and event.get("run_id") == run_of(run_id):
                return time.perf_counter() - started


def benchmarks(repeat: int):
    from bench.harness import compare
    from bench.running_platform import RunningPlatform
    from emulators.demo import DemoOptions, seed_demo
    from shared_lib.clients.pubsub import publisher_client
    from shared_lib.config import load_settings

    folder = tempfile.TemporaryDirectory()
    topology = _bench_topology(Path(folder.name))
    dirs = f"{ROOT / 'bench' / 'fixtures' / 'hops'}:{ROOT / 'functions'}"
    with RunningPlatform(NETRA_TOPOLOGY=str(topology), NETRA_FUNCTIONS_DIRS=dirs) as platform, httpx.Client(timeout=60) as http:
        email = f"overhead-{uuid.uuid4().hex[:8]}@example.com"
        seed_demo(platform.url, DemoOptions(Path(folder.name) / "key.json", email=email, days=7, calls_per_day=300), say=lambda _: None)
        tokens = http.post(f"{platform.url('auth')}/auth/dev/login", json={"email": email}).json()
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        chat, relay = platform.url("chat"), platform.url("relay")
        thread = http.post(f"{chat}/api/threads", json={}, headers=headers).json()["thread_id"]
        env = {line.split("=", 1)[0].removeprefix("export "): line.split("=", 1)[1].strip("'")
               for line in platform.env_lines()}
        settings = load_settings(env)
        publisher = publisher_client(settings)

        def ticket() -> str:
            return http.post(f"{chat}/api/ws-ticket", headers=headers).json()["ticket"]

        def agent_run() -> float:
            def post():
                answer = http.post(f"{chat}/api/threads/{thread}/messages", json={"text": QUESTION}, headers=headers)
                answer.raise_for_status()
                return answer.json()["run_id"]
            return asyncio.run(_until_final_report(relay, ticket(), post, lambda run_id: run_id))

        def bare_chain() -> float:
            run = uuid.uuid4().hex

            def send():
                body = {"hop": 1, "hops": HOPS, "user_id": tokens["user"]["user_id"], "run": run}
                publisher.publish(f"projects/{settings.project_id}/topics/hops", json.dumps(body).encode()).result(30)
                return run
            return asyncio.run(_until_final_report(relay, ticket(), send, lambda r: r))

        agent_run()  # warm every function once: cold starts are measured by `cold_start`
        bare_chain()
        yield compare("question → final_report (agents), s", agent_run, f"bare chain of {HOPS} push hops, s", bare_chain, repeat)
    folder.cleanup()
