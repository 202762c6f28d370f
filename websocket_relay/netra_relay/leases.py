"""The per-user socket cap, counted across every relay instance in Redis.

Each open socket holds a lease: a member of the user's sorted set, scored by when the
lease ends. The instance holding the socket renews it on every heartbeat and drops it
when the socket ends, so a crashed instance's sockets stop counting within one lease.
"""

from __future__ import annotations

import time


def leases_key(user_id: str) -> str:
    return f"relay:sockets:{user_id}"


class SocketLeases:
    def __init__(self, redis, cap: int, lease_seconds: float, clock=time.time):
        self._redis = redis  # redis.asyncio client
        self._cap = cap
        self._lease = lease_seconds
        self._clock = clock

    async def take(self, user_id: str, socket_id: str) -> bool:
        """Count the socket in; False (and nothing held) when the user is at the cap."""
        key, now = leases_key(user_id), self._clock()
        # One transaction: concurrent sockets are counted in some order, and only those
        # past the cap are refused.
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(key, "-inf", now)
            pipe.zadd(key, {socket_id: now + self._lease})
            pipe.zcard(key)
            pipe.expire(key, int(self._lease) + 1)
            _, _, held, _ = await pipe.execute()
        if held > self._cap:
            await self._redis.zrem(key, socket_id)
            return False
        return True

    async def drop(self, user_id: str, socket_id: str) -> None:
        await self._redis.zrem(leases_key(user_id), socket_id)

    async def renew(self, held: list[tuple[str, str]]) -> None:
        """Extend the leases of the sockets this instance still holds: (user_id, socket_id)."""
        if not held:
            return
        until = self._clock() + self._lease
        async with self._redis.pipeline(transaction=False) as pipe:
            for user_id, socket_id in held:
                pipe.zadd(leases_key(user_id), {socket_id: until}, xx=True)
                pipe.expire(leases_key(user_id), int(self._lease) + 1)
            await pipe.execute()
