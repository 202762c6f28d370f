"""The WebSocket ticket: chat issues it, the relay redeems it once. Both sides read the
key and lifetime from here so they cannot drift apart."""

from __future__ import annotations

# A ticket lives this long in Redis; the relay deletes it when redeemed (single use).
TTL_SECONDS = 60


def key(ticket: str) -> str:
    """The Redis key holding a ticket's claims."""
    return f"ws-ticket:{ticket}"
