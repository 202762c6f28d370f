"""Run overhead per kind of answer: a question posted to chat until its `final_report` reaches
the user's socket (the whole agent chain, the LLM emulator at zero latency, demo usage to
analyse), against a bare chain of the same number of Pub/Sub push hops ending in one client
event at the same relay, measured in the same run on the same platform.

Each question is asked once first to learn the kind it was answered as and the steps its
run took: chat → supervisor, then supervisor → step → supervisor per step, so a run of s
steps makes 1 + 2s push hops (a plan 11, a breakdown 7). The kind is the report's own: a
question the understanding does not classify as intended is measured as what it became.

Each measurement opens the socket as the web app does, saying where it stands (`ping`) at
once: a silent socket's live events wait for the relay's resume grace (2 s), which made
every row here 2.00 s whatever the run took. `delivery_median_s` is what the relay adds
after the report reached its stream.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]
# One question per kind, worded as users ask (the kind is decided by the understanding step).
QUESTIONS = {
    "plan": "How can we cut our LLM costs by 30%?",
    "breakdown": "Where does our spend go?",
    "change": "What happened to our spend last week?",
    "what_if": "What if we only do the top two recommendations?",
    "latency": "Why is our time to first token so slow?",
    "forecast": "What will we spend by the end of the month?",
    "overview": "Hi, what can you do?",
}


def _bench_topology(folder: Path) -> Path:
    """The real topology plus a `hops` topic pushed to a bare `hop` function."""
    topology = yaml.safe_load((ROOT / "shared_lib" / "shared_lib" / "topology.yaml").read_text())
    topology["topics"]["hops"] = {"description": "Bench only: a bare chain of push hops."}
    topology["subscriptions"]["hops-push"] = {
        "topic": "hops",
        "push": {"function": "hop"},
        "ack_deadline_seconds": 30,
        "retry_policy": {"minimum_backoff_seconds": 1, "maximum_backoff_seconds": 10},
    }
    topology["functions"]["hop"] = {
        "component": "hop",
        "entry_point": "hop",
        "trigger": "pubsub",
        "publishes": ["hops", "client-events"],
    }
    path = folder / "topology.yaml"
    path.write_text(yaml.safe_dump(topology))
    return path


async def _until_final_report(relay: str, ticket: str, start, run_of, delivery: list[float]) -> float:
    """Seconds from `start()` to the run's `final_report` on a socket opened as the web app
    opens it; appends to `delivery` how long the report took from the relay's stream (its
    event id is the XADD time) to this client."""
    from websockets.asyncio.client import connect

    async with connect(f"{relay.replace('http://', 'ws://')}/ws?ticket={ticket}", origin=relay) as socket:
        json.loads(await socket.recv())  # connection_established
        # The web app says where it stands on open (`ping`, or `resume` with its last event);
        # until a socket does, the relay holds live events (up to its resume grace, 2 s) so
        # that a replay is never overtaken. A silent socket would time that grace, not the run.
        await socket.send(json.dumps({"type": "ping"}))
        while json.loads(await asyncio.wait_for(socket.recv(), 30))["type"] != "pong":
            pass
        started = time.perf_counter()
        run_id = await asyncio.to_thread(start)
        while True:
            event = json.loads(await asyncio.wait_for(socket.recv(), 120))
            if event["type"] == "final_report" and event.get("run_id") == run_of(run_id):
                elapsed = time.perf_counter() - started
                delivery.append(time.time() - int(event["event_id"].split("-")[0]) / 1000)
                return elapsed


def _span(run: dict) -> float:
    from datetime import datetime

    return (datetime.fromisoformat(run["updated_at"]) - datetime.fromisoformat(run["created_at"])).total_seconds()


def hops_of(steps: list) -> int:
    return 1 + 2 * len(steps)


def benchmarks(repeat: int):
    from bench.harness import compare
    from bench.running_platform import RunningPlatform
    from emulators.demo import DemoOptions, seed_demo
    from shared_lib.clients.pubsub import publisher_client

    folder = tempfile.TemporaryDirectory()
    topology = _bench_topology(Path(folder.name))
    dirs = f"{ROOT / 'bench' / 'fixtures' / 'hops'}:{ROOT / 'functions'}"
    with (
        RunningPlatform(NETRA_TOPOLOGY=str(topology), NETRA_FUNCTIONS_DIRS=dirs) as platform,
        httpx.Client(timeout=60) as http,
    ):
        email = f"overhead-{uuid.uuid4().hex[:8]}@example.com"
        seed_demo(
            platform.url,
            DemoOptions(Path(folder.name) / "key.json", email=email, days=14, calls_per_day=300),
            say=lambda _: None,
        )
        tokens = http.post(f"{platform.url('auth')}/auth/dev/login", json={"email": email}).json()
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        chat, relay = platform.url("chat"), platform.url("relay")
        thread = http.post(f"{chat}/api/threads", json={}, headers=headers).json()["thread_id"]
        settings = platform.settings()
        publisher = publisher_client(settings)

        def ticket() -> str:
            return http.post(f"{chat}/api/ws-ticket", headers=headers).json()["ticket"]

        def ask(question: str) -> tuple[float, str]:
            """(seconds to the final report, run id)."""
            posted = {}

            def post():
                answer = http.post(f"{chat}/api/threads/{thread}/messages", json={"text": question}, headers=headers)
                answer.raise_for_status()
                posted["run_id"] = answer.json()["run_id"]
                return posted["run_id"]

            return asyncio.run(_until_final_report(relay, ticket(), post, lambda run_id: run_id, delivery)), posted[
                "run_id"
            ]

        def bare_chain(hops: int) -> float:
            run = uuid.uuid4().hex

            def send():
                body = {"hop": 1, "hops": hops, "user_id": tokens["user"]["user_id"], "run": run}
                publisher.publish(f"projects/{settings.project_id}/topics/hops", json.dumps(body).encode()).result(30)
                return run

            return asyncio.run(_until_final_report(relay, ticket(), send, lambda r: r, delivery))

        delivery: list[float] = []  # stream → socket of each final report, both sides
        bare_chain(3)  # warm the hop function once: cold starts are measured by `cold_start`
        for intended, question in QUESTIONS.items():
            _, run_id = ask(question)  # warms the agents this kind uses, and says what it became
            run = http.get(f"{chat}/api/runs/{run_id}", headers=headers).json()
            kind, hops = (run.get("result") or {}).get("kind", "?"), hops_of(run.get("steps") or [])
            label = kind if kind == intended else f"{kind} (asked {intended})"
            asked: list[str] = []
            delivery.clear()

            def measured() -> float:
                seconds, run_id = ask(question)
                asked.append(run_id)
                return seconds

            result = compare(
                f"{label}: {hops} hops, s",
                measured,
                f"bare chain of {hops} push hops, s",
                lambda: bare_chain(hops),
                repeat,
            )
            # The run's own span (created → completed, from the run document), without the
            # delivery to the socket that both sides of the comparison pay.
            spans = [_span(http.get(f"{chat}/api/runs/{r}", headers=headers).json()) for r in asked]
            print(
                "RUN_OVERHEAD_KIND "
                + json.dumps(
                    {
                        "intended_kind": intended,
                        "kind": kind,
                        "question": question,
                        "hops": hops,
                        "steps": [s["name"] for s in run.get("steps") or []],
                        "run_span_median_s": round(statistics.median(spans), 3) if spans else None,
                        # What the relay adds after the report reached it (clocks of one machine).
                        "delivery_median_s": round(statistics.median(delivery), 4) if delivery else None,
                    }
                ),
                file=sys.stderr,
                flush=True,
            )  # `python -m bench` keeps only its children's BENCH_JSON stdout
            yield result
    folder.cleanup()
