"""The contracts between components, one module each: `topics` (Pub/Sub topic names),
`tickets` (the WebSocket ticket), `agents` (agent requests, step tasks and results), `runs`
(the run document and who owns which field), `steps` (what each agent step saves, with a
JSON Schema per step in `step/`), `client_events` (each client event's payload, with a JSON
Schema per type in `client_event/`). Here: the JSON Schema of each kind of `final_report` (the
union tagged by `kind` in docs/architecture.md), shipped with the package in `report/`."""

from __future__ import annotations

import functools
import json
from importlib import resources

REPORT_KINDS = ("plan", "breakdown", "change", "what_if", "latency", "forecast", "overview", "guidance", "clarify")


@functools.cache
def report_schema(kind: str) -> dict:
    if kind not in REPORT_KINDS:
        raise KeyError(f"no report kind {kind!r}")
    return json.loads(resources.files(__package__).joinpath("report", f"{kind}.schema.json").read_text())


def report_errors(report: dict) -> list[str]:
    """What makes `report` break its kind's schema (empty when it keeps it)."""
    import jsonschema  # a heavy SDK, and this package loads at every component's cold start

    kind = report.get("kind") if isinstance(report, dict) else None
    if kind not in REPORT_KINDS:
        return [f"kind must be one of {', '.join(REPORT_KINDS)}, got {kind!r}"]
    validator = jsonschema.Draft202012Validator(report_schema(kind), format_checker=jsonschema.FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path)) or '(report)'}: {e.message}" for e in validator.iter_errors(report)]
