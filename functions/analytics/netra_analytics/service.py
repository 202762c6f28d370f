"""What the analytics routes and the usage consumer do, with collaborators passed in."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Mapping, Sequence

from shared_lib.auth import Authenticator, Principal
from shared_lib.contracts import topics, usage_events
from shared_lib.envelope import PubSubMessage
from shared_lib.errors import Forbidden, Invalid, Unavailable
from shared_lib.usage import EVENT_FIELDS, InvalidRow, parse_batch, parse_row

from netra_analytics import importers, model_aliases, otlp, warehouse
from netra_analytics.group_commit import GroupCommit
from netra_analytics.profile import workload_profile

log = logging.getLogger("netra.analytics")
USAGE_TOPIC = topics.USAGE_EVENTS
DEFAULT_WINDOW = dt.timedelta(days=30)
MAX_HOURLY_RANGE = dt.timedelta(days=31)
# An answer lists this many rejected rows in full, and counts them all (`rejected_count`):
# 200,000 lines of `{}` (400 KB) were answered with 10 MB of identical rejections.
MAX_LISTED_REJECTIONS = 100
# Names per dimension a names read may ask for (the costliest first).
MAX_NAMES = 1000


@dataclasses.dataclass
class AnalyticsService:
    authenticator: Authenticator
    publisher: object
    project_id: str
    warehouse_client: object
    clock: object = lambda: dt.datetime.now(dt.timezone.utc)
    push: object = None  # shared_lib.push_auth.PushAuthenticator of the local consumer route
    # The consumer's per-org lock where instances scale out (ingest_lock.RedisOrgLock);
    # None: one lock per process (warehouse.insert), enough for the one local process.
    ingest_lock: object = None
    # Queue batches gzip-compressed (Settings.usage_batch_encoding): once every consumer reads them.
    compress_batches: bool = False
    # Intake's requests per key and per org (intake_limits.IntakeLimits); None: unlimited.
    intake_limits: object = None

    def __post_init__(self):
        # Deliveries of one org that arrive while its previous write runs are written
        # together: one insert, whose cost is mostly fixed, for all of them.
        self._deliveries = GroupCommit(self._store_deliveries, size=lambda item: len(item[0].events))

    def _store_deliveries(self, org_id: str, items) -> list[warehouse.Stored]:
        deliveries = [delivery for delivery, _ in items]
        aliases = {org_id: items[-1][1]}  # the org's names as the last delivery read them
        return warehouse.insert_deliveries(self.warehouse_client, deliveries, self.clock(), aliases, self.ingest_lock)

    # --- ingest ---------------------------------------------------------------------

    def admit_intake(self, caller: Principal, headers) -> None:
        """Counts one intake request against its key's and its org's limits (RateLimited
        when either is spent); called before the body is read, so a refusal is whole."""
        if self.intake_limits is not None:
            self.intake_limits.check(caller, headers)

    def import_usage(
        self,
        caller: Principal,
        format_name: str | None,
        raw: bytes,
        feature: str | None,
        timestamp: str | None = None,
        timezone: str | None = None,
    ) -> dict:
        """An export file of a known tool, converted to usage rows, then accepted like any.
        `timestamp` files records without a time of their own (bare Anthropic responses);
        `timezone` is the zone of times written without one (default: UTC for the tools that
        store UTC). The answer says what the import assumed (`assumed_timezone`, `notes`)."""
        try:
            zone = importers.time_zone(timezone) if timezone else None
        except importers.ImportFormatError as exc:
            raise Invalid("invalid_timezone", str(exc)) from None
        try:
            converted = importers.convert(format_name or None, importers.records(raw), feature, timestamp or None, zone)
        except importers.ImportFormatError as exc:
            raise Invalid("wrong_format", str(exc)) from None
        answer, events, rejected, _ = self._queue(caller, converted.rows, count_duplicates=True)
        unknown = importers.unknown_models(events, model_aliases.for_org(self.warehouse_client, caller.org_id))
        return {
            **answer,
            "rejected": rejected[:MAX_LISTED_REJECTIONS],
            "rejected_count": len(rejected),
            # A file's refusals are mostly many of a few kinds: each kind once, with its count.
            "error_groups": importers.error_groups(rejected, MAX_LISTED_REJECTIONS),
            "assumed_timezone": converted.zone,
            "unknown_models": unknown,
            "notes": importers.notes(converted, rejected, unknown),
        }

    def export_traces(
        self, caller: Principal, raw: bytes, content_type: str, content_encoding: str | None, max_bytes: int
    ):
        """OTLP/HTTP traces: each LLM-call span is a usage event (an exporter's retry of the
        same spans is the same event ids, counted once); other spans are skipped."""
        spans = otlp.usage_rows(otlp.decode(otlp.body(raw, content_encoding, max_bytes), content_type))
        answer = self._accept(caller, spans.rows)
        rejected, count = answer["rejected"], answer["rejected_count"]
        notes = [f"{count} span(s) rejected: " + "; ".join(r["error"] for r in rejected[:5])] if count else []
        if spans.skipped:
            notes.append(f"{spans.skipped} of {spans.total} span(s) skipped: not LLM calls")
        return otlp.response(count, ". ".join(notes), content_type)

    def accept_usage(self, caller: Principal, rows, wait_seconds: float = 0) -> dict:
        """Validate each row, queue the good ones on `usage-events`, report the bad ones.
        `wait_seconds`: read your writes — answer once every accepted event is stored (this
        version of it, a re-send's included) or the wait is over; `stored` says which."""
        answer, events, rejected, accepted_at = self._queue(caller, rows, False)
        out = {**answer, "rejected": rejected[:MAX_LISTED_REJECTIONS], "rejected_count": len(rejected)}
        if wait_seconds > 0:  # null when nothing was accepted: there was nothing to wait for
            out["stored"] = (
                self._stored(caller.org_id, [e.event_id for e in events], accepted_at, wait_seconds) if events else None
            )
        return out

    def _stored(self, org_id: str, event_ids: list[str], accepted_at: dt.datetime, wait_seconds: float) -> bool:
        wanted = sorted(set(event_ids))
        deadline = time.monotonic() + wait_seconds
        pause = 0.05
        while True:
            if warehouse.stored_since(self.warehouse_client, org_id, wanted, accepted_at) >= len(wanted):
                return True
            if time.monotonic() + pause > deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, 0.5)

    def _accept(self, caller: Principal, rows, count_duplicates: bool = False) -> dict:
        answer, _, rejected, _ = self._queue(caller, rows, count_duplicates)
        # The first rejections in full (each names its row's index), and how many there were.
        return {**answer, "rejected": rejected[:MAX_LISTED_REJECTIONS], "rejected_count": len(rejected)}

    def _queue(self, caller: Principal, rows, count_duplicates: bool) -> tuple[dict, list, list[dict], dt.datetime]:
        """Queues the valid rows: (the answer's counts, the events queued, every rejection, when
        they were accepted)."""
        try:
            events, rejected = parse_batch(rows, caller.org_id, self.clock())
        except InvalidRow as exc:
            raise Invalid("invalid_body", str(exc)) from None
        # Counted before queuing, or the consumer could store this very batch first.
        duplicates = self._duplicates(caller.org_id, events) if count_duplicates else None
        topic = topics.path(self.project_id, USAGE_TOPIC)
        accepted_at = self.clock()
        futures = [
            self.publisher.publish(topic, body, org_id=caller.org_id)
            for body in usage_events.positional_messages(
                caller.org_id,
                EVENT_FIELDS,
                [event.json_values() for event in events],
                accepted_at,
                compress=self.compress_batches,
            )
        ]
        try:
            for future in futures:
                future.result(timeout=30)
        except Exception:  # noqa: BLE001 - any publish failure means not queued
            raise Unavailable(
                "queue_unavailable", "the usage could not be queued; send it again (event ids make it safe)"
            ) from None
        answer = {"accepted": len(events) - (duplicates or 0)}
        if duplicates is not None:
            answer["duplicates"] = duplicates
        return answer, events, rejected, accepted_at

    def _duplicates(self, org_id: str, events) -> int:
        """Events whose id is already stored, or came earlier in the same request. They are
        queued all the same (a re-send replaces, ADR 0006: a corrected re-import updates).
        A primary-key lookup in the warehouse, so cheap; not exact for events queued moments
        ago and not yet stored (those count as new)."""
        ids = [event.event_id for event in events]
        stored = warehouse.stored_event_ids(self.warehouse_client, org_id, sorted(set(ids)))
        return len(ids) - len(set(ids)) + sum(1 for event_id in set(ids) if event_id in stored)

    def store_usage(self, message: PubSubMessage) -> dict:
        """The consumer: write a queued batch; a row it cannot store never sinks the others.

        Rows are re-validated (a batch queued before a stricter rule, or by another
        producer); a refused row is logged with its event id and left out, the rest is
        stored. Event ids make a redelivery harmless; `accepted_at` says which of two
        versions of an event is the later one.
        """
        batch = usage_events.parse(usage_events.decode(message.data), message.publish_time)
        now = self.clock()
        events, refused, moments = [], [], {}  # moments: the batch's timestamps, each read once
        for index, row in enumerate(batch.rows):
            try:
                # Validated at intake; re-read without the time window (a retried batch may
                # have aged). parse_row refuses a row that is not an object.
                events.append(parse_row(row, batch.org_id, now, check_window=False, moments=moments))
            except InvalidRow as exc:
                refused.append({"index": index, "event_id": _event_id(row), "error": str(exc)})
        aliases = model_aliases.for_org(self.warehouse_client, batch.org_id)
        stored = self._deliveries.submit(batch.org_id, (warehouse.Delivery(events, batch.accepted_at or now), aliases))
        refused += stored.refused
        for row in refused:
            log.warning(
                "usage row not stored: org %s event %s (message %s): %s",
                batch.org_id,
                row["event_id"],
                message.message_id,
                row["error"],
            )
        return {"stored": stored.rows, "refused": refused}

    # --- the org's own model names ----------------------------------------------------

    def model_names(self, caller: Principal) -> dict:
        return {"aliases": model_aliases.stored(self.warehouse_client, caller.org_id)}

    def require_model_names_editor(self, caller: Principal) -> None:
        """A signed-in user of the org may change its model names; an API key may not."""
        if caller.kind != "user":
            raise Forbidden("forbidden", "only a signed-in user of the org may change its model names")

    def set_model_names(self, caller: Principal, body) -> dict:
        """Replace the org's mapping; a signed-in user only (not an API key or a delegated token)."""
        self.require_model_names_editor(caller)
        try:
            aliases = model_aliases.validated(body)
        except model_aliases.InvalidAliases as exc:
            raise Invalid("invalid_aliases", str(exc)) from None
        model_aliases.store(self.warehouse_client, caller.org_id, aliases, self.clock())
        return {"aliases": aliases}

    # --- queries --------------------------------------------------------------------

    # A read names its period as the caller wrote it (`start`/`end`: ISO 8601 or None for
    # the default window) and its filters as dimension -> names (repeated or comma-separated).

    def usage_summary(
        self,
        caller: Principal,
        start: str | None,
        end: str | None,
        filters: Mapping[str, Sequence[str]],
        group_by: str = "model",
    ) -> dict:
        start_at, end_at = self._window(start, end)
        if group_by not in warehouse.GROUPS:
            raise Invalid("invalid_group_by", f"group_by must be one of {', '.join(warehouse.GROUPS)}")
        return warehouse.summary(self.warehouse_client, caller.org_id, start_at, end_at, group_by, _filters(filters))

    def usage_timeseries(
        self,
        caller: Principal,
        start: str | None,
        end: str | None,
        filters: Mapping[str, Sequence[str]],
        interval: str = "day",
        group_by: str | None = None,
    ) -> dict:
        start_at, end_at = self._window(start, end)
        if interval not in warehouse.SERIES_INTERVALS:
            raise Invalid("invalid_interval", f"interval must be one of {', '.join(warehouse.SERIES_INTERVALS)}")
        if group_by is not None and group_by not in warehouse.SERIES_GROUPS:
            raise Invalid("invalid_group_by", f"group_by must be one of {', '.join(warehouse.SERIES_GROUPS)}")
        if interval == "hour" and end_at - start_at > MAX_HOURLY_RANGE:
            raise Invalid("invalid_range", f"hourly series cover at most {MAX_HOURLY_RANGE.days} days")
        return warehouse.timeseries(
            self.warehouse_client, caller.org_id, start_at, end_at, interval, group_by, _filters(filters)
        )

    def usage_names(self, caller: Principal, start: str | None, end: str | None, limit: int) -> dict:
        """The names in the org's calls of the period, per dimension, the costliest first:
        what a question may name (triage reads them in this one call)."""
        start_at, end_at = self._window(start, end)
        if not 1 <= limit <= MAX_NAMES:
            raise Invalid("invalid_limit", f"limit must be an integer from 1 to {MAX_NAMES}")
        return {
            "from": start_at.isoformat(),
            "to": end_at.isoformat(),
            "names": warehouse.names(self.warehouse_client, caller.org_id, start_at, end_at, limit),
        }

    def prompt_statistics(self, caller: Principal, start: str | None, end: str | None) -> dict:
        start_at, end_at = self._window(start, end)
        return {
            "from": start_at.isoformat(),
            "to": end_at.isoformat(),
            **warehouse.repeated_prompts(self.warehouse_client, caller.org_id, start_at, end_at),
        }

    def unpriced_calls(self, caller: Principal, start: str | None, end: str | None) -> dict:
        start_at, end_at = self._window(start, end)
        return warehouse.unpriced(self.warehouse_client, caller.org_id, start_at, end_at)

    def workload_profile(self, caller: Principal, start: str | None, end: str | None) -> dict:
        start_at, end_at = self._window(start, end)
        return workload_profile(self.warehouse_client, caller.org_id, start_at, end_at)

    def realised_savings(self, caller: Principal, args: Mapping[str, str]) -> dict:
        """What a change (lever, scope, when it was applied) saved since, against its calls
        re-priced without it (`realised`); the caller's org only."""
        from netra_analytics import realised  # loaded with the first such read: most instances never make one

        change = realised.parse_change(args, self.clock(), _instant)
        return realised.realised_savings(self.warehouse_client, caller.org_id, change)

    def _window(self, start: str | None, end: str | None) -> tuple[dt.datetime, dt.datetime]:
        end_at = _instant(end, "to") or self.clock()
        start_at = _instant(start, "from") or end_at - DEFAULT_WINDOW
        if start_at >= end_at:
            raise Invalid("invalid_range", "'from' must be before 'to'")
        return start_at, end_at


def _event_id(row) -> str | None:
    value = row.get("event_id") if isinstance(row, Mapping) else None
    # Echoed in logs and answers: a lone surrogate is shown escaped, never re-encoded raw.
    return value[:128].encode("utf-8", "backslashreplace").decode() if isinstance(value, str) else None


# The instants a read may name. Usage is recorded now, so this is far wider than any real
# question, yet keeps date arithmetic (a default window, a day's end) and the warehouse's
# DateTime64 inside their ranges.
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.timezone.utc)


def _instant(value: str | None, name: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
    except ValueError:
        raise Invalid("invalid_range", f"'{name}' must be an ISO 8601 date or time") from None
    if not EARLIEST.year <= moment.year <= LATEST.year or not EARLIEST <= moment <= LATEST:
        # The year alone first: an offset on 0001-01-01 or 9999-12-31 overflows a comparison.
        raise Invalid("invalid_range", f"'{name}' must be from {EARLIEST.date()} to {LATEST.date()}")
    return moment


MAX_FILTER_NAMES, MAX_FILTER_NAME = 50, 200


def _filters(given: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """`feature`, `model`, `provider`, `user`: each given value a name or comma-separated names."""
    found = {}
    for dimension in warehouse.FILTERS:
        names = [n.strip() for value in given.get(dimension, ()) for n in value.split(",") if n.strip()]
        if len(names) > MAX_FILTER_NAMES or any(len(n) > MAX_FILTER_NAME for n in names):
            raise Invalid(
                "invalid_filter",
                f"{dimension}: at most {MAX_FILTER_NAMES} names of at most {MAX_FILTER_NAME} characters",
            )
        if names:
            found[dimension] = sorted(set(names))
    return found
