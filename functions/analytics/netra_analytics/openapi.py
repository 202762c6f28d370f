"""The analytics function's OpenAPI document (served at /openapi.json)."""

# ISO 8601 dates or times from 2000-01-01 to 2100-01-01 (anything else is a 400); `to`
# defaults to now and `from` to 30 days before `to`.
_RANGE = [
    {"name": "from", "in": "query", "schema": {"type": "string", "format": "date-time"}},
    {"name": "to", "in": "query", "schema": {"type": "string", "format": "date-time"}},
]
_FILTERS = [
    {
        "name": name,
        "in": "query",
        "style": "form",
        "explode": True,
        "description": f"only calls of these {name}s (repeat the parameter or separate names with commas)",
        "schema": {"type": "array", "items": {"type": "string", "maxLength": 200}, "maxItems": 50},
    }
    for name in ("feature", "model", "provider", "user")
]
# Every read authenticates: 401 for a bad token, 403 for a delegated token without
# usage:read, 503 when the signing keys cannot be fetched.
_READ_ERRORS = (400, 401, 403, 503)
_ERROR = {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
# Intake's limits per key and per org (netra_analytics.settings): nothing of a refused request is kept.
_RATE_LIMITED = {
    **_ERROR,
    "description": "too many intake requests from this key or org; nothing of this one was accepted",
    "headers": {"Retry-After": {"description": "seconds until one is accepted", "schema": {"type": "integer"}}},
}
_MEASURES = {
    "type": "object",
    "properties": {
        name: {"type": kind}
        for name, kind in [
            ("calls", "integer"),
            ("input_tokens", "integer"),
            ("output_tokens", "integer"),
            ("cached_input_tokens", "integer"),
            ("cost_usd", "string"),
            ("error_rate", "number"),
        ]
    }
    # No calls, no percentile.
    | {
        name: {"type": ["number", "null"]}
        for name in ("p50_latency_ms", "p95_latency_ms", "p99_latency_ms", "p50_ttft_ms", "p95_ttft_ms")
    },
}
_STRING, _INTEGER, _STRINGS = {"type": "string"}, {"type": "integer"}, {"type": "array", "items": {"type": "string"}}
# Statistics of no value at all (no call with a latency, no successful call) are null, not 0.
_STAT = {"type": ["number", "null"]}
_SUMMARY_GROUP = {
    **_MEASURES,
    "properties": {**_MEASURES["properties"], "key": {"type": ["string", "null"]}, "unpriced_calls": _INTEGER},
}
_RANGE_ANSWER = {"from": _STRING, "to": _STRING}
_TOKENS = {"type": "object", "additionalProperties": _INTEGER}
_WORKLOAD = {
    "type": "object",
    "required": ["feature", "provider", "model", "interactive", "batch", "calls", "cost_usd"],
    "properties": {
        "feature": _STRING,
        "provider": _STRING,
        "model": _STRING,
        "interactive": {"type": "boolean"},
        "batch": {"type": "boolean"},
        "calls": _INTEGER,
        "success_calls": _INTEGER,
        "cost_usd": _STRING,
        "unpriced_calls": _INTEGER,
        "tokens": _TOKENS,
        "output": {
            "type": "object",
            "properties": {name: _STAT for name in ("mean", "stddev", "p50", "p95", "p99", "max_tokens_p50")},
        },
        "latency": {
            "type": "object",
            "properties": {name: _STAT for name in ("p50_ms", "p95_ms", "p50_ttft_ms", "p95_ttft_ms")},
        },
        "output_tail": {
            "type": "object",
            "properties": {
                "body_max_tokens": {"type": ["integer", "null"]},
                "tail_min_tokens": {"type": ["integer", "null"]},
            },
        },
        "prefixes": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"prefix_tokens_reported": {"type": ["integer", "null"]}, "median_gap_seconds": _STAT},
            },
        },
        # Calls that carried a prefix_chain, replayed in time order through each caching policy
        # the provider offers (ADR 0017); null when no call had a chain.
        "caching": {
            "type": ["object", "null"],
            "properties": {
                "calls_with_chain": _INTEGER,
                "policies": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "policy": {"enum": ["prompt_end", "system", "system_and_prompt_end", "automatic"]},
                            **{
                                name: _INTEGER
                                for name in (
                                    "ttl_seconds",
                                    "calls",
                                    "input_tokens",
                                    "calls_read",
                                    "calls_written",
                                    "read_tokens",
                                    "written_tokens",
                                    "breakpoints",
                                )
                            },
                        },
                    },
                },
            },
        },
    },
}
_NAMES = {"type": "array", "items": _STRING}
_ANSWERS = {
    "names": {
        "type": "object",
        "required": ["from", "to", "names"],
        "properties": {
            **_RANGE_ANSWER,
            "names": {
                "type": "object",
                "required": ["feature", "model", "provider", "user"],
                "properties": {"feature": _NAMES, "model": _NAMES, "provider": _NAMES, "user": _NAMES},
            },
        },
    },
    "prompts": {
        "type": "object",
        "required": ["from", "to", "duplicate_prompts", "shared_prefixes"],
        "properties": {
            **_RANGE_ANSWER,
            "duplicate_prompts": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "prompt_hash": _STRING,
                        "calls": _INTEGER,
                        "repeat_calls": _INTEGER,
                        "cost_usd": _STRING,
                        "repeat_cost_usd": _STRING,
                        "models": _STRINGS,
                        "features": _STRINGS,
                    },
                },
            },
            "shared_prefixes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "prefix_hash": _STRING,
                        "calls": _INTEGER,
                        "input_tokens": _INTEGER,
                        "cached_input_tokens": _INTEGER,
                        "cached_share": {"type": "number"},
                        "models": _STRINGS,
                    },
                },
            },
        },
    },
    "timeseries": {
        "type": "object",
        "required": ["from", "to", "interval", "group_by", "series"],
        "properties": {
            **_RANGE_ANSWER,
            "interval": {"enum": ["day", "hour"]},
            "group_by": {"type": ["string", "null"]},
            "series": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["key", "points"],
                    "properties": {
                        "key": {"type": ["string", "null"]},
                        "points": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "bucket": _STRING,
                                    "calls": _INTEGER,
                                    "errors": _INTEGER,
                                    "input_tokens": _INTEGER,
                                    "output_tokens": _INTEGER,
                                    "cost_usd": _STRING,
                                },
                            },
                        },
                    },
                },
            },
        },
    },
    "unpriced": {
        "type": "object",
        "required": ["from", "to", "calls", "tokens", "models"],
        "properties": {
            **_RANGE_ANSWER,
            "calls": _INTEGER,
            "tokens": _INTEGER,
            "models": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "provider": _STRING,
                        "model": _STRING,
                        "calls": _INTEGER,
                        "input_tokens": _INTEGER,
                        "output_tokens": _INTEGER,
                        "first_seen": _STRING,
                        "last_seen": _STRING,
                        "features": _STRINGS,
                        "reason": _STRING,
                    },
                },
            },
        },
    },
    "profile": {
        "type": "object",
        "required": ["from", "to", "tail_factor", "workloads"],
        "properties": {
            **_RANGE_ANSWER,
            "tail_factor": {"type": "number"},
            "workloads": {"type": "array", "items": _WORKLOAD},
        },
    },
}


def _read(description: str, parameters: list, answer: str, schema: dict) -> dict:
    """A read of the org's usage: a bearer token, its parameters, one answer and the read errors."""
    return {
        "security": [{"bearer": []}],
        "description": description,
        "parameters": parameters,
        "responses": {"200": _answer(answer, schema), **{str(c): _ERROR for c in _READ_ERRORS}},
    }


def _answer(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _contract(name: str) -> dict:
    """A JSON Schema of shared_lib.contracts as an answer's schema (one place for both)."""
    import json
    from importlib import resources

    schema = json.loads(resources.files("shared_lib.contracts").joinpath(name).read_text())
    return {key: value for key, value in schema.items() if key not in ("$schema", "$id")}


def _query(name: str, description: str, schema: dict | None = None, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema or _STRING}


_REALISED = [
    _query("lever", "what was changed", {"enum": ["model_rightsizing", "prompt_caching", "batching"]}, True),
    _query("feature", "the feature the change was made to", {"type": "string", "maxLength": 200}, True),
    _query("applied_at", "when the change took effect", {"type": "string", "format": "date-time"}, True),
    _query(
        "to",
        "the end of the window after it (default: now; at most 366 days)",
        {"type": "string", "format": "date-time"},
    ),
    _query("model", "only calls of these models (comma-separated); a model change: the new model"),
    _query("provider", "only calls of these providers (comma-separated)"),
    _query("from_model", "model_rightsizing: the model before the change"),
    _query("to_model", "model_rightsizing: the model after it"),
    _query("projected_saving_usd", "the saving the change was projected at, echoed", {"type": "string"}),
]

# An org's own model name as its calls send it -> the catalog's model id.
_ALIASES = {
    "type": "object",
    "required": ["aliases"],
    "properties": {
        "aliases": {
            "type": "object",
            "maxProperties": 200,
            "propertyNames": {"minLength": 1, "maxLength": 200},
            "additionalProperties": {"type": "string", "minLength": 1, "maxLength": 200},
        }
    },
}

OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "Netra analytics", "version": "1"},
    "components": {
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "a user's access token, an org API key, or (reads) an agent's delegated token with usage:read",
            }
        },
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                    }
                },
            }
        },
    },
    "paths": {
        "/health": {"get": {"responses": {"200": _answer("OK", {"type": "object", "required": ["status"]})}}},
        "/api/usage": {
            "post": {
                "security": [{"bearer": []}],
                "parameters": [
                    {
                        "name": "wait",
                        "in": "query",
                        "description": "read your writes: answer once what was accepted is stored (or after this "
                        "many seconds); `stored` says which. Without it, accepted means durably queued.",
                        "schema": {"type": "number", "minimum": 0, "maximum": 30},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"type": ["array", "object"]}},
                        "application/x-ndjson": {"schema": {"type": "string"}},
                    },
                },
                "responses": {
                    "200": {
                        "description": "accepted and rejected rows",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "accepted": {"type": "integer"},
                                        "stored": {
                                            "type": ["boolean", "null"],
                                            "description": "with wait=: all stored (null: nothing accepted)",
                                        },
                                        "rejected_count": {"type": "integer"},
                                        "rejected": {
                                            "type": "array",
                                            "description": "the first 100 rejected rows (rejected_count counts all)",
                                            "items": {
                                                "type": "object",
                                                "properties": {
                                                    "index": {"type": "integer"},
                                                    "error": {"type": "string"},
                                                },
                                            },
                                        },
                                    },
                                }
                            }
                        },
                    },
                    **{str(c): _ERROR for c in (400, 401, 403, 413, 415, 503)},
                    "429": _RATE_LIMITED,
                },
            }
        },
        "/api/usage/import": {
            "post": {
                "security": [{"bearer": []}],
                "parameters": [
                    {
                        "name": "format",
                        "in": "query",
                        "description": "default: told by the records' shape",
                        "schema": {"enum": ["openai", "openai_batch", "litellm", "langfuse", "anthropic"]},
                    },
                    {"name": "feature", "in": "query", "schema": {"type": "string"}},
                    {
                        "name": "timestamp",
                        "in": "query",
                        "description": "when the calls of records without a time of "
                        "their own were made (bare Anthropic Messages responses)",
                        "schema": {"type": "string", "format": "date-time"},
                    },
                    {
                        "name": "timezone",
                        "in": "query",
                        "description": "the zone of times written without one: an IANA name (Europe/Berlin) or a UTC "
                        "offset (+02:00); default UTC for LiteLLM, Langfuse and OpenAI exports (those tools store UTC)",
                        "schema": {"type": "string", "maxLength": 64},
                    },
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
                        },
                        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                    },
                },
                "responses": {
                    "200": {
                        "description": "accepted (new events), duplicates (event ids already stored or repeated in "
                        "the file; re-sent, a re-send replaces) and rejected rows",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "accepted": {"type": "integer"},
                                        "duplicates": {"type": "integer"},
                                        "rejected_count": {"type": "integer"},
                                        "rejected": {"type": "array", "description": "the first 100 rejected rows"},
                                        "error_groups": {
                                            "type": "array",
                                            "description": "the rejections by error, most common first (at most "
                                            "100 errors): each error once, with how many records had it and the "
                                            "indexes of the first five",
                                            "items": {
                                                "type": "object",
                                                "properties": {
                                                    "error": {"type": "string"},
                                                    "count": {"type": "integer"},
                                                    "first_records": {
                                                        "type": "array",
                                                        "items": {"type": "integer"},
                                                        "maxItems": 5,
                                                    },
                                                },
                                            },
                                        },
                                        "assumed_timezone": {
                                            "type": ["string", "null"],
                                            "description": "the zone times without one were read in (null: none "
                                            "had to be)",
                                        },
                                        "unknown_models": {
                                            "type": "array",
                                            "description": "models of accepted calls the price catalog does not "
                                            "know (after the org's model names), most calls first, with the "
                                            "catalog's nearest name of that provider (null: none near)",
                                            "items": {
                                                "type": "object",
                                                "properties": {
                                                    "model": {"type": "string"},
                                                    "provider": {"type": "string"},
                                                    "calls": {"type": "integer"},
                                                    "closest": {"type": ["string", "null"]},
                                                },
                                            },
                                        },
                                        "notes": {
                                            "type": "array",
                                            "items": {"type": "string"},
                                            "description": "what the import assumed (zone-less times, calls filed "
                                            "under the feature 'default') and could not price, in sentences",
                                        },
                                    },
                                }
                            }
                        },
                    },
                    **{str(c): _ERROR for c in (400, 401, 403, 413, 415, 503)},
                    "429": _RATE_LIMITED,
                },
            }
        },
        "/v1/traces": {
            "post": {
                "security": [{"bearer": []}],
                "description": "OTLP/HTTP traces (https://opentelemetry.io/docs/specs/otlp/#otlphttp): each LLM-call span "
                "(GenAI semantic conventions, OpenLLMetry or OpenInference attributes) is one usage event; other "
                "spans are skipped. gzip Content-Encoding accepted. An org API key needs usage:write.",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/x-protobuf": {"schema": {"type": "string", "format": "binary"}},
                        "application/json": {"schema": {"type": "object"}},
                    },
                },
                "responses": {
                    "200": {
                        "description": "ExportTraceServiceResponse (partial_success: spans rejected, and why)",
                        "content": {
                            "application/x-protobuf": {"schema": {"type": "string", "format": "binary"}},
                            "application/json": {"schema": {"type": "object"}},
                        },
                    },
                    **{str(c): _ERROR for c in (400, 401, 403, 413, 415, 503)},
                    "429": _RATE_LIMITED,
                },
            }
        },
        "/api/usage/names": {
            "get": _read(
                "The names in the org's calls of the period (features, models, providers, users), the costliest "
                "first, at most `limit` of each: what a question may name, in one read.",
                [
                    *_RANGE,
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
                ],
                "names per dimension",
                _ANSWERS["names"],
            )
        },
        "/api/usage/prompts": {
            "get": _read(
                "Prompts sent more than once (prompt_hash) and shared prompt prefixes (prefix_hash), successful calls only.",
                [
                    {"name": "from", "in": "query", "schema": {"type": "string", "format": "date-time"}},
                    {"name": "to", "in": "query", "schema": {"type": "string", "format": "date-time"}},
                ],
                "duplicate_prompts and shared_prefixes",
                _ANSWERS["prompts"],
            )
        },
        "/api/usage/timeseries": {
            "get": _read(
                "Calls, errors, tokens and cost per day (daily rollup: whole UTC days) or hour (exact range, at most 31 days).",
                [
                    *_RANGE,
                    {"name": "interval", "in": "query", "schema": {"enum": ["day", "hour"]}},
                    {"name": "group_by", "in": "query", "schema": {"enum": ["model", "provider", "feature"]}},
                    *_FILTERS,
                ],
                "series of points",
                _ANSWERS["timeseries"],
            )
        },
        "/api/usage/unpriced": {
            "get": _read(
                "Calls whose model the price catalog does not know, per provider and model.",
                _RANGE,
                "unpriced calls and tokens",
                _ANSWERS["unpriced"],
            )
        },
        "/api/usage/profile": {
            "get": _read(
                "Per workload (feature, provider, model, interactive, batch): tokens by kind, output distribution, "
                "billed failures, repeated prompts, output tail and shared prefixes: what the optimizer reads.",
                _RANGE,
                "workloads",
                _ANSWERS["profile"],
            )
        },
        "/api/usage/realised": {
            "get": _read(
                "Realised savings of a change: the calls of its scope after it, at their catalog cost and re-priced "
                "as they would have cost without it (a model change at the previous model's prices on the same tokens, "
                "cache reads at the full input price with no write premium, batch or Flex calls at synchronous "
                "prices), per day and in total. Volume and mix after the change are held equal. A feature or model "
                "with no calls is a 400 (unknown_scope, unknown_model).",
                _REALISED,
                "realised savings per day and in total, with the band and what was assumed",
                _contract("realised_savings.schema.json"),
            )
        },
        "/api/usage/model-names": {
            "get": {
                "security": [{"bearer": []}],
                "description": "The org's own model names (Azure deployment names, a proxy's aliases) and the catalog model "
                "each is priced and grouped as.",
                "responses": {
                    "200": {"description": "the mapping", "content": {"application/json": {"schema": _ALIASES}}},
                    **{str(c): _ERROR for c in _READ_ERRORS},
                },
            },
            "put": {
                "security": [{"bearer": []}],
                "description": "Replace the org's mapping (a signed-in user of the org; not an API key). Every target must be "
                "a model the price catalog knows. Applied at ingest to calls stored from now on (within a "
                "minute on every instance); calls stored before keep the model they were stored with. The "
                "name as sent stays in the call's metadata.model_as_sent.",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ALIASES}}},
                "responses": {
                    "200": {"description": "the mapping stored", "content": {"application/json": {"schema": _ALIASES}}},
                    **{str(c): _ERROR for c in (400, 401, 403, 413, 415, 503)},
                },
            },
        },
        "/api/usage/summary": {
            "get": {
                "security": [{"bearer": []}],
                "parameters": [
                    {"name": "from", "in": "query", "schema": {"type": "string", "format": "date-time"}},
                    {"name": "to", "in": "query", "schema": {"type": "string", "format": "date-time"}},
                    {
                        "name": "group_by",
                        "in": "query",
                        "schema": {"enum": ["model", "provider", "feature", "user", "day"]},
                    },
                    *_FILTERS,
                ],
                "responses": {
                    "200": {
                        "description": "summary",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "from": {"type": "string"},
                                        "to": {"type": "string"},
                                        "groups": {"type": "array", "items": _SUMMARY_GROUP},
                                        "totals": _MEASURES,
                                        "unpriced": {
                                            "type": "object",
                                            "properties": {"calls": _INTEGER, "tokens": _INTEGER},
                                        },
                                    },
                                }
                            }
                        },
                    },
                    **{str(c): _ERROR for c in _READ_ERRORS},
                },
            }
        },
    },
}
