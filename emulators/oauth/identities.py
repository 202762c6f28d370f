"""The test people the OAuth emulator can sign in, as each provider would describe them."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class TestIdentity:
    email: str
    name: str
    google_sub: str | None  # None: has no Google account
    github_id: int | None  # None: has no GitHub account
    github_login: str | None
    email_verified: bool = True


IDENTITIES = (
    TestIdentity("alice@example.com", "Alice Example", "100000000000000000001", 1001, "alice"),
    TestIdentity("bob@example.com", "Bob Example", "100000000000000000002", None, None),
    TestIdentity("dave@example.com", "Dave Example", None, 1004, "dave"),
    # Carol's GitHub email is unverified: signing in with it must be refused.
    TestIdentity("carol@example.com", "Carol Unverified", None, 1003, "carol", email_verified=False),
)


def for_provider(provider: str) -> list[TestIdentity]:
    if provider == "google":
        return [i for i in IDENTITIES if i.google_sub]
    return [i for i in IDENTITIES if i.github_id]


def find(provider: str, hint: str | None) -> TestIdentity | None:
    if not hint:
        return None
    for identity in for_provider(provider):
        if hint.lower() in (identity.email, (identity.github_login or "").lower()):
            return identity
    return None
