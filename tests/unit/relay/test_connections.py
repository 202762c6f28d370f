"""Per-socket delivery logic: order and once-only by event id, overflow, client rate."""

from __future__ import annotations

import asyncio
import json

from netra_relay.connections import RESUME_CODE, Connection, TokenBucket, outgoing


class RecordingSocket:
    def __init__(self):
        self.closed_with = None

    async def close(self, code, message=b""):
        self.closed_with = code


def event(n: int):
    return outgoing({"type": "agent_thinking", "event_id": f"1000-{n}", "payload": {"n": n}})


def drain(connection: Connection) -> list[int]:
    out = []
    while not connection.queue.empty():
        out.append(json.loads(connection.queue.get_nowait())["payload"]["n"])
    return out


def test_live_events_wait_until_the_client_says_where_it_stands():
    connection = Connection(RecordingSocket(), "u", 10)
    connection.offer(event(1))
    assert drain(connection) == []
    connection.release()
    assert drain(connection) == [1]


def test_a_resume_sends_the_replay_then_held_live_events_each_once_in_order():
    async def scenario():
        connection = Connection(RecordingSocket(), "u", 100)
        for n in (4, 5, 6):  # live events arriving while the replay is fetched
            connection.offer(event(n))
        await connection.resume([event(n) for n in (2, 3, 4, 5)])
        connection.offer(event(5))  # a late duplicate
        connection.offer(event(7))
        return drain(connection)

    assert asyncio.run(scenario()) == [2, 3, 4, 5, 6, 7]


def test_a_full_queue_closes_the_socket_with_the_resume_code():
    async def scenario():
        socket = RecordingSocket()
        connection = Connection(socket, "u", 2)
        connection.release()
        for n in range(1, 4):
            connection.offer(event(n))
        await asyncio.sleep(0)
        return socket.closed_with, connection.closing

    assert asyncio.run(scenario()) == (RESUME_CODE, True)


def test_the_client_rate_refills_over_time():
    now = [0.0]
    bucket = TokenBucket(3, 3.0, clock=lambda: now[0])
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    now[0] = 1.0
    assert bucket.take() and not bucket.take()
