"""The chat function's OpenAPI document (served at /openapi.json)."""

_ERROR = {"$ref": "#/components/schemas/Error"}


def _json(schema, description="OK"):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes):
    return {str(code): _json(_ERROR, "error") for code in codes}


_THREAD = {"type": "object", "properties": {"thread_id": {"type": "string"}, "title": {"type": "string"},
                                            "created_at": {"type": "string"}, "updated_at": {"type": "string"},
                                            "message_count": {"type": "integer"}}}
_PAGE = [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
         {"name": "cursor", "in": "query", "schema": {"type": "string"}}]
_SECURE = [{"bearer": []}]
# The org's monthly LLM budget in USD, exact: a decimal string with two places, or null (none set).
_BUDGET = {"type": ["string", "null"], "pattern": r"^\d{1,10}(\.\d{1,2})?$", "examples": ["1500.00"]}
_SETTINGS = {"type": "object", "required": ["monthly_budget_usd"], "properties": {
    "monthly_budget_usd": _BUDGET, "updated_at": {"type": ["string", "null"]}}}

OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "Netra chat", "version": "1"},
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        "schemas": {"Error": {"type": "object", "required": ["error"], "properties": {"error": {
            "type": "object", "required": ["code", "message"], "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}}},
    },
    "paths": {
        "/health": {"get": {"responses": {"200": _json({"type": "object"})}}},
        "/api/threads": {
            "get": {"security": _SECURE, "parameters": _PAGE, "responses": {"200": _json({"type": "object"}), **_errors(400, 401)}},
            "post": {"security": _SECURE, "responses": {"201": _json(_THREAD), **_errors(400, 401, 413, 415)}},
        },
        "/api/threads/{thread_id}": {
            "get": {"security": _SECURE, "responses": {"200": _json(_THREAD), **_errors(401, 404)}},
            "patch": {"security": _SECURE, "responses": {"200": _json(_THREAD), **_errors(400, 401, 404, 413, 415)}},
            "delete": {"security": _SECURE, "responses": {"204": {"description": "deleted"}, **_errors(401, 404)}},
        },
        "/api/threads/{thread_id}/messages": {
            "get": {"security": _SECURE, "parameters": _PAGE, "responses": {"200": _json({"type": "object"}), **_errors(400, 401, 404)}},
            "post": {
                "security": _SECURE,
                "parameters": [{"name": "Idempotency-Key", "in": "header", "schema": {"type": "string", "maxLength": 200}}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["text"], "properties": {"text": {"type": "string", "minLength": 1, "maxLength": 10000}}}}}},
                "responses": {"202": _json({"type": "object", "required": ["message_id", "run_id"]}), **_errors(400, 401, 404, 409, 413, 415, 503)},
            },
        },
        "/api/runs/{run_id}": {"get": {"security": _SECURE, "responses": {"200": _json({"type": "object"}), **_errors(401, 404)}}},
        "/api/settings": {
            "get": {"security": _SECURE, "responses": {"200": _json(_SETTINGS), **_errors(401, 403)}},
            "put": {
                "security": _SECURE,
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["monthly_budget_usd"], "additionalProperties": False,
                    "properties": {"monthly_budget_usd": _BUDGET}}}}},
                "responses": {"200": _json(_SETTINGS), **_errors(400, 401, 403, 413, 415)},
            },
        },
        "/api/ws-ticket": {"post": {"security": _SECURE, "responses": {"200": _json({"type": "object", "required": ["ticket", "expires_in"]}), **_errors(401)}}},
    },
}
