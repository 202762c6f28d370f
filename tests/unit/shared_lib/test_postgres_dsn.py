import ssl

import pytest

from shared_lib.clients.postgres import connect_args
from shared_lib.config import ConfigError


def test_tcp_dsn_with_credentials():
    args = connect_args("postgresql://netra:p%40ss@db.internal:6432/app")
    assert args == {"user": "netra", "password": "p@ss", "database": "app", "host": "db.internal", "port": 6432}


def test_unix_socket_drops_every_ssl_parameter():
    args = connect_args("postgresql://postgres:@/postgres?host=/tmp/pg&sslmode=require&ssl=true")
    assert args == {"user": "postgres", "database": "postgres", "unix_sock": "/tmp/pg/.s.PGSQL.5432"}


def test_database_defaults_to_the_user_and_host_to_loopback():
    assert connect_args("postgres://alice@") == {
        "user": "alice",
        "database": "alice",
        "host": "127.0.0.1",
        "port": 5432,
    }


@pytest.mark.parametrize("query", ["", "?sslmode=disable", "?sslmode=prefer", "?ssl=false"])
def test_modes_that_accept_plain_text_use_no_ssl(query):
    assert "ssl_context" not in connect_args(f"postgresql://u@h/d{query}")


@pytest.mark.parametrize("query", ["?sslmode=require", "?ssl=true", "?ssl=1"])
def test_require_encrypts_without_verifying(query):
    context = connect_args(f"postgresql://u@h/d{query}")["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_NONE and not context.check_hostname


def test_verify_full_checks_the_certificate_and_host():
    context = connect_args("postgresql://u@h/d?sslmode=verify-full")["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_verify_ca_checks_the_certificate_only():
    context = connect_args("postgresql://u@h/d?ssl=true&sslmode=verify-ca")["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED and not context.check_hostname


@pytest.mark.parametrize(
    ("dsn", "expected"),
    [
        ("mysql://u@h/d", "scheme must be one of"),
        ("postgresql://u@h/d?sslmode=sometimes", "sslmode must be one of"),
        ("postgresql://u@h/d?ssl=maybe", "ssl must be true or false"),
        ("postgresql://u@h/d?ssl=false&sslmode=require", "conflicting ssl=false and sslmode=require"),
        ("postgresql://u@h/d?pool=5", "unsupported parameters: pool"),
    ],
)
def test_unclear_dsns_are_refused(dsn, expected):
    with pytest.raises(ConfigError, match=expected):
        connect_args(dsn)


def test_application_name_and_timeout_are_passed_on():
    args = connect_args("postgresql://u@h/d?application_name=auth&connect_timeout=7")
    assert args["application_name"] == "auth" and args["timeout"] == 7
