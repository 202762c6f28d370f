"""The analytics query API as a run's steps read it: with the run's delegated token
(read-only, the user's org), so a step reads exactly what the user may.

A refusal (401/403) or a token that expired is the step's answer (`StepFailed`, shown to
the user); a 5xx raises, and the redelivery tries again.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from netra_agents.credentials import RunCredentials
from netra_agents.runtime import StepFailed

if TYPE_CHECKING:  # built in bootstrap (httpx costs ~0.1 s of cold start)
    import httpx


@dataclasses.dataclass(frozen=True)
class UsageApi:
    http: httpx.Client
    base_url: str | None  # ANALYTICS_URL, without a trailing slash
    credentials: RunCredentials

    def for_run(self, run_id: str) -> RunReads:
        """The reads of one run, with its token; fails the step when it has none."""
        token = self.credentials.token(run_id)
        if not token:
            raise StepFailed("The permission to read your usage for this question has expired; please ask again.")
        if not self.base_url:
            raise StepFailed("The analytics service is not configured (ANALYTICS_URL).")
        return RunReads(self.http, self.base_url, {"Authorization": f"Bearer {token}"})


@dataclasses.dataclass(frozen=True)
class RunReads:
    http: httpx.Client
    base_url: str
    headers: dict[str, str]

    def get(self, path: str, params: dict[str, Any], timeout: float) -> dict:
        response = self.http.get(f"{self.base_url}{path}", params=params, headers=self.headers, timeout=timeout)
        if response.status_code in (401, 403):
            raise StepFailed(f"Analytics refused to read your usage: {response.json()['error']['message']}")
        response.raise_for_status()  # 5xx: a redelivery tries again
        return response.json()
