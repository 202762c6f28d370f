"""The one HTTP client a component builds: httpx, pooled, and a read sent again once when
the connection it went out on was dropped.

Our functions serve under gunicorn, which closes a keep-alive connection after 2 s idle.
A request that leaves on a pooled connection just as the server closes it is reset
(ECONNRESET) or answered by nothing, although the server never saw it: browsers send such
a request again, httpx does not. Only methods that are safe to repeat are sent again, and
only once; a POST's failure stays the caller's to handle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # httpx costs ~0.1 s of import: paid in the call below
    import httpx

REPEATABLE = frozenset({"GET", "HEAD", "OPTIONS"})
# What httpx.Client hands its own transport, and leaves unused when given one: ours takes them.
_TRANSPORT_OPTIONS = ("verify", "cert", "trust_env", "http1", "http2", "limits")


def http_client(**options: Any) -> httpx.Client:
    """An httpx.Client (same options) whose idempotent requests survive a dropped keep-alive.
    Environment proxies are not mounted: our components call each other and Google directly."""
    import httpx

    class SendsReadsAgain(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            try:
                return super().handle_request(request)
            except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError):
                if request.method not in REPEATABLE:
                    raise
                return super().handle_request(request)

    transport = SendsReadsAgain(**{name: options.pop(name) for name in _TRANSPORT_OPTIONS if name in options})
    return httpx.Client(transport=transport, **options)
