"""Ending a session's sockets when it is revoked (logout, a reused refresh token).

Auth publishes every revocation on `REVOCATION_CHANNEL`; each relay instance listens and
closes the sockets it holds for that session. A revocation published while this instance
was not subscribed (a Redis hiccup) is caught on resubscribing: every session held is
checked against the revocation list on every (re)subscription.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable

from shared_lib import safejson
from shared_lib.auth import REVOCATION_CHANNEL

log = logging.getLogger("netra.relay")


class RevocationWatch:
    def __init__(
        self,
        redis,
        is_revoked: Callable[[str], Awaitable[bool]],
        held_sessions: Callable[[], Iterable[str]],
        end_session: Callable[[str], Awaitable[None]],
    ):
        self._redis = redis  # redis.asyncio client
        self._is_revoked = is_revoked
        self._held_sessions = held_sessions
        self._end_session = end_session
        self._task: asyncio.Task | None = None
        self._ending: set[asyncio.Task] = set()

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._listen())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _listen(self) -> None:
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.subscribe(REVOCATION_CHANNEL)
                # Sockets may have opened before we listened (start-up, a lost subscription).
                await self._recheck()
                async for item in pubsub.listen():
                    if item.get("type") == "message":
                        session_id = _session_of(item["data"])
                        if session_id:
                            self._end(session_id)
            except asyncio.CancelledError:
                await pubsub.aclose()
                raise
            except Exception:  # noqa: BLE001 - a Redis hiccup must not end the watch for good
                log.warning("revocation subscription lost; resubscribing", exc_info=True)
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                await asyncio.sleep(0.5)

    async def _recheck(self) -> None:
        for session_id in set(self._held_sessions()):
            if await self._is_revoked(session_id):
                self._end(session_id)

    def _end(self, session_id: str) -> None:
        # Closing waits for each client's reply: never hold up the next revocation for it.
        task = asyncio.get_running_loop().create_task(self._end_session(session_id))
        self._ending.add(task)
        task.add_done_callback(self._ending.discard)


def _session_of(data) -> str | None:
    try:
        message = safejson.loads(data)
    except ValueError:
        message = None
    session_id = message.get("session_id") if isinstance(message, dict) else None
    if not isinstance(session_id, str) or not session_id:
        log.warning("a revocation message without a session id was ignored")
        return None
    return session_id
