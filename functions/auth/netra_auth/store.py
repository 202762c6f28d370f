"""The auth schema in PostgreSQL: users, orgs, identities, sessions, refresh tokens,
API keys and the audit log. Every method is one transaction."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid


@dataclasses.dataclass(frozen=True)
class User:
    id: str
    email: str
    name: str
    org_id: str


@dataclasses.dataclass(frozen=True)
class Session:
    id: str
    user_id: str
    org_id: str
    provider: str
    revoked: bool


@dataclasses.dataclass(frozen=True)
class ApiKey:
    id: str
    org_id: str
    name: str
    display: str
    permissions: tuple[str, ...]
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    key_hash: bytes = dataclasses.field(repr=False, default=b"")

    def public(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "display": self.display,
            "permissions": list(self.permissions),
            "created_at": self.created_at.isoformat(),
            "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


class RefreshRejected(Exception):
    """`reason`: unknown | revoked | reused (a spent token came back: its family is now revoked)."""

    def __init__(self, reason: str, session_id: str | None = None, user_id: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.session_id = session_id
        self.user_id = user_id


class AuthStore:
    def __init__(self, pool):
        self._pool = pool

    def close(self) -> None:
        self._pool.close()

    # --- users ----------------------------------------------------------------------

    def sign_in(self, provider: str, subject: str, email: str, name: str) -> User:
        """The user behind a provider identity: known identity, else the user with this
        (verified) email, who gets the identity linked, else a new user in a new org."""
        email = email.strip().lower()
        with self._pool.transaction() as cur:
            cur.execute(
                "SELECT u.id, u.email, u.name, u.org_id FROM auth.identities i JOIN auth.users u ON u.id = i.user_id "
                "WHERE i.provider = %s AND i.provider_user_id = %s",
                (provider, subject),
            )
            row = cur.fetchone()
            if row is None:
                cur.execute("SELECT id, email, name, org_id FROM auth.users WHERE email = %s FOR UPDATE", (email,))
                row = cur.fetchone()
                if row is None:
                    row = self._create_user(cur, email, name)
                cur.execute(
                    "INSERT INTO auth.identities (provider, provider_user_id, user_id, email) VALUES (%s, %s, %s, %s) "
                    "ON CONFLICT (provider, provider_user_id) DO NOTHING",
                    (provider, subject, row[0], email),
                )
            cur.execute("UPDATE auth.users SET last_login_at = now() WHERE id = %s", (row[0],))
            return _user(row)

    def _create_user(self, cur, email: str, name: str):
        org_id, user_id = uuid.uuid4(), uuid.uuid4()
        cur.execute(
            "INSERT INTO auth.orgs (id, name, personal) VALUES (%s, %s, true)",
            (org_id, f"{name or email}'s organization"),
        )
        cur.execute(
            "INSERT INTO auth.users (id, email, name, org_id) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (email) DO NOTHING RETURNING id, email, name, org_id",
            (user_id, email, name, org_id),
        )
        row = cur.fetchone()
        if row is None:  # a concurrent first sign-in won the race: use that user
            cur.execute("DELETE FROM auth.orgs WHERE id = %s", (org_id,))
            cur.execute("SELECT id, email, name, org_id FROM auth.users WHERE email = %s", (email,))
            row = cur.fetchone()
        return row

    def user(self, user_id: str) -> User | None:
        with self._pool.transaction() as cur:
            cur.execute("SELECT id, email, name, org_id FROM auth.users WHERE id = %s", (user_id,))
            row = cur.fetchone()
        return _user(row) if row else None

    # --- sessions and refresh tokens ---------------------------------------------

    def start_session(self, user: User, provider: str, refresh_jti: str, expires_at: dt.datetime) -> str:
        session_id = uuid.uuid4()
        with self._pool.transaction() as cur:
            cur.execute(
                "INSERT INTO auth.sessions (id, user_id, org_id, provider, expires_at) VALUES (%s, %s, %s, %s, %s)",
                (session_id, user.id, user.org_id, provider, expires_at),
            )
            cur.execute(
                "INSERT INTO auth.refresh_tokens (jti, session_id, expires_at) VALUES (%s, %s, %s)",
                (refresh_jti, session_id, expires_at),
            )
        return str(session_id)

    def rotate_refresh(self, spent_jti: str, new_jti: str, expires_at: dt.datetime) -> Session:
        """Spend `spent_jti` and record its successor, atomically. A token spent before
        revokes its whole session (someone replayed it) and raises RefreshRejected."""
        with self._pool.transaction() as cur:
            cur.execute(
                "SELECT r.spent_at, s.id, s.user_id, s.org_id, s.provider, s.revoked_at FROM auth.refresh_tokens r "
                "JOIN auth.sessions s ON s.id = r.session_id WHERE r.jti = %s FOR UPDATE OF r, s",
                (spent_jti,),
            )
            row = cur.fetchone()
            if row is None:
                raise RefreshRejected("unknown")
            spent_at, session_id, user_id, org_id, provider, revoked_at = row
            if revoked_at is not None:
                raise RefreshRejected("revoked", str(session_id), str(user_id))
            if spent_at is None:
                cur.execute("UPDATE auth.refresh_tokens SET spent_at = now() WHERE jti = %s", (spent_jti,))
                cur.execute(
                    "INSERT INTO auth.refresh_tokens (jti, session_id, expires_at) VALUES (%s, %s, %s)",
                    (new_jti, session_id, expires_at),
                )
                return Session(str(session_id), str(user_id), str(org_id), provider, False)
            cur.execute(
                "UPDATE auth.sessions SET revoked_at = now(), revoked_reason = 'refresh_token_reused' WHERE id = %s",
                (session_id,),
            )
        raise RefreshRejected("reused", str(session_id), str(user_id))

    def revoke_session(self, session_id: str, reason: str) -> bool:
        with self._pool.transaction() as cur:
            cur.execute(
                "UPDATE auth.sessions SET revoked_at = now(), revoked_reason = %s WHERE id = %s AND revoked_at IS NULL",
                (reason, session_id),
            )
            return cur.rowcount == 1

    def session(self, session_id: str) -> Session | None:
        with self._pool.transaction() as cur:
            cur.execute(
                "SELECT id, user_id, org_id, provider, revoked_at FROM auth.sessions WHERE id = %s", (session_id,)
            )
            row = cur.fetchone()
        return Session(str(row[0]), str(row[1]), str(row[2]), row[3], row[4] is not None) if row else None

    # --- API keys -------------------------------------------------------------------

    def create_api_key(
        self, org_id: str, user_id: str, name: str, display: str, key_hash: bytes, permissions: tuple[str, ...]
    ) -> ApiKey:
        with self._pool.transaction() as cur:
            cur.execute(
                "INSERT INTO auth.api_keys (id, org_id, name, display, key_hash, permissions, created_by) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING " + _KEY_COLUMNS,
                (uuid.uuid4(), org_id, name, display, key_hash, list(permissions), user_id),
            )
            return _api_key(cur.fetchone())

    def api_keys(self, org_id: str) -> list[ApiKey]:
        with self._pool.transaction() as cur:
            cur.execute(
                f"SELECT {_KEY_COLUMNS} FROM auth.api_keys WHERE org_id = %s ORDER BY created_at DESC", (org_id,)
            )
            return [_api_key(row) for row in cur.fetchall()]

    def revoke_api_key(self, org_id: str, key_id: str) -> ApiKey | None:
        with self._pool.transaction() as cur:
            cur.execute(
                "UPDATE auth.api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = %s AND org_id = %s "
                f"RETURNING {_KEY_COLUMNS}",
                (key_id, org_id),
            )
            row = cur.fetchone()
        return _api_key(row) if row else None

    def api_key_by_hash(self, key_hash: bytes) -> ApiKey | None:
        """The live key with this hash, its use recorded; an unknown hash is a read only."""
        with self._pool.transaction() as cur:
            cur.execute(
                f"SELECT {_KEY_COLUMNS} FROM auth.api_keys WHERE key_hash = %s AND revoked_at IS NULL", (key_hash,)
            )
            row = cur.fetchone()
            if row is None:
                return None
            # Revoked in between: the UPDATE finds no live row and the key is refused.
            cur.execute(
                f"UPDATE auth.api_keys SET last_used_at = now() WHERE id = %s AND revoked_at IS NULL RETURNING {_KEY_COLUMNS}",
                (row[0],),
            )
            row = cur.fetchone()
        return _api_key(row) if row else None

    # --- audit ----------------------------------------------------------------------

    def audit(
        self,
        event: str,
        user_id: str | None = None,
        session_id: str | None = None,
        client_ip: str | None = None,
        **detail,
    ) -> None:
        with self._pool.transaction() as cur:
            cur.execute(
                "INSERT INTO auth.audit_log (event, user_id, session_id, client_ip, detail) VALUES (%s, %s, %s, %s, %s::jsonb)",
                (event, user_id, session_id, client_ip, json.dumps(detail)),
            )


_KEY_COLUMNS = "id, org_id, name, display, permissions, created_at, last_used_at, revoked_at, key_hash"


def _user(row) -> User:
    return User(str(row[0]), row[1], row[2], str(row[3]))


def _api_key(row) -> ApiKey:
    return ApiKey(str(row[0]), str(row[1]), row[2], row[3], tuple(row[4]), row[5], row[6], row[7], bytes(row[8]))
