-- Users, their organizations and OAuth identities; sessions with their refresh tokens;
-- org API keys; an audit log. Everything lives in the `auth` schema.
CREATE TABLE auth.orgs (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    personal    boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE auth.users (
    id             uuid PRIMARY KEY,
    email          text NOT NULL UNIQUE,          -- lower-cased, verified
    name           text NOT NULL DEFAULT '',
    org_id         uuid NOT NULL REFERENCES auth.orgs (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_login_at  timestamptz
);

CREATE TABLE auth.identities (
    provider          text NOT NULL,               -- google | github | dev
    provider_user_id  text NOT NULL,
    user_id           uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    email             text NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, provider_user_id)
);
CREATE INDEX identities_user ON auth.identities (user_id);

-- A session is one refresh-token family: every refresh spends one token and issues the next.
CREATE TABLE auth.sessions (
    id              uuid PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    org_id          uuid NOT NULL REFERENCES auth.orgs (id),
    provider        text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    revoked_at      timestamptz,
    revoked_reason  text
);
CREATE INDEX sessions_user ON auth.sessions (user_id);

CREATE TABLE auth.refresh_tokens (
    jti         text PRIMARY KEY,
    session_id  uuid NOT NULL REFERENCES auth.sessions (id) ON DELETE CASCADE,
    issued_at   timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    spent_at    timestamptz
);
CREATE INDEX refresh_tokens_session ON auth.refresh_tokens (session_id);

CREATE TABLE auth.api_keys (
    id            uuid PRIMARY KEY,
    org_id        uuid NOT NULL REFERENCES auth.orgs (id),
    name          text NOT NULL,
    display       text NOT NULL,                  -- the recognisable start, e.g. netra_sk_Ab3x…
    key_hash      bytea NOT NULL UNIQUE,          -- SHA-256 of the whole key
    permissions   text[] NOT NULL,
    created_by    uuid REFERENCES auth.users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
CREATE INDEX api_keys_org ON auth.api_keys (org_id);

CREATE TABLE auth.audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    event       text NOT NULL,                    -- sign_in | sign_in_failed | refresh | refresh_reuse | logout | api_key_created | api_key_revoked
    user_id     uuid,
    session_id  uuid,
    client_ip   text,
    detail      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_user ON auth.audit_log (user_id, at);
