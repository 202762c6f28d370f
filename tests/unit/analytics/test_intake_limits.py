"""Intake's limits per credential and per org, on real Redis with a clock the test moves: which
budget a request spends, what a refusal says, and that an API key is never a Redis key."""

from __future__ import annotations

import pytest

from shared_lib.auth import Principal
from shared_lib.config import ConfigError, load_settings
from shared_lib.errors import RateLimited

from netra_analytics.intake_limits import IntakeLimits
from netra_analytics.settings import load_analytics_settings


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


def limits(redis, clock, per_key: int = 3, per_org: int = 5, window: int = 10) -> IntakeLimits:
    environ = {
        "ANALYTICS_INTAKE_REQUESTS_PER_KEY": str(per_key),
        "ANALYTICS_INTAKE_REQUESTS_PER_ORG": str(per_org),
        "ANALYTICS_INTAKE_WINDOW_SECONDS": str(window),
    }
    return IntakeLimits.of(redis, load_analytics_settings(load_settings({}), environ), clock=clock)


def key(org: str) -> Principal:
    return Principal("api_key", org, None, ("usage:write",), None)


def user(org: str, user_id: str) -> Principal:
    return Principal("user", org, user_id, (), None)


def headers(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def refusal(check) -> RateLimited:
    with pytest.raises(RateLimited) as refused:
        check()
    return refused.value


def test_a_key_past_its_budget_is_refused_until_its_window_ends(redis, unique):
    clock = Clock(1_000_000_000.0 + 2)  # 2 s into a 10 s window
    intake = limits(redis, clock)
    org, token = f"org-{unique}", f"nk_{unique}_a"
    for _ in range(3):
        intake.check(key(org), headers(token))
    refused = refusal(lambda: intake.check(key(org), headers(token)))
    assert (refused.code, refused.retry_after) == ("rate_limited", 8)
    assert (
        refused.message == "too many usage requests from this API key; nothing of this one was accepted, retry in 8 s"
    )
    # Another key of the org still has its own budget; so does a signed-in user.
    intake.check(key(org), headers(f"nk_{unique}_b"))
    clock.now += 8
    intake.check(key(org), headers(token))  # a new window


def test_an_orgs_keys_together_are_held_to_the_orgs_budget(redis, unique):
    clock = Clock(2_000_000_000.0)
    intake = limits(redis, clock)
    org = f"org-{unique}"
    for n in range(5):
        intake.check(key(org), headers(f"nk_{unique}_{n}"))
    refused = refusal(lambda: intake.check(user(org, "u1"), headers("a-jwt")))
    assert refused.message.startswith("too many usage requests from this org;") and refused.retry_after == 10
    # Another org is not held by this one.
    intake.check(key(f"other-{unique}"), headers(f"nk_{unique}_0"))


def test_a_request_its_key_refuses_spends_nothing_of_the_orgs_budget(redis, unique):
    clock = Clock(3_000_000_000.0)
    intake = limits(redis, clock, per_key=2, per_org=4)
    org, runaway = f"org-{unique}", headers(f"nk_{unique}_runaway")
    for _ in range(2):
        intake.check(key(org), runaway)
    for _ in range(20):
        refusal(lambda: intake.check(key(org), runaway))
    # The org has spent 2 of 4: its other keys still send.
    intake.check(key(org), headers(f"nk_{unique}_x"))
    intake.check(key(org), headers(f"nk_{unique}_y"))
    assert refusal(lambda: intake.check(key(org), headers(f"nk_{unique}_z"))).message.startswith(
        "too many usage requests from this org"
    )


def test_users_are_counted_each_and_an_api_key_is_never_a_redis_key(redis, unique):
    clock = Clock(4_000_000_000.0)
    intake = limits(redis, clock, per_key=1, per_org=10)
    org, secret = f"org-{unique}", f"nk_{unique}_secret"
    intake.check(user(org, "ann"), headers("jwt-ann"))
    intake.check(user(org, "bob"), headers("jwt-bob"))
    assert refusal(lambda: intake.check(user(org, "ann"), headers("jwt-ann-again"))).message.startswith(
        "too many usage requests from this user"
    )
    intake.check(key(org), headers(secret))
    stored = [name.decode() for name in redis.scan_iter(f"rl:intake-*{unique}*")]
    assert stored and not any(secret in name for name in stored)
    assert not any(secret in name.decode() for name in redis.scan_iter("rl:intake-key:*"))


@pytest.mark.parametrize(
    ("environ", "problem"),
    [
        ({"ANALYTICS_INTAKE_REQUESTS_PER_KEY": "0"}, "ANALYTICS_INTAKE_REQUESTS_PER_KEY"),
        ({"ANALYTICS_INTAKE_WINDOW_SECONDS": "ten"}, "ANALYTICS_INTAKE_WINDOW_SECONDS"),
        (
            {"ANALYTICS_INTAKE_REQUESTS_PER_KEY": "50", "ANALYTICS_INTAKE_REQUESTS_PER_ORG": "10"},
            "ANALYTICS_INTAKE_REQUESTS_PER_ORG must be at least ANALYTICS_INTAKE_REQUESTS_PER_KEY",
        ),
    ],
)
def test_bad_limit_settings_stop_the_instance_named(environ, problem):
    with pytest.raises(ConfigError) as refused:
        load_analytics_settings(load_settings({}), environ)
    assert problem in str(refused.value)
