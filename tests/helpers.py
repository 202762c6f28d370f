"""Small helpers shared by the tests that drive running components over HTTP."""

from __future__ import annotations

import httpx


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def dev_login(client: httpx.Client, auth_url: str, email: str) -> dict:
    response = client.post(f"{auth_url}/auth/dev/login", json={"email": email})
    assert response.status_code == 200, response.text
    return response.json()


def url_of(platform, name: str) -> str:
    return next(item.url for item in platform.started if item.name == name)
