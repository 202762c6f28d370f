"""The auth function's OpenAPI document (served at /openapi.json)."""

_ERROR = {"$ref": "#/components/schemas/Error"}
_TOKENS = {"$ref": "#/components/schemas/TokenResponse"}


def _json(schema, description="OK"):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes):
    return {str(code): _json(_ERROR, "error") for code in codes}


OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "Netra auth", "version": "1"},
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {"error": {"type": "object", "required": ["code", "message"],
                                         "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}},
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
                "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "display": {"type": "string"},
                               "permissions": {"type": "array", "items": {"type": "string"}},
                               "created_at": {"type": "string"}, "last_used_at": {"type": ["string", "null"]},
                               "revoked_at": {"type": ["string", "null"]}, "key": {"type": "string", "description": "only in the create answer"}},
            },
        },
    },
    "paths": {
        "/health": {"get": {"responses": {"200": _json({"type": "object"})}}},
        "/auth/login/{provider}": {
            "get": {
                "parameters": [
                    {"name": "provider", "in": "path", "required": True, "schema": {"enum": ["google", "github"]}},
                    {"name": "redirect_uri", "in": "query", "required": True, "schema": {"type": "string"}},
                    {"name": "login_hint", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {"302": {"description": "to the provider"}, **_errors(400, 404, 429, 503)},
            }
        },
        "/auth/callback/{provider}": {
            "get": {"responses": {"302": {"description": "to the app, tokens or error in the fragment"}, **_errors(400, 404, 429)}}
        },
        "/auth/dev/login": {
            "post": {
                "description": "Only when NETRA_ENV is local or test.",
                "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {"email": {"type": "string"}, "name": {"type": "string"}}}}}},
                "responses": {"200": _json(_TOKENS), **_errors(400, 404, 415, 429)},
            }
        },
        "/auth/refresh": {
            "post": {
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object", "required": ["refresh_token"], "properties": {"refresh_token": {"type": "string"}}}}}},
                "responses": {"200": _json(_TOKENS), **_errors(400, 401, 413, 415, 429)},
            }
        },
        "/auth/logout": {"post": {"security": [{"bearer": []}], "responses": {"200": _json({"type": "object"}), **_errors(401)}}},
        "/auth/me": {"get": {"security": [{"bearer": []}], "responses": {"200": _json({"type": "object", "required": ["user_id", "email", "name", "provider"]}), **_errors(401)}}},
        "/auth/validate": {
            "post": {
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object", "required": ["token"], "properties": {"token": {"type": "string"}}}}}},
                "responses": {"200": _json({"type": "object", "required": ["valid"], "properties": {"valid": {"type": "boolean"}, "user_id": {}, "org_id": {}, "permissions": {}, "expires_at": {}, "error": {}}}), **_errors(400, 415)},
            }
        },
        "/auth/.well-known/jwks.json": {"get": {"responses": {"200": _json({"type": "object", "required": ["keys"]})}}},
        "/auth/api-keys": {
            "get": {"security": [{"bearer": []}], "responses": {"200": _json({"type": "object"}), **_errors(401)}},
            "post": {"security": [{"bearer": []}], "responses": {"201": _json({"$ref": "#/components/schemas/ApiKey"}), **_errors(400, 401)}},
        },
        "/auth/api-keys/{id}": {"delete": {"security": [{"bearer": []}], "responses": {"200": _json({"$ref": "#/components/schemas/ApiKey"}), **_errors(401, 404)}}},
    },
}
