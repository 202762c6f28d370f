"""The auth function's OpenAPI document (served at /openapi.json)."""

_ERROR = {"$ref": "#/components/schemas/Error"}
_TOKENS = {"$ref": "#/components/schemas/TokenResponse"}


def _json(schema, description="OK"):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes):
    return {str(code): _json(_ERROR, "error") for code in codes}


def _body(schema, required=True):
    return {"required": required, "content": {"application/json": {"schema": schema}}}


_SECURE = [{"bearer": []}]
_PROVIDER = {"name": "provider", "in": "path", "required": True, "schema": {"enum": ["google", "github"]}}
_API_KEY = {"$ref": "#/components/schemas/ApiKey"}


OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "Netra auth", "version": "1"},
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
            },
            "TokenResponse": {
                "type": "object",
                "required": ["access_token", "refresh_token", "token_type", "expires_in", "user"],
                "properties": {
                    "access_token": {"type": "string"},
                    "refresh_token": {"type": "string"},
                    "token_type": {"const": "Bearer"},
                    "expires_in": {"type": "integer"},
                    "user": {"type": "object"},
                },
            },
            "ApiKey": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "name": {"type": "string"},
                    "display": {"type": "string"},
                    "permissions": {"type": "array", "items": {"type": "string"}},
                    "created_at": {"type": "string"},
                    "last_used_at": {"type": ["string", "null"]},
                    "revoked_at": {"type": ["string", "null"]},
                    "key": {"type": "string", "description": "only in the create answer"},
                },
            },
        },
    },
    "paths": {
        "/health": {"get": {"responses": {"200": _json({"type": "object"})}}},
        "/auth/login/{provider}": {
            "get": {
                "parameters": [
                    _PROVIDER,
                    {"name": "redirect_uri", "in": "query", "required": True, "schema": {"type": "string"}},
                    {"name": "login_hint", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {"302": {"description": "to the provider"}, **_errors(400, 404, 429, 502, 503)},
            }
        },
        "/auth/callback/{provider}": {
            "get": {
                "parameters": [
                    _PROVIDER,
                    {"name": "state", "in": "query", "required": True, "schema": {"type": "string"}},
                    {"name": "code", "in": "query", "schema": {"type": "string"}},
                    {"name": "error", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {
                    "302": {"description": "to the app, tokens or error in the fragment"},
                    **_errors(400, 404, 429, 503),
                },
            }
        },
        "/auth/dev/login": {
            "post": {
                "description": "Only when NETRA_ENV is local or test.",
                "requestBody": _body(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {"email": {"type": "string", "format": "email"}, "name": {"type": "string"}},
                    },
                    required=False,
                ),
                "responses": {"200": _json(_TOKENS), **_errors(400, 404, 413, 415, 429)},
            }
        },
        "/auth/refresh": {
            "post": {
                "requestBody": _body(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["refresh_token"],
                        "properties": {"refresh_token": {"type": "string"}},
                    }
                ),
                "responses": {"200": _json(_TOKENS), **_errors(400, 401, 413, 415, 429)},
            }
        },
        "/auth/logout": {
            "post": {
                "security": _SECURE,
                "responses": {
                    "200": _json(
                        {"type": "object", "required": ["revoked"], "properties": {"revoked": {"const": True}}}
                    ),
                    **_errors(401, 503),
                },
            }
        },
        "/auth/me": {
            "get": {
                "security": _SECURE,
                "responses": {
                    "200": _json({"type": "object", "required": ["user_id", "email", "name", "provider"]}),
                    **_errors(401, 503),
                },
            }
        },
        "/auth/token-exchange": {
            "post": {
                "security": _SECURE,
                "description": "The caller's access token for a short-lived, read-only token the agents of a run present to analytics.",
                "requestBody": _body(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["scope"],
                        "properties": {
                            "scope": {"type": "string"},
                            "actor": {"type": "string", "pattern": "^[a-z][a-z0-9-]{0,39}$"},
                        },
                    }
                ),
                "responses": {
                    "200": _json({"type": "object", "required": ["access_token", "token_type", "expires_in", "scope"]}),
                    **_errors(400, 401, 413, 415, 429, 503),
                },
            }
        },
        "/auth/validate": {
            "post": {
                "requestBody": _body(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["token"],
                        "properties": {
                            "token": {"type": "string"},
                            # A component validating for its own client names it: refusals
                            # are then counted per client, not all under the component.
                            "client_ip": {"type": "string"},
                        },
                    }
                ),
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["valid"],
                            "properties": {
                                "valid": {"type": "boolean"},
                                "user_id": {},
                                "org_id": {},
                                "permissions": {},
                                "expires_at": {},
                                "error": {},
                            },
                        }
                    ),
                    **_errors(400, 413, 415, 429, 503),
                },
            }
        },
        "/auth/.well-known/jwks.json": {"get": {"responses": {"200": _json({"type": "object", "required": ["keys"]})}}},
        "/auth/api-keys": {
            "get": {
                "security": _SECURE,
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["api_keys"],
                            "properties": {"api_keys": {"type": "array", "items": _API_KEY}},
                        }
                    ),
                    **_errors(401, 503),
                },
            },
            "post": {
                "security": _SECURE,
                "requestBody": _body(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["name"],
                        "properties": {
                            "name": {"type": "string", "minLength": 1, "maxLength": 100},
                            "scopes": {
                                "type": "array",
                                "minItems": 1,
                                "uniqueItems": True,
                                "items": {"enum": ["usage:write", "usage:read"]},
                                "default": ["usage:write"],
                                "description": "what the key may do; its permissions are exactly these",
                            },
                        },
                    }
                ),
                "responses": {"201": _json(_API_KEY), **_errors(400, 401, 413, 415, 503)},
            },
        },
        "/auth/api-keys/{key_id}": {
            "delete": {
                "security": _SECURE,
                "parameters": [
                    {"name": "key_id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
                ],
                "responses": {"200": _json(_API_KEY), **_errors(401, 404, 503)},
            }
        },
    },
}
