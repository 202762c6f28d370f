"""Who an endpoint admits, as data its route table can hold. Kept apart from shared_lib.auth
(the verification itself) so that a function's route table loads at cold start without it."""

from __future__ import annotations

from typing import NamedTuple


class Access(NamedTuple):
    """A user's access token always; an org API key or a delegated token only where the
    endpoint opts in, and then only one that holds `scope` (when named)."""

    api_key: bool = False
    delegated: bool = False
    scope: str | None = None
    # What the scope lets a key or token do, for the refusal: "read usage".
    scope_allows: str = ""


# A signed-in user's access token, nothing else.
USER = Access()
