import pytest

from shared_lib.config import ConfigError, load_settings

from netra_auth.settings import load_auth_settings


def test_dev_login_exists_only_in_local_and_test():
    for env, expected in (("local", True), ("test", True), ("staging", False), ("production", False)):
        shared = load_settings({"NETRA_ENV": env, "NETRA_PROJECT_ID": "p", "AUTH_URL": "https://auth.example"})
        assert load_auth_settings(shared, {}).dev_login is expected


def test_defaults_point_at_the_real_providers_and_fifteen_minute_tokens():
    settings = load_auth_settings(load_settings({"AUTH_URL": "http://127.0.0.1:9000"}), {})
    assert settings.access_ttl == 900
    assert settings.google_discovery_url == "https://accounts.google.com/.well-known/openid-configuration"
    assert settings.github_token_url == "https://github.com/login/oauth/access_token"
    assert settings.sources["access_ttl"] == "default"


def test_bad_values_are_all_reported():
    with pytest.raises(ConfigError) as caught:
        load_auth_settings(
            load_settings({}), {"AUTH_ACCESS_TTL_SECONDS": "5", "AUTH_REDIRECT_ALLOWLIST": "http://evil.example/cb"}
        )
    problems = "\n".join(caught.value.problems)
    assert "AUTH_PUBLIC_URL (or AUTH_URL) is required" in problems
    assert "AUTH_ACCESS_TTL_SECONDS must be an integer from 60 to 86400" in problems
    assert "must be https" in problems
