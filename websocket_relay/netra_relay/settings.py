"""The relay's settings, read once with the shared EnvReader (sources known)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from shared_lib.config import EnvReader, Settings


@dataclasses.dataclass(frozen=True)
class RelaySettings:
    port: int
    allowed_origins: tuple[str, ...]
    push_service_account: str | None  # GCP: Pub/Sub's OIDC identity; else a shared token
    push_audience: str | None  # the audience Pub/Sub's OIDC token must carry
    chat_url: str | None
    max_frame_bytes: int
    send_queue: int
    stream_length: int
    heartbeat_seconds: int
    messages_per_window: int
    window_seconds: int
    max_sockets_per_user: int  # across instances; the next one is closed with TOO_MANY_SOCKETS
    resume_grace_seconds: int  # a silent new socket's live events are held this long (see app._serve)
    sweep_seconds: int  # every socket's stream is re-read this often, whatever Redis pub/sub lost
    sources: Mapping[str, str] = dataclasses.field(compare=False, repr=False)


def load_relay_settings(shared: Settings, environ: Mapping[str, str] | None = None) -> RelaySettings:
    read = EnvReader(environ)
    origins = read.items("allowed_origins", ("RELAY_ALLOWED_ORIGINS",))
    if not origins:
        read.problems.append("RELAY_ALLOWED_ORIGINS must list the web chat's origin(s)")
    account = read.text("push_service_account", ("RELAY_PUSH_SERVICE_ACCOUNT",))
    audience = read.text("push_audience", ("RELAY_PUSH_AUDIENCE",))
    if account and not audience:
        read.problems.append("RELAY_PUSH_AUDIENCE is required with RELAY_PUSH_SERVICE_ACCOUNT (the OIDC audience)")
    if not account and not shared.is_local:
        read.problems.append(
            "RELAY_PUSH_SERVICE_ACCOUNT is required outside local and test: pushes must carry Pub/Sub's OIDC token"
        )
    values = dict(
        port=read.integer("port", ("PORT",), 8080, 1, 65535),
        allowed_origins=origins,
        push_service_account=account,
        push_audience=audience,
        chat_url=read.text("chat_url", ("CHAT_URL",)),
        max_frame_bytes=read.integer("max_frame_bytes", ("RELAY_MAX_FRAME_BYTES",), 64 * 1024, 1024, 1024 * 1024),
        send_queue=read.integer("send_queue", ("RELAY_SEND_QUEUE",), 512, 8, 100000),
        stream_length=read.integer("stream_length", ("RELAY_STREAM_LENGTH",), 1000, 10, 1_000_000),
        heartbeat_seconds=read.integer("heartbeat_seconds", ("RELAY_HEARTBEAT_SECONDS",), 25, 1, 600),
        messages_per_window=read.integer("messages_per_window", ("RELAY_CLIENT_MESSAGES_PER_WINDOW",), 30, 1, 10000),
        window_seconds=read.integer("window_seconds", ("RELAY_CLIENT_WINDOW_SECONDS",), 10, 1, 3600),
        max_sockets_per_user=read.integer("max_sockets_per_user", ("RELAY_MAX_SOCKETS_PER_USER",), 20, 1, 100_000),
        resume_grace_seconds=read.integer("resume_grace_seconds", ("RELAY_RESUME_GRACE_SECONDS",), 2, 1, 3600),
        sweep_seconds=read.integer("sweep_seconds", ("RELAY_SWEEP_SECONDS",), 5, 1, 3600),
    )
    read.check()
    return RelaySettings(**values, sources=read.sources)
