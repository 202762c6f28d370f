"""The budget of refused validations at `/auth/validate`: what stops guessing and floods of
unknown credentials without ever slowing down the credentials that work.

Only refusals spend it (an unknown API key, a forged or expired token), so a component or a
client validating good credentials is never counted, at any volume; and a credential already
known good (cached) is answered before the budget is looked at.

Who spends it: our own components call `/auth/validate` for the API keys their clients
present (shared_lib.auth), so every one of those clients arrives from the component's
address. Counted by address alone, one stranger sending bad keys to intake would spend the
budget of every client of intake. A caller therefore names the client it validates for
(`client_ip`), and each (caller, client) has its own budget. Anyone may name any client, so
naming clients must not lift the bound: each caller also has a ceiling over all the clients
it names. A client's address is only ever counted under the caller that named it, so naming
a victim's address spends nothing of the victim's own budget.
"""

from __future__ import annotations

from shared_lib.errors import RateLimited
from shared_lib.ratelimit import RateLimiter


class MissBudget:
    def __init__(self, per_client: RateLimiter, per_caller: RateLimiter):
        self._per_client = per_client
        self._per_caller = per_caller

    def check(self, caller: str, client: str | None) -> None:
        """Raises RateLimited when this client or its caller has no refusal left this window:
        checked before any lookup, so an exhausted budget costs the database nothing."""
        for limiter, subject in self._subjects(caller, client):
            standing = limiter.standing(subject)
            if not standing.allowed:
                raise RateLimited(
                    "rate_limited",
                    f"too many refused validations; retry in {standing.retry_after} s",
                    standing.retry_after,
                )

    def spend(self, caller: str, client: str | None) -> None:
        """One refusal for this client and its caller."""
        for limiter, subject in self._subjects(caller, client):
            limiter.hit(subject)

    def _subjects(self, caller: str, client: str | None):
        return ((self._per_client, f"{caller}/{client or caller}"), (self._per_caller, caller))
