"""Google-like OIDC and GitHub-like OAuth endpoints on one port, for local runs and tests.

Google (under /google): discovery, authorize (a sign-in page listing test identities, or
straight through with `login_hint`), token (authorization code + PKCE S256, ID token
signed RS256 with the nonce), userinfo, JWKS. GitHub (under /github): authorize, access
token (JSON or form answers, errors in a 200 body as GitHub does), /api/user,
/api/user/emails. The auth function uses the same code path against this as against the
real providers: only base URLs and client credentials differ.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import hashlib
import html
import json
import secrets
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import jwt
import yaml
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, jsonify, redirect, request

from emulators.oauth.identities import TestIdentity, find, for_provider
from emulators.serving import serve

CODE_TTL = 120
TOKEN_TTL = 3600


@dataclasses.dataclass
class Grant:
    provider: str
    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str | None
    identity: TestIdentity
    scope: str
    issued_at: float


@dataclasses.dataclass(frozen=True)
class Client:
    client_id: str
    client_secret: str


class ProviderState:
    def __init__(self, clients: dict[str, Client]):
        self.clients = clients  # provider -> registered client
        self.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "emulator-" + secrets.token_hex(4)
        self.codes: dict[str, Grant] = {}
        self.tokens: dict[str, TestIdentity] = {}
        self.lock = threading.Lock()

    def issue_code(self, grant: Grant) -> str:
        code = secrets.token_urlsafe(24)
        with self.lock:
            self.codes[code] = grant
        return code

    def redeem(self, code: str) -> Grant | None:
        with self.lock:
            grant = self.codes.pop(code, None)  # single use
        if grant is None or time.time() - grant.issued_at > CODE_TTL:
            return None
        return grant


def create_app(state: ProviderState):
    app = Flask("oauth-emulator")

    def base() -> str:
        return request.url_root.rstrip("/")

    @app.get("/health")
    def health():
        return {"status": "ok"}

    # --- authorize (both providers) ---------------------------------------------------

    def authorize(provider: str):
        params = request.values
        client = state.clients.get(provider)
        if client is None or params.get("client_id") != client.client_id:
            return _page("Unknown client", "The client_id is not registered with this provider."), 400
        redirect_uri = params.get("redirect_uri", "")
        if not redirect_uri.startswith(("http://", "https://")):
            return _page("Bad request", "redirect_uri is missing or not an absolute URL."), 400
        state_param = params.get("state", "")

        def back(**answer):
            answer = {k: v for k, v in answer.items() if v is not None}
            if state_param:
                answer["state"] = state_param
            return redirect(f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{urlencode(answer)}", code=302)

        if provider == "google" and params.get("response_type") != "code":
            return back(error="unsupported_response_type")
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            return back(error="invalid_request", error_description="PKCE with S256 is required")
        if request.method == "POST" and params.get("decision") == "deny":
            return back(error="access_denied", error_description="The user denied access")
        hint = (
            params.get("identity")
            if request.method == "POST"
            else params.get("login_hint" if provider == "google" else "login")
        )
        identity = find(provider, hint)
        if identity is None:
            return _sign_in_page(provider, params)
        grant = Grant(
            provider,
            client.client_id,
            redirect_uri,
            params["code_challenge"],
            params.get("nonce"),
            identity,
            params.get("scope", ""),
            time.time(),
        )
        return back(code=state.issue_code(grant))

    app.add_url_rule("/google/authorize", "google_authorize", lambda: authorize("google"), methods=["GET", "POST"])
    app.add_url_rule(
        "/github/login/oauth/authorize", "github_authorize", lambda: authorize("github"), methods=["GET", "POST"]
    )

    # --- token (both providers) -----------------------------------------------------

    def exchange(provider: str):
        form = request.form
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if request.authorization and request.authorization.type == "basic":
            client_id, client_secret = request.authorization.username, request.authorization.password
        client = state.clients.get(provider)
        if (
            client is None
            or client_id != client.client_id
            or not secrets.compare_digest(client_secret or "", client.client_secret)
        ):
            return _token_error(provider, "invalid_client", "client authentication failed", 401)
        if form.get("grant_type", "authorization_code") != "authorization_code":
            return _token_error(provider, "unsupported_grant_type", "only authorization_code is supported", 400)
        grant = state.redeem(form.get("code", ""))
        if grant is None or grant.provider != provider or grant.client_id != client_id:
            return _token_error(provider, "invalid_grant", "the code is unknown, used or expired", 400)
        if form.get("redirect_uri") != grant.redirect_uri:
            return _token_error(provider, "invalid_grant", "redirect_uri does not match the authorization request", 400)
        verifier = form.get("code_verifier")
        if not verifier:
            return _token_error(provider, "invalid_grant", "code_verifier is required (PKCE)", 400)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not secrets.compare_digest(challenge, grant.code_challenge):
            return _token_error(provider, "invalid_grant", "code_verifier does not match the code_challenge", 400)
        access_token = secrets.token_urlsafe(24)
        with state.lock:
            state.tokens[access_token] = grant.identity
        answer = {"access_token": access_token, "token_type": "Bearer", "scope": grant.scope, "expires_in": TOKEN_TTL}
        if provider == "google":
            answer["id_token"] = _id_token(state, grant, f"{base()}/google")
            return jsonify(answer)
        if "application/json" in request.headers.get("Accept", ""):
            return jsonify(answer)
        return urlencode(answer), 200, {"Content-Type": "application/x-www-form-urlencoded"}

    app.add_url_rule("/google/token", "google_token", lambda: exchange("google"), methods=["POST"])
    app.add_url_rule("/github/login/oauth/access_token", "github_token", lambda: exchange("github"), methods=["POST"])

    # --- Google discovery, JWKS, userinfo -------------------------------------------

    @app.get("/google/.well-known/openid-configuration")
    def discovery():
        root = f"{base()}/google"
        return {
            "issuer": root,
            "authorization_endpoint": f"{root}/authorize",
            "token_endpoint": f"{root}/token",
            "userinfo_endpoint": f"{root}/userinfo",
            "jwks_uri": f"{root}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        }

    @app.get("/google/jwks")
    def jwks():
        key = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(state.signing_key.public_key()))
        key.update(kid=state.kid, use="sig", alg="RS256")
        return {"keys": [key]}

    def bearer_identity() -> TestIdentity | None:
        value = request.headers.get("Authorization", "")
        scheme, _, token = value.partition(" ")
        if scheme.lower() not in ("bearer", "token"):
            return None
        with state.lock:
            return state.tokens.get(token.strip())

    @app.get("/google/userinfo")
    def userinfo():
        identity = bearer_identity()
        if identity is None:
            return {"error": "invalid_token"}, 401
        return {
            "sub": identity.google_sub,
            "email": identity.email,
            "email_verified": identity.email_verified,
            "name": identity.name,
        }

    # --- GitHub API -----------------------------------------------------------------

    @app.get("/github/api/user")
    def github_user():
        identity = bearer_identity()
        if identity is None:
            return {"message": "Bad credentials"}, 401
        # GitHub shows only a public email here; ours are private, as is common.
        return {"id": identity.github_id, "login": identity.github_login, "name": identity.name, "email": None}

    @app.get("/github/api/user/emails")
    def github_emails():
        identity = bearer_identity()
        if identity is None:
            return {"message": "Bad credentials"}, 401
        return jsonify(
            [
                {
                    "email": identity.email,
                    "primary": True,
                    "verified": identity.email_verified,
                    "visibility": "private",
                },
                {
                    "email": f"{identity.github_login}@users.noreply.github.com",
                    "primary": False,
                    "verified": True,
                    "visibility": None,
                },
            ]
        )

    return app


def _id_token(state: ProviderState, grant: Grant, issuer: str) -> str:
    now = int(time.time())
    claims = {
        "iss": issuer,
        "aud": grant.client_id,
        "sub": grant.identity.google_sub,
        "email": grant.identity.email,
        "email_verified": grant.identity.email_verified,
        "name": grant.identity.name,
        "iat": now,
        "exp": now + TOKEN_TTL,
    }
    if grant.nonce:
        claims["nonce"] = grant.nonce
    return jwt.encode(claims, state.signing_key, algorithm="RS256", headers={"kid": state.kid})


def _token_error(provider: str, code: str, description: str, status: int):
    if provider == "github":  # GitHub answers errors with 200 and an error body
        return jsonify({"error": code, "error_description": description}), 200
    return jsonify({"error": code, "error_description": description}), status


def _page(title: str, text: str) -> str:
    return f"<!doctype html><html lang=en><title>{html.escape(title)}</title><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>"


def _sign_in_page(provider: str, params) -> str:
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in params.items()
        if k not in ("identity", "decision")
    )
    buttons = "".join(
        f'<li><button type="submit" name="identity" value="{html.escape(i.email)}">{html.escape(i.name)} &lt;{html.escape(i.email)}&gt;'
        f"{'' if i.email_verified else ' (unverified email)'}</button></li>"
        for i in for_provider(provider)
    )
    label = "Google" if provider == "google" else "GitHub"
    return (
        f"<!doctype html><html lang=en><meta charset=utf-8><title>Sign in with {label} (emulator)</title>"
        f"<main><h1>Sign in with {label}</h1><p>Local emulator: choose a test identity.</p>"
        f'<form method="post">{hidden}<ul>{buttons}</ul>'
        f'<button type="submit" name="decision" value="deny">Deny access</button></form></main>'
    )


def load_clients(secrets_file: Path | None) -> dict[str, Client]:
    """Client registrations: fixed local client ids, secrets from the local secrets file."""
    values = yaml.safe_load(secrets_file.read_text()) if secrets_file and secrets_file.exists() else {}
    values = values or {}
    return {
        "google": Client(LOCAL_CLIENT_IDS["google"], str(values.get("oauth-google-client-secret", ""))),
        "github": Client(LOCAL_CLIENT_IDS["github"], str(values.get("oauth-github-client-secret", ""))),
    }


LOCAL_CLIENT_IDS = {"google": "netra-local-google.apps.example", "github": "Iv1.netralocalgithub"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="oauth-emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--secrets-file", type=Path, help="local secrets YAML holding the OAuth client secrets")
    args = parser.parse_args(argv)
    return serve(create_app(ProviderState(load_clients(args.secrets_file))), args.host, args.port, "oauth-emulator")


if __name__ == "__main__":
    sys.exit(main())
