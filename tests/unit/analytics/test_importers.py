"""Importers on the fixture files (written for these tests, in each tool's real shape)."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from shared_lib import safejson
from shared_lib.usage import parse_batch

from netra_analytics.importers import (
    DEFAULT_FEATURE,
    ImportFormatError,
    closest_model,
    convert,
    detect,
    error_groups,
    notes,
    records,
    time_zone,
    unknown_models,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "imports"
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)


def imported(format_name: str, filename: str, feature: str | None = None):
    rows = convert(format_name, records((FIXTURES / filename).read_bytes()), feature).rows
    return parse_batch(rows, "org-x", NOW)


def test_openai_chat_completions():
    events, rejected = imported("openai", "openai_chat_completions.jsonl", feature="imported")
    first, second = events
    assert (first.event_id, first.model, first.input_tokens, first.cached_input_tokens, first.output_tokens) == (
        "chatcmpl-A1",
        "gpt-4o",
        5000,
        4000,
        1000,
    )
    assert (first.feature, first.user_id) == ("support-bot", "u-7")
    assert first.timestamp == dt.datetime.fromtimestamp(1795600000, dt.timezone.utc)
    assert (second.reasoning_tokens, second.output_tokens, second.feature) == (1500, 2000, "imported")
    assert (first.finish_reason, second.finish_reason) == ("stop", "length")  # choices[0].finish_reason
    assert rejected == [{"index": 2, "error": "input_tokens is required"}]


def test_litellm_spend_logs():
    events, rejected = imported("litellm", "litellm_spend_logs.json")
    assert rejected == []
    first, second = events
    assert (first.provider, first.model, first.cost_usd, first.cached_input_tokens) == (
        "openai",
        "gpt-4o",
        Decimal("0.0075"),
        200,
    )
    assert (first.latency_ms, first.ttft_ms, first.feature, first.user_id) == (1250, 300, "checkout-assistant", "u-1")
    assert (second.provider, second.model, second.status, second.latency_ms) == (
        "vertex",
        "gemini-2.5-flash",
        "error",
        30000,
    )


def test_langfuse_observations():
    events, rejected = imported("langfuse", "langfuse_observations.json")
    assert rejected == []
    first, second = events
    # Langfuse counts every "input…" usage type as input: 5,000 + 2,000 read + 3,000 written.
    assert (first.input_tokens, first.cached_input_tokens, first.cache_write_tokens, first.output_tokens) == (
        10_000,
        2000,
        3000,
        100,
    )
    assert (first.provider, first.cost_usd, first.latency_ms, first.ttft_ms, first.feature) == (
        "anthropic",
        Decimal("0.00756"),
        2000,
        400,
        "summarize-ticket",
    )
    assert (second.provider, second.status, second.cost_usd) == ("openai", "error", None)


def test_the_wrong_format_names_the_columns_it_expected():
    with pytest.raises(ImportFormatError, match="not a litellm export: records need request_id, startTime"):
        convert("litellm", records((FIXTURES / "openai_chat_completions.jsonl").read_bytes()))
    with pytest.raises(ImportFormatError, match="unknown format 'csv'"):
        convert("csv", [])


@pytest.mark.parametrize(
    ("format_name", "good", "odd"),
    [
        (
            "openai",
            {
                "id": "ok",
                "created": 1795600000,
                "model": "gpt-4o",
                "usage": {"prompt_tokens": 10, "completion_tokens": 5},
            },
            [
                {"id": "a", "created": 1795600000, "model": "gpt-4o", "usage": "lots"},
                {
                    "id": "b",
                    "created": 1795600000,
                    "model": "gpt-4o",
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "prompt_tokens_details": [1]},
                },
                {
                    "id": "c",
                    "created": 1795600000,
                    "model": "gpt-4o",
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1},
                    "metadata": "x",
                },
            ],
        ),
        (
            "litellm",
            {
                "request_id": "ok",
                "startTime": "2026-11-25T10:00:00Z",
                "model": "gpt-4o",
                "prompt_tokens": 10,
                "completion_tokens": 5,
            },
            [
                {
                    "request_id": "a",
                    "startTime": "2026-11-25T10:00:00Z",
                    "model": 42,
                    "prompt_tokens": 1,
                    "completion_tokens": 1,
                },
                {
                    "request_id": "b",
                    "startTime": 7,
                    "endTime": "2026-11-25T10:00:01Z",
                    "model": "gpt-4o",
                    "prompt_tokens": 1,
                    "completion_tokens": 1,
                },
                {
                    "request_id": "c",
                    "startTime": "2026-11-25T10:00:00Z",
                    "model": "gpt-4o",
                    "prompt_tokens": "1",
                    "completion_tokens": 1,
                },
            ],
        ),
        (
            "langfuse",
            {
                "id": "ok",
                "startTime": "2026-11-25T10:00:00Z",
                "model": "gpt-4o",
                "usageDetails": {"input": 10, "output": 5},
            },
            [
                {"id": "a", "startTime": "2026-11-25T10:00:00Z", "model": "gpt-4o", "usageDetails": [10, 5]},
                {
                    "id": "b",
                    "startTime": "2026-11-25T10:00:00Z",
                    "model": ["gpt-4o"],
                    "usageDetails": {"input": 1, "output": 1},
                },
                {
                    "id": "c",
                    "startTime": "2026-11-25T10:00:00Z",
                    "model": "gpt-4o",
                    "usageDetails": {"input": 1, "output": 1},
                    "costDetails": 3,
                },
            ],
        ),
    ],
)
def test_a_record_with_unexpected_types_fails_alone(format_name, good, odd):
    events, rejected = parse_batch(
        convert(format_name, [good, *odd, good | {"id": "ok2", "request_id": "ok2"}]).rows, "org-x", NOW
    )
    assert len(events) == 2 and [r["index"] for r in rejected] == [1, 2, 3]
    assert all(r["error"] for r in rejected)


def test_records_are_parsed_with_the_bounded_parser():
    deep = b"[" * 10_000 + b"]" * 10_000
    # Not a document, read as one unreadable line: an error row, not a RecursionError.
    assert [str(row) for row in records(deep)] == [f"not valid JSON: nested deeper than {safejson.MAX_DEPTH} levels"]
    assert [str(row) for row in records(b'[{"id": 1' + b"1" * 5000 + b"}]")] == [
        f"not valid JSON: a number longer than {safejson.MAX_NUMBER_CHARS} characters"
    ]


def test_a_broken_json_line_is_rejected_as_not_json_and_the_rest_is_read():
    good = (FIXTURES / "openai_chat_completions.jsonl").read_bytes().splitlines()[0]
    raw = b"\n".join([good, b'{"id": "chatcmpl-A2", "created": 1795600000,', b"", b"[1, 2]", b"{not json"])
    _, rejected = parse_batch(convert(None, records(raw)).rows, "org-x", NOW)
    assert rejected == [
        {"index": 1, "error": "not valid JSON: Expecting property name enclosed in double quotes"},
        {"index": 2, "error": "a usage event must be a JSON object"},  # JSON, but not a record
        {"index": 3, "error": "not valid JSON: Expecting property name enclosed in double quotes"},
    ]


def test_the_format_is_told_by_the_records_when_not_named():
    for name, filename in [
        ("openai", "openai_chat_completions.jsonl"),
        ("litellm", "litellm_spend_logs.json"),
        ("langfuse", "langfuse_observations.json"),
    ]:
        items = records((FIXTURES / filename).read_bytes())
        assert detect(items) == name
        assert convert(None, items) == convert(name, items)
    with pytest.raises(ImportFormatError, match="could not tell the format; records of each need: openai: id, created"):
        detect([{"hello": "world"}])


def test_file_level_errors_name_the_problem():
    with pytest.raises(ImportFormatError, match="the file is empty"):
        records(b"  \n ")
    with pytest.raises(ImportFormatError, match="not JSON or JSON lines"):
        convert(None, records(b"{not json\nnor this"))
    spend = records((FIXTURES / "litellm_spend_logs.json").read_bytes())
    with pytest.raises(ImportFormatError, match=r"not a langfuse export: .* \(it looks like a litellm export\)"):
        convert("langfuse", spend)


def test_litellm_anthropic_cache_counts_land_in_cache_columns():
    # A LiteLLM spend log row of an Anthropic call: the usage object as litellm.types.utils.Usage
    # serialises it (prompt_tokens already includes the cache reads and writes).
    row = {
        "request_id": "ll-a",
        "startTime": "2026-11-20T10:00:00Z",
        "model": "anthropic/claude-sonnet-4-5",
        "custom_llm_provider": "anthropic",
        "prompt_tokens": 6000,
        "completion_tokens": 300,
        "metadata": {
            "usage_object": {
                "prompt_tokens": 6000,
                "completion_tokens": 300,
                "cache_read_input_tokens": 4800,
                "cache_creation_input_tokens": 200,
                "prompt_tokens_details": {"cached_tokens": 4800},
            }
        },
    }
    apart = {
        **row,
        "request_id": "ll-b",
        "prompt_tokens": 1000,
        "metadata": {"usage_object": {"cache_read_input_tokens": 4800, "cache_creation_input_tokens": 200}},
    }
    events, rejected = parse_batch(convert("litellm", [row, apart]).rows, "org-x", NOW)
    assert rejected == []
    for event in events:
        assert (
            event.provider,
            event.model,
            event.input_tokens,
            event.cached_input_tokens,
            event.cache_write_tokens,
        ) == ("anthropic", "claude-sonnet-4-5", 6000, 4800, 200)


def test_csv_exports_read_as_their_json_exports_do():
    # LiteLLM: the LiteLLM_SpendLogs table's columns (litellm's schema.prisma), metadata and
    # request_tags as JSON text, as a CSV export of that table writes them. Langfuse: the
    # observation fields of its API, usageDetails / costDetails as JSON text.
    for name, stem in [("litellm", "litellm_spend_logs"), ("langfuse", "langfuse_observations")]:
        from_csv = records((FIXTURES / f"{stem}.csv").read_bytes())
        assert detect(from_csv) == name
        csv_events, csv_rejected = parse_batch(convert(None, from_csv).rows, "org-x", NOW)
        json_events, _ = imported(name, f"{stem}.json")
        assert csv_rejected == [] and csv_events[: len(json_events)] == json_events
    anthropic = csv_events_of("litellm_spend_logs.csv")[2]
    assert (
        anthropic.provider,
        anthropic.model,
        anthropic.input_tokens,
        anthropic.cached_input_tokens,
        anthropic.cache_write_tokens,
        anthropic.feature,
    ) == ("anthropic", "claude-sonnet-4-5-20250929", 6000, 4800, 200, "support-bot")


def csv_events_of(filename: str):
    return parse_batch(convert(None, records((FIXTURES / filename).read_bytes())).rows, "org-x", NOW)[0]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"request_id,startTime\n", "the CSV has a header but no rows"),
        (b"just some text\n", "neither JSON, JSON lines nor CSV"),
        (b'request_id,model\n"ll-1,gpt-4o\n', "malformed CSV in the record after line 1: unexpected end of data"),
    ],
)
def test_csv_file_level_errors(raw, message):
    with pytest.raises(ImportFormatError, match=message):
        records(raw)


def test_a_csv_without_a_needed_column_says_which_format_needs_what():
    with pytest.raises(ImportFormatError, match="not a litellm export: records need request_id, startTime"):
        convert("litellm", records(b"id,start,model,prompt_tokens\nx,2026-11-20T10:00:00Z,gpt-4o,5\n"))


def test_openai_batch_output_is_batch_priced_and_failed_requests_say_why():
    from decimal import Decimal as D

    from netra_analytics.warehouse import priced_row

    items = records((FIXTURES / "openai_batch_output.jsonl").read_bytes())
    assert detect(items) == "openai_batch"
    events, rejected = parse_batch(convert(None, items).rows, "org-x", NOW)
    assert [(e.event_id, e.batch, e.input_tokens, e.cached_input_tokens) for e in events] == [
        ("chatcmpl-B1", True, 1000, 0),
        ("chatcmpl-B2", True, 3000, 2048),
    ]
    # gpt-4o-mini, half price in a batch: (1,000 x 0.15 + 200 x 0.60) / M / 2 = 0.000135;
    # (952 x 0.15 + 2,048 x 0.075 + 100 x 0.60) / M / 2 = 0.0001782
    assert [priced_row(e, NOW)[17] for e in events] == [D("0.000135"), D("0.0001782")]
    assert rejected == [
        {"index": 2, "error": "request 'ticket-3' failed (400): Invalid 'messages': empty array."},
        {
            "index": 3,
            "error": "request 'ticket-4' failed (batch_expired): This request could not be executed before the "
            "completion window expired.",
        },
    ]


def test_anthropic_messages_log_adds_cache_tokens_back_and_prices_them():
    from decimal import Decimal as D

    from netra_analytics.warehouse import priced_row

    # Records as a logging tool writes them: {"timestamp" | "created_at", "response": <Messages API response>}.
    items = records((FIXTURES / "anthropic_messages_log.jsonl").read_bytes())
    assert detect(items) == "anthropic"
    events, rejected = parse_batch(convert(None, items).rows, "org-x", NOW)
    # Anthropic's input_tokens leaves out cache reads and writes; Netra's counts every prompt token.
    assert [
        (e.event_id, e.model, e.input_tokens, e.cached_input_tokens, e.cache_write_tokens, e.output_tokens, e.batch)
        for e in events
    ] == [
        ("msg_01XFDUDYJgAACzvnptvVoYEL", "claude-sonnet-4-5-20250929", 3000, 0, 2000, 500, False),
        ("msg_01Bq9w7TJ6X1Ab3LcR4pVn2M", "claude-sonnet-4-5-20250929", 2200, 2000, 0, 300, False),
        ("msg_01Hk3Zr8QeWm5Ts2Yd7uGc4N", "claude-haiku-4-5-20251001", 4000, 0, 0, 1000, True),
    ]
    assert [e.timestamp for e in events] == [
        dt.datetime(2026, 11, 20, 10, m, tzinfo=dt.timezone.utc) for m in (0, 5, 6)
    ]
    assert (events[0].provider, events[0].feature, events[2].reasoning_tokens) == ("anthropic", "support-bot", 400)
    assert [e.finish_reason for e in events] == ["stop", "stop", "length"]  # Anthropic's stop_reason in our words
    # Sonnet 4.5 per M: $3 in, $3.75 cache write, $0.30 cache read, $15 out; Haiku 4.5: $1 in, $5 out, half in a batch.
    # (1,000 x 3 + 2,000 x 3.75 + 500 x 15) / M = 0.018; (200 x 3 + 2,000 x 0.30 + 300 x 15) / M = 0.0057;
    # (4,000 x 1 + 1,000 x 5) / M / 2 = 0.0045
    assert [priced_row(e, NOW)[17] for e in events] == [D("0.018"), D("0.0057"), D("0.0045")]
    assert rejected == [{"index": 3, "error": "not an Anthropic message (overloaded_error): Overloaded"}]


def test_bare_anthropic_responses_need_the_time_to_file_them_under():
    items = records((FIXTURES / "anthropic_messages.json").read_bytes())
    assert detect(items) == "anthropic"
    with pytest.raises(ImportFormatError, match="carry no time of the call: pass timestamp="):
        convert(None, items)
    with pytest.raises(ImportFormatError, match="timestamp must be ISO 8601"):
        convert("anthropic", items, timestamp="yesterday")
    events, rejected = parse_batch(convert("anthropic", items, "summaries", "2026-11-21T08:30:00Z").rows, "org-x", NOW)
    assert rejected == []
    assert [(e.input_tokens, e.cached_input_tokens, e.cache_write_tokens, e.feature) for e in events] == [
        (3000, 0, 2000, "summaries"),
        (2200, 2000, 0, "summaries"),
    ]
    assert {e.timestamp for e in events} == {dt.datetime(2026, 11, 21, 8, 30, tzinfo=dt.timezone.utc)}
    # A bare response among timed records fails alone, saying why.
    mixed = [{"timestamp": "2026-11-21T08:30:00Z", "response": items[0]}, items[1]]
    _, rejected = parse_batch(convert(None, mixed).rows, "org-x", NOW)
    assert rejected == [
        {
            "index": 1,
            "error": "response 'msg_01Pz4sW9eKt2Hn6Qb8vYc1Dr' has no time: pass timestamp= or wrap it "
            'as {"timestamp": ..., "response": {...}}',
        }
    ]


def test_an_openai_file_named_anthropic_says_what_it_looks_like():
    with pytest.raises(
        ImportFormatError, match='not a anthropic export: records need type "message".*looks like a openai export'
    ):
        convert("anthropic", records((FIXTURES / "openai_chat_completions.jsonl").read_bytes()))


# LiteLLM_SpendLogs as a SQL or CSV export writes it: Prisma DateTime columns, UTC, no zone.
ZONELESS_SPEND_CSV = (
    b"request_id,startTime,endTime,model,custom_llm_provider,prompt_tokens,completion_tokens,spend\n"
    b"ll-1,2026-11-20 09:00:00.000,2026-11-20 09:00:01.250,gpt-4o,openai,1000,500,0.0075\n"
    b"ll-2,2026-11-20 09:30:00.000,2026-11-20 09:30:00.400,gpt-4o,openai,1000,500,0.0075\n"
    b"ll-3,2026-11-20T10:00:00.000Z,2026-11-20T10:00:00.100Z,gpt-4o,openai,1000,500,0.0075\n"
)


def utc(*fields) -> dt.datetime:
    return dt.datetime(*fields, tzinfo=dt.timezone.utc)


def test_zoneless_times_of_a_tool_that_stores_utc_are_read_as_utc_and_said_so():
    converted = convert(None, records(ZONELESS_SPEND_CSV))
    events, rejected = parse_batch(converted.rows, "org-x", NOW)
    assert rejected == []
    assert [e.timestamp for e in events] == [utc(2026, 11, 20, 9, 0), utc(2026, 11, 20, 9, 30), utc(2026, 11, 20, 10)]
    assert [e.latency_ms for e in events] == [1250, 400, 100]
    assert (converted.zoneless, converted.zone, converted.zone_reason) == (2, "UTC", "LiteLLM stores UTC")
    assert notes(converted, [], []) == [
        "2 records had times without a zone; read as UTC (LiteLLM stores UTC)",
        "3 records had no feature; filed under 'default' (feature=, or netra import --feature, names one)",
    ]


def test_langfuse_zoneless_times_are_utc_too():
    observation = {
        "id": "obs-1",
        "startTime": "2026-11-20 11:00:00.000",
        "endTime": "2026-11-20 11:00:02.000",
        "model": "gpt-4o",
        "usageDetails": {"input": 10, "output": 5},
    }
    converted = convert(None, [observation])
    [event], _ = parse_batch(converted.rows, "org-x", NOW)
    assert (event.timestamp, event.latency_ms, converted.zone_reason) == (
        utc(2026, 11, 20, 11),
        2000,
        "Langfuse stores UTC",
    )


@pytest.mark.parametrize(
    ("zone", "first", "name"),
    [
        # 09:00 in Berlin in November is CET, UTC+1: 08:00 UTC.
        ("Europe/Berlin", utc(2026, 11, 20, 8, 0), "Europe/Berlin"),
        ("+02:00", utc(2026, 11, 20, 7, 0), "UTC+02:00"),
        ("-0530", utc(2026, 11, 20, 14, 30), "UTC-05:30"),
        ("UTC", utc(2026, 11, 20, 9, 0), "UTC"),
    ],
)
def test_a_named_zone_overrides_for_zoneless_times_only(zone, first, name):
    converted = convert("litellm", records(ZONELESS_SPEND_CSV), zone=time_zone(zone))
    events, _ = parse_batch(converted.rows, "org-x", NOW)
    assert events[0].timestamp == first
    assert events[2].timestamp == utc(2026, 11, 20, 10)  # it carried its zone: kept
    assert notes(converted, [], [])[:1] == [f"2 records had times without a zone; read as {name} (as asked)"]


@pytest.mark.parametrize(
    "text", ["Mars/Olympus", "+25:00", "+02:75", "/etc/passwd", "../zoneinfo", "Europe", " ", "x" * 100]
)
def test_a_zone_that_is_none_says_what_one_looks_like(text):
    with pytest.raises(ImportFormatError, match="timezone must be an IANA time zone name .* or a UTC offset"):
        time_zone(text)


def test_times_with_a_zone_are_read_as_they_are_and_need_no_note():
    converted = convert(None, records((FIXTURES / "litellm_spend_logs.csv").read_bytes()))
    assert (converted.zoneless, converted.zone) == (0, None) and "zone" not in " ".join(notes(converted, [], []))


def test_zoneless_anthropic_log_times_need_the_zone_named():
    # A logging tool's own times: nothing says their zone.
    message = records((FIXTURES / "anthropic_messages.json").read_bytes())[0]
    logged = [{"timestamp": "2026-11-20 10:00:00", "response": message}]
    _, rejected = parse_batch(convert(None, logged).rows, "org-x", NOW)
    assert rejected == [
        {
            "index": 0,
            "error": "the time has no zone and this format does not say which: pass timezone= "
            "(e.g. UTC, Europe/Berlin or +02:00)",
        }
    ]
    [event], _ = parse_batch(convert(None, logged, zone=time_zone("America/New_York")).rows, "org-x", NOW)
    assert event.timestamp == utc(2026, 11, 20, 15)  # EST, UTC-5


def test_identical_errors_are_one_group_most_common_first():
    rejected = [{"index": i, "error": "input_tokens is required"} for i in (0, 2, 3, 5, 6, 7, 9)]
    rejected += [
        {"index": 1, "error": "model is required"},
        {"index": 4, "error": "a usage event must be a JSON object"},
    ]
    rejected += [{"index": 8, "error": "model is required"}]
    rejected.sort(key=lambda r: r["index"])
    assert error_groups(rejected, 100) == [
        {"error": "input_tokens is required", "count": 7, "first_records": [0, 2, 3, 5, 6]},
        {"error": "model is required", "count": 2, "first_records": [1, 8]},
        {"error": "a usage event must be a JSON object", "count": 1, "first_records": [4]},
    ]
    assert [group["error"] for group in error_groups(rejected, 2)] == ["input_tokens is required", "model is required"]
    assert error_groups([], 100) == []


def test_the_default_feature_is_the_one_the_usage_event_files_untagged_calls_under():
    untagged = {"event_id": "e", "timestamp": "2026-11-20T10:00:00Z", "provider": "openai", "model": "gpt-4o"}
    [event], _ = parse_batch([untagged | {"input_tokens": 1, "output_tokens": 1}], "org-x", NOW)
    assert event.feature == DEFAULT_FEATURE == "default"


def test_untagged_accepted_records_are_said_to_be_filed_under_default():
    # Record 1 names its feature (metadata.feature), record 2 none, record 3 none but is rejected.
    items = records((FIXTURES / "openai_chat_completions.jsonl").read_bytes())
    converted = convert(None, items)
    _, rejected = parse_batch(converted.rows, "org-x", NOW)
    assert converted.featureless == {1, 2} and [r["index"] for r in rejected] == [2]
    assert notes(converted, rejected, []) == [
        "1 record had no feature; filed under 'default' (feature=, or netra import --feature, names one)"
    ]
    assert notes(convert(None, items, feature="support"), rejected, []) == []


class Call:
    def __init__(self, provider, model):
        self.provider, self.model = provider, model


def test_models_the_catalog_does_not_know_are_listed_with_the_nearest_name():
    calls = [Call("openai", "gtp-4o")] * 3 + [Call("openai", "gpt-4o")] * 5 + [Call("openai", "acme-9")]
    calls += [Call("anthropic", "claude-sonet-4-5"), Call("openai", "prod-eu-4o")]
    unknown = unknown_models(calls, {"prod-eu-4o": "gpt-4o"})  # the org's own name of gpt-4o is known
    assert unknown == [
        {"model": "gtp-4o", "provider": "openai", "calls": 3, "closest": "gpt-4o"},
        {"model": "acme-9", "provider": "openai", "calls": 1, "closest": None},
        {"model": "claude-sonet-4-5", "provider": "anthropic", "calls": 1, "closest": "claude-sonnet-4-5"},
    ]
    assert notes(convert(None, records(ZONELESS_SPEND_CSV), feature="support"), [], unknown)[1:] == [
        "`gtp-4o` (3 calls): not in the price catalog — did you mean gpt-4o?",
        "`acme-9` (1 call): not in the price catalog — if it is your own name of a model, map it under Settings → Model names",
        "`claude-sonet-4-5` (1 call): not in the price catalog — did you mean claude-sonnet-4-5?",
    ]


def test_a_provider_the_catalog_has_no_prices_of_has_no_closest_model():
    assert closest_model("other", "gpt-4o") is None


def test_a_file_of_many_unknown_names_lists_the_most_used_ones_only():
    calls = [Call("openai", f"junk-{n}") for n in range(40) for _ in range(n + 1)]  # junk-39 most used
    unknown = unknown_models(calls, {})
    assert len(unknown) == 20 and [u["model"] for u in unknown[:2]] == ["junk-39", "junk-38"]
