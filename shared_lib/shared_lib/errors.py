"""What a service refuses, said in the domain's words. Services raise these; the HTTP edge
(`shared_lib.http.refusal_response`) is the one place that turns each kind into a status.

`code` is stable and safe to show a caller; `message` says what to do about it.
"""

from __future__ import annotations


class Refused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class Invalid(Refused):
    """The request names something malformed or out of range."""


class Forbidden(Refused):
    """The caller is known but may not do this."""


class NotFound(Refused):
    """Nothing of the caller's has that name (another's is not found either)."""


class Conflict(Refused):
    """The request contradicts what is stored (an idempotency key reused elsewhere)."""


class RateLimited(Refused):
    """Too many requests; `retry_after` seconds until one is accepted again."""

    def __init__(self, code: str, message: str, retry_after: int):
        super().__init__(code, message)
        self.retry_after = retry_after


class UpstreamFailed(Refused):
    """A system we called (an OAuth provider) answered wrongly."""


class Unavailable(Refused):
    """A dependency (the queue, the token exchange) is down; retrying later may succeed."""
