"""The run's delegated token: the user's read-only access to their own usage, which chat
obtained from auth and sent with the request (contracts.agents.AgentRequest).

The supervisor keeps it in Redis when the run starts and forgets it when the run ends; the
steps that read usage through analytics (triage, data) take it from here. It is never
written to Firestore.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the client is built in bootstrap; importing redis costs ~0.2 s of cold start
    from redis import Redis

KEY = "run-credential:{run_id}"


class RunCredentials:
    def __init__(self, redis: Redis):
        self._redis = redis

    def keep(self, run_id: str, token: str, seconds: int) -> None:
        self._redis.set(KEY.format(run_id=run_id), token, ex=seconds)

    def token(self, run_id: str) -> str | None:
        token = self._redis.get(KEY.format(run_id=run_id))
        if not token:
            return None
        return token.decode() if isinstance(token, bytes) else token

    def forget(self, run_id: str) -> None:
        self._redis.delete(KEY.format(run_id=run_id))
