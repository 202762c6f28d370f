"""The relay and chat intake, on a platform started for the run.

- fan-out: deliveries per second to 1,000 local sockets through the whole relay path
  (Pub/Sub-style push -> Redis stream + channel -> socket), against a bare `websockets`
  server broadcasting the same messages to 1,000 sockets.
- intake: `POST /api/threads/{id}/messages` per request, against chat's `/health`.
- intake -> first event: from the POST to the `message_created` event at the user's
  socket (through Pub/Sub and the relay), p50 and p95, against a push straight to the relay.
"""

from __future__ import annotations

import asyncio
import base64
import json
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

SOCKETS = 1000
EVENTS = 40
LATENCY_SAMPLES = 30
BARE = Path(__file__).with_name("fixtures") / "bare_broadcast.py"


def _payload(n: int) -> dict:
    return {"agent": "optimization", "text": f"step {n}: pricing the cached prefixes of feature checkout-assistant"}


async def _count(sockets, expected: int, started_event: asyncio.Event) -> float:
    received = 0
    done = asyncio.Event()

    async def reader(socket):
        nonlocal received
        async for message in socket:
            if '"agent_thinking"' in message or '"step ' in message:
                received += 1
                if received >= expected:
                    done.set()

    tasks = [asyncio.create_task(reader(s)) for s in sockets]
    await started_event.wait()
    start = time.perf_counter()
    try:
        await asyncio.wait_for(done.wait(), timeout=120)
    except TimeoutError:
        closed = sum(1 for s in sockets if s.close_code is not None)
        raise RuntimeError(
            f"received {received} of {expected} deliveries; {closed} sockets closed "
            f"({sorted({s.close_code for s in sockets if s.close_code})})"
        ) from None
    elapsed = time.perf_counter() - start
    for task in tasks:
        task.cancel()
    return elapsed


async def _relay_fanout(relay_url: str, chat_url: str, headers: dict, push_token: str, user_id: str) -> float:
    from websockets.asyncio.client import connect

    from shared_lib.events import ClientEvent

    async with httpx.AsyncClient(timeout=30) as client:
        gate = asyncio.Semaphore(50)  # set-up traffic is not what is measured: keep it gentle

        async def new_ticket() -> str:
            for attempt in range(3):  # a keep-alive connection the server just closed: retry
                try:
                    return (await client.post(f"{chat_url}/api/ws-ticket", headers=headers)).json()["ticket"]
                except httpx.TransportError:
                    if attempt == 2:
                        raise
            raise AssertionError("unreachable")

        async def open_socket():
            async with gate:
                ticket = await new_ticket()
                return await connect(
                    f"{relay_url.replace('http://', 'ws://')}/ws?ticket={ticket}", origin=relay_url, max_queue=None
                )

        sockets = await asyncio.gather(*(open_socket() for _ in range(SOCKETS)))
        for socket in sockets:
            await socket.send('{"type":"ping"}')
        for socket in sockets:  # drain connection_established and pong
            for _ in range(2):
                await socket.recv()
        go = asyncio.Event()
        counting = asyncio.create_task(_count(sockets, SOCKETS * EVENTS, go))
        go.set()
        limit = asyncio.Semaphore(16)

        async def push(n: int):
            event = ClientEvent(user_id, "agent_thinking", _payload(n), thread_id="bench", run_id="bench")
            body = {
                "message": {
                    "data": base64.b64encode(event.to_message()).decode(),
                    "messageId": uuid.uuid4().hex,
                    "publishTime": "2026-11-25T00:00:00Z",
                    "attributes": {},
                },
                "subscription": "bench",
            }
            async with limit:
                response = await client.post(f"{relay_url}/pubsub/push", params={"token": push_token}, json=body)
                response.raise_for_status()

        await asyncio.gather(*(push(n) for n in range(EVENTS)))
        elapsed = await counting
        await asyncio.gather(*(s.close() for s in sockets))
    return SOCKETS * EVENTS / elapsed


async def _bare_fanout(port: int) -> float:
    from websockets.asyncio.client import connect

    url = f"ws://127.0.0.1:{port}"
    gate = asyncio.Semaphore(50)

    async def open_socket():
        async with gate:
            return await connect(url, max_queue=None)

    sockets = await asyncio.gather(*(open_socket() for _ in range(SOCKETS)))
    for socket in sockets:
        await socket.send('{"hello": 1}')
    await asyncio.sleep(0.5)
    go = asyncio.Event()
    counting = asyncio.create_task(_count(sockets, SOCKETS * EVENTS, go))
    async with connect(url) as control:
        go.set()
        await control.send(
            json.dumps({"control": EVENTS, "payload": {"type": "agent_thinking", "payload": _payload(0)}})
        )
        await control.recv()
    elapsed = await counting
    await asyncio.gather(*(s.close() for s in sockets))
    return SOCKETS * EVENTS / elapsed


def benchmarks(repeat: int):
    from bench.harness import compare
    from bench.running_platform import RunningPlatform
    from emulators.platform.processes import free_port, port_open, stop_group

    # One user holds every socket here: lift the per-user cap (20 by default) above them.
    with RunningPlatform(RELAY_MAX_SOCKETS_PER_USER=str(SOCKETS + 10)) as platform, httpx.Client(timeout=30) as client:
        auth, chat, relay = platform.url("auth"), platform.url("chat"), platform.url("relay")
        tokens = client.post(f"{auth}/auth/dev/login", json={"email": "bench-relay@example.com"}).json()
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        user_id = tokens["user"]["user_id"]
        push_token = platform.secret("relay-push-token")

        port = free_port()
        bare = subprocess.Popen([sys.executable, str(BARE), str(port)], start_new_session=True)
        try:
            while not port_open("127.0.0.1", port):
                time.sleep(0.05)
            # Reported as seconds per delivery so that lower is better, like every entry.
            yield compare(
                f"relay fan-out, s/delivery ({SOCKETS} sockets)",
                lambda: 1 / asyncio.run(_relay_fanout(relay, chat, headers, push_token, user_id)),
                "bare websockets.broadcast, s/delivery",
                lambda: 1 / asyncio.run(_bare_fanout(port)),
                repeat,
            )
        finally:
            stop_group(bare.pid, timeout=5)
            bare.wait(timeout=5)

        thread = client.post(f"{chat}/api/threads", json={"title": "bench"}, headers=headers).json()["thread_id"]

        def intake() -> float:
            started = time.perf_counter()
            for n in range(50):
                client.post(
                    f"{chat}/api/threads/{thread}/messages", json={"text": f"question {n}"}, headers=headers
                ).raise_for_status()
            return (time.perf_counter() - started) / 50

        def health() -> float:
            started = time.perf_counter()
            for _ in range(50):
                client.get(f"{chat}/health").raise_for_status()
            return (time.perf_counter() - started) / 50

        yield compare("message intake, s/request", intake, "chat /health, s/request", health, repeat)

        latencies = asyncio.run(_first_event_latencies(relay, chat, headers, push_token, user_id, thread))
        direct = latencies.pop("direct")
        through = latencies.pop("intake")
        from bench.harness import Result

        yield Result(
            "intake -> first event, p50",
            "push straight to the relay, p50",
            [statistics.median(through)],
            [statistics.median(direct)],
        )
        yield Result("intake -> first event, p95", "push straight to the relay, p95", [_p95(through)], [_p95(direct)])


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


async def _first_event_latencies(relay, chat, headers, push_token, user_id, thread) -> dict[str, list[float]]:
    from websockets.asyncio.client import connect

    from shared_lib.events import ClientEvent

    out = {"intake": [], "direct": []}
    async with httpx.AsyncClient(timeout=30) as client:
        ticket = (await client.post(f"{chat}/api/ws-ticket", headers=headers)).json()["ticket"]
        async with connect(f"{relay.replace('http://', 'ws://')}/ws?ticket={ticket}", origin=relay) as socket:
            await socket.send('{"type":"ping"}')
            await socket.recv(), await socket.recv()

            async def wait_for(predicate):
                while True:
                    message = json.loads(await socket.recv())
                    if predicate(message):
                        return

            for n in range(LATENCY_SAMPLES):
                started = time.perf_counter()
                answer = await client.post(
                    f"{chat}/api/threads/{thread}/messages", json={"text": f"latency {n}"}, headers=headers
                )
                run_id = answer.json()["run_id"]
                await asyncio.wait_for(
                    wait_for(lambda m: m["type"] == "message_created" and m.get("run_id") == run_id), 30
                )
                out["intake"].append(time.perf_counter() - started)

                marker = uuid.uuid4().hex
                event = ClientEvent(user_id, "agent_thinking", {"marker": marker})
                body = {
                    "message": {
                        "data": base64.b64encode(event.to_message()).decode(),
                        "messageId": marker,
                        "publishTime": "2026-11-25T00:00:00Z",
                    },
                    "subscription": "bench",
                }
                started = time.perf_counter()
                await client.post(f"{relay}/pubsub/push", params={"token": push_token}, json=body)
                await asyncio.wait_for(wait_for(lambda m: m.get("payload", {}).get("marker") == marker), 30)
                out["direct"].append(time.perf_counter() - started)
    return out
