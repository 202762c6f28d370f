"""The chat function's OpenAPI document (served at /openapi.json).

It is what the fuzz tests generate requests from, so it says exactly what the routes take:
ids are the 32-hex-digit ids the store issues, bodies refuse unknown fields, and every
answer a route can give is listed.
"""

_ERROR = {"$ref": "#/components/schemas/Error"}
_ID = {"type": "string", "pattern": "^[0-9a-f]{32}$"}
_WHEN = {"type": ["string", "null"]}


def _json(schema, description="OK"):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes):
    # Every route authenticates first: 401 for a missing or bad token, 503 when the signing
    # keys cannot be fetched.
    return {str(code): _json(_ERROR, "error") for code in sorted({401, 503, *codes})}


def _path(name):
    return {"name": name, "in": "path", "required": True, "schema": _ID}


def _body(schema, required=True):
    return {"required": required, "content": {"application/json": {"schema": schema}}}


_THREAD = {
    "type": "object",
    "required": ["thread_id", "title", "created_at", "updated_at", "message_count"],
    "properties": {
        "thread_id": {"type": "string"},
        "title": {"type": "string"},
        "created_at": _WHEN,
        "updated_at": _WHEN,
        "message_count": {"type": "integer"},
    },
}
_MESSAGE = {
    "type": "object",
    "required": ["message_id", "thread_id", "role", "text", "created_at", "run_id"],
    "properties": {
        "message_id": {"type": "string"},
        "thread_id": {"type": "string"},
        "role": {"type": "string"},
        "text": {"type": "string"},
        "created_at": _WHEN,
        "run_id": {"type": ["string", "null"]},
    },
}
_RUN = {
    "type": "object",
    "required": ["run_id", "thread_id", "message_id", "status", "steps"],
    "properties": {
        "run_id": {"type": "string"},
        "thread_id": {"type": ["string", "null"]},
        "message_id": {"type": ["string", "null"]},
        "status": {"type": ["string", "null"]},
        "plan": {"type": "array"},
        "query": {"type": ["object", "null"]},
        "steps": {"type": "array"},
        "result": {},
        "error": {},
        "created_at": _WHEN,
        "updated_at": _WHEN,
    },
}
_TITLE = {"type": "string", "maxLength": 200}
_PAGE = [
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
    {"name": "cursor", "in": "query", "description": "next_cursor of the previous page", "schema": _ID},
]
_SECURE = [{"bearer": []}]
# The org's monthly LLM budget in USD, exact: a decimal string with two places, or null (none set).
_BUDGET = {"type": ["string", "null"], "pattern": r"^\d{1,10}(\.\d{1,2})?$", "examples": ["1500.00"]}
_SETTINGS = {
    "type": "object",
    "required": ["monthly_budget_usd"],
    "properties": {"monthly_budget_usd": _BUDGET, "updated_at": {"type": ["string", "null"]}},
}


def _contract(name: str) -> dict:
    """A JSON Schema of shared_lib.contracts as an answer's schema (one place for both)."""
    import json
    from importlib import resources

    schema = json.loads(resources.files("shared_lib.contracts").joinpath(name).read_text())
    return {key: value for key, value in schema.items() if key not in ("$schema", "$id")}


_CHANGE = _contract("change.schema.json")
_NAME = {"type": "string", "minLength": 1, "maxLength": 200}
_NEW_CHANGE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["lever", "title", "scope"],
    "properties": {
        "lever": _CHANGE["properties"]["lever"],
        "title": _NAME,
        "scope": _CHANGE["properties"]["scope"],
        "change": _CHANGE["properties"]["change"],
        "status": {"enum": ["proposed", "accepted"], "description": "proposed when left out"},
        "recommendation_id": {"type": ["string", "null"], "pattern": "^[\\x21-\\x7e]{1,128}$"},
        "projected_saving_usd": _CHANGE["properties"]["projected_saving_usd"],
        "share_of_traffic": _CHANGE["properties"]["share_of_traffic"],
    },
}
_MOVE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["status"],
    "properties": {
        "status": _CHANGE["properties"]["status"],
        "applied_at": {
            "type": ["string", "null"],
            "format": "date-time",
            "description": "with status applied only: when it took effect (now when left out; not in the future)",
        },
        "note": {"type": ["string", "null"], "maxLength": 1000},
    },
}
_IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]{1,200}$"},
}


def _page_of(name, item):
    return {
        "type": "object",
        "required": [name, "next_cursor"],
        "properties": {name: {"type": "array", "items": item}, "next_cursor": {"type": ["string", "null"]}},
    }


OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "Netra chat", "version": "1"},
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
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
        "/health": {"get": {"responses": {"200": _json({"type": "object"})}}},
        "/api/threads": {
            "get": {
                "security": _SECURE,
                "parameters": _PAGE,
                "responses": {"200": _json(_page_of("threads", _THREAD)), **_errors(400)},
            },
            "post": {
                "security": _SECURE,
                "requestBody": _body(
                    {"type": "object", "additionalProperties": False, "properties": {"title": _TITLE}}, required=False
                ),
                "responses": {"201": _json(_THREAD), **_errors(400, 413, 415)},
            },
        },
        "/api/threads/{thread_id}": {
            "parameters": [_path("thread_id")],
            "get": {"security": _SECURE, "responses": {"200": _json(_THREAD), **_errors(404)}},
            "patch": {
                "security": _SECURE,
                "requestBody": _body(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["title"],
                        "properties": {"title": {**_TITLE, "minLength": 1}},
                    }
                ),
                "responses": {"200": _json(_THREAD), **_errors(400, 404, 413, 415)},
            },
            "delete": {"security": _SECURE, "responses": {"204": {"description": "deleted"}, **_errors(404)}},
        },
        "/api/threads/{thread_id}/messages": {
            "parameters": [_path("thread_id")],
            "get": {
                "security": _SECURE,
                "parameters": _PAGE,
                "responses": {"200": _json(_page_of("messages", _MESSAGE)), **_errors(400, 404)},
            },
            "post": {
                "security": _SECURE,
                "parameters": [_IDEMPOTENCY_KEY],
                "requestBody": _body(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["text"],
                        "properties": {"text": {"type": "string", "minLength": 1, "maxLength": 10000}},
                    }
                ),
                "responses": {
                    "202": _json(
                        {
                            "type": "object",
                            "required": ["message_id", "run_id"],
                            "properties": {"message_id": {"type": "string"}, "run_id": {"type": "string"}},
                        }
                    ),
                    **_errors(400, 404, 409, 413, 415, 429),
                },
            },
        },
        "/api/runs/{run_id}": {
            "parameters": [_path("run_id")],
            "get": {"security": _SECURE, "responses": {"200": _json(_RUN), **_errors(404)}},
        },
        "/api/settings": {
            "get": {"security": _SECURE, "responses": {"200": _json(_SETTINGS), **_errors()}},
            "put": {
                "security": _SECURE,
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["monthly_budget_usd"],
                        "additionalProperties": False,
                        "properties": {"monthly_budget_usd": _BUDGET},
                    }
                ),
                "responses": {"200": _json(_SETTINGS), **_errors(400, 413, 415)},
            },
        },
        "/api/changes": {
            "get": {
                "security": _SECURE,
                "description": "The org's changes, newest first; `status` keeps those in one status.",
                "parameters": [*_PAGE, {"name": "status", "in": "query", "schema": _CHANGE["properties"]["status"]}],
                "responses": {"200": _json(_page_of("changes", _CHANGE)), **_errors(400)},
            },
            "post": {
                "security": _SECURE,
                "description": "Record a change, proposed or accepted. A repeated Idempotency-Key with the same body "
                "answers the first change (200); with another body, 409.",
                "parameters": [_IDEMPOTENCY_KEY],
                "requestBody": _body(_NEW_CHANGE),
                "responses": {
                    "201": _json(_CHANGE, "created"),
                    "200": _json(_CHANGE, "the change an earlier request with this Idempotency-Key made"),
                    **_errors(400, 409, 413, 415),
                },
            },
        },
        "/api/changes/{change_id}": {
            "parameters": [_path("change_id")],
            "get": {"security": _SECURE, "responses": {"200": _json(_CHANGE), **_errors(404)}},
            "patch": {
                "security": _SECURE,
                "description": "Move the change on: proposed -> accepted | rejected, accepted -> applied | rejected, "
                "applied -> verified | rolled_back, rolled_back -> applied. Any other move is a 409 "
                "(invalid_transition); each move is added to its history.",
                "requestBody": _body(_MOVE),
                "responses": {"200": _json(_CHANGE), **_errors(400, 404, 409, 413, 415)},
            },
        },
        "/api/ws-ticket": {
            "post": {
                "security": _SECURE,
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["ticket", "expires_in"],
                            "properties": {"ticket": {"type": "string"}, "expires_in": {"type": "integer"}},
                        }
                    ),
                    **_errors(),
                },
            }
        },
    },
}
