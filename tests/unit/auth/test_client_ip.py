"""Which address a rate limit counts: only what a trusted proxy wrote, never the client."""

import pytest
from werkzeug.datastructures import Headers
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from shared_lib.config import load_settings
from shared_lib.http import client_ip


def request(*forwarded: str, peer: str = "203.0.113.9") -> Request:
    headers = Headers([("X-Forwarded-For", value) for value in forwarded])
    return Request(EnvironBuilder(headers=headers, environ_base={"REMOTE_ADDR": peer}).get_environ())


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (0, ("6.6.6.6",), "203.0.113.9"),  # no proxy trusted: the header is the client's own
        (0, (), "203.0.113.9"),
        (1, ("6.6.6.6, 198.51.100.4",), "198.51.100.4"),
        (1, ("198.51.100.4",), "198.51.100.4"),
        (2, ("6.6.6.6, 5.5.5.5, 198.51.100.4, 130.211.0.7",), "198.51.100.4"),
        (2, ("6.6.6.6, 198.51.100.4", "130.211.0.7"), "198.51.100.4"),  # a proxy that adds its own line
        (2, ("198.51.100.4",), "203.0.113.9"),  # shorter than the proxy chain: it did not come through it
        (1, (), "203.0.113.9"),
        (1, ("6.6.6.6, ",), "203.0.113.9"),  # the proxy's entry is empty: nothing to trust
    ],
)
def test_the_client_is_the_nth_entry_from_the_right(hops, forwarded, expected):
    assert client_ip(request(*forwarded), hops) == expected


def test_the_hop_count_is_configuration_with_a_local_default_of_zero():
    assert load_settings({}).trusted_proxy_hops == 0
    settings = load_settings({"TRUSTED_PROXY_HOPS": "1"})
    assert settings.trusted_proxy_hops == 1 and settings.sources["trusted_proxy_hops"] == "env:TRUSTED_PROXY_HOPS"
    from shared_lib.config import ConfigError

    with pytest.raises(ConfigError, match="TRUSTED_PROXY_HOPS must be an integer from 0 to 10"):
        load_settings({"TRUSTED_PROXY_HOPS": "-1"})
