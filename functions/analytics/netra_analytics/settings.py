"""The analytics function's own settings, read once with the shared EnvReader (sources known).

Intake limits: requests to the intake routes (`POST /api/usage`, `/api/usage/import`,
`/v1/traces`) per credential and per org, in a fixed window shared by every instance
(Redis). The defaults are sized from what real senders do, with room to spare:

- An OpenTelemetry exporter (BatchSpanProcessor) sends a batch every 5 s, or as soon as 512
  spans are queued: 12 requests a minute per process at any ordinary load, ~2 in a 10 s
  window. A serverless sender that flushes on every invocation sends one request per call.
- A team's key is usually one per service and environment. 200 requests per 10 s (20 a
  second) is 100 exporting processes sharing a key, or 20 LLM calls a second each flushed
  alone, with headroom; an org's 1,000 (100 a second) is five such services at once.
- Our own heaviest senders are far below: the ingest bench sends 10 requests of 5,000
  events per org, back to back (~1 s each), the OTLP bench 10 of 500 spans, `netra
  seed-demo` 18 of 5,000; the tests send at most a few dozen per org.

A request refused here is refused whole, before its body is read: nothing of it is queued.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from shared_lib.config import EnvReader, Settings


@dataclasses.dataclass(frozen=True)
class AnalyticsSettings:
    intake_window_seconds: int
    intake_requests_per_key: int  # per window, per API key (or signed-in user)
    intake_requests_per_org: int  # per window, all of an org's credentials together
    sources: Mapping[str, str] = dataclasses.field(compare=False, repr=False)


def load_analytics_settings(shared: Settings, environ: Mapping[str, str] | None = None) -> AnalyticsSettings:
    read = EnvReader(environ)
    values = dict(
        intake_window_seconds=read.integer("intake_window_seconds", ("ANALYTICS_INTAKE_WINDOW_SECONDS",), 10, 1, 3600),
        intake_requests_per_key=read.integer(
            "intake_requests_per_key", ("ANALYTICS_INTAKE_REQUESTS_PER_KEY",), 200, 1, 1_000_000
        ),
        intake_requests_per_org=read.integer(
            "intake_requests_per_org", ("ANALYTICS_INTAKE_REQUESTS_PER_ORG",), 1000, 1, 10_000_000
        ),
    )
    if values["intake_requests_per_org"] < values["intake_requests_per_key"]:
        read.problems.append(
            "ANALYTICS_INTAKE_REQUESTS_PER_ORG must be at least ANALYTICS_INTAKE_REQUESTS_PER_KEY "
            "(an org's budget covers all its keys)"
        )
    read.check()
    return AnalyticsSettings(**values, sources=read.sources)
