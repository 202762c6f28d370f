"""What the chat routes do, with their collaborators passed in: a caller the router already
admitted and typed arguments in, domain refusals (shared_lib.errors) out."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import secrets
from collections.abc import Callable
from decimal import Decimal

from shared_lib.auth import Authenticator, InvalidToken, Principal
from shared_lib.contracts import tickets, topics
from shared_lib.contracts.agents import AgentRequest
from shared_lib.errors import Conflict, Invalid, NotFound, RateLimited, Unavailable
from shared_lib.events import ClientEvent, publish_client_event

from netra_chat import changes
from netra_chat import store as stored
from netra_chat.change_store import ChangedMeanwhile
from netra_chat.store import ChatStore

MAX_TEXT = 10_000
MAX_TITLE = 200
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")  # printable ASCII, as HTTP header values should be


@dataclasses.dataclass
class ChatService:
    store: ChatStore
    authenticator: Authenticator
    publisher: object
    redis: object
    project_id: str
    # the caller's access token -> a read-only token the agents use for this run (auth's token exchange)
    delegate: Callable[[str], dict] | None = None
    org_settings: object = None  # store.OrgSettings: the org's settings document
    changes: object = None  # change_store.ChangeStore: the org's changes

    # --- threads --------------------------------------------------------------------

    def list_threads(self, user: Principal, limit: int, cursor: str | None) -> dict:
        threads, after = self._page(lambda: self.store.threads(user.user_id, limit, cursor))
        return {"threads": threads, "next_cursor": after}

    def create_thread(self, user: Principal, title: str | None) -> dict:
        return self.store.create_thread(user.user_id, user.org_id, _title(title or ""))  # null: untitled, not "None"

    def get_thread(self, user: Principal, thread_id: str) -> dict:
        return self._owned(lambda: self.store.thread(user.user_id, thread_id))

    def rename_thread(self, user: Principal, thread_id: str, title: str) -> dict:
        thread = self._owned(lambda: self.store.rename_thread(user.user_id, thread_id, _title(title, required=True)))
        self._notify(ClientEvent(user.user_id, "thread_updated", {"thread": thread}, thread_id=thread_id))
        return thread

    def delete_thread(self, user: Principal, thread_id: str) -> None:
        self._owned(lambda: self.store.delete_thread(user.user_id, thread_id))
        self._notify(
            ClientEvent(user.user_id, "thread_updated", {"thread_id": thread_id, "deleted": True}, thread_id=thread_id)
        )

    # --- messages -------------------------------------------------------------------

    def list_messages(self, user: Principal, thread_id: str, limit: int, cursor: str | None) -> dict:
        messages, after = self._page(
            lambda: self._owned(lambda: self.store.messages(user.user_id, thread_id, limit, cursor))
        )
        return {"messages": messages, "next_cursor": after}

    def post_message(self, user: Principal, thread_id: str, text: str, key: str | None, access_token: str) -> dict:
        """`key`: the request's Idempotency-Key; `access_token`: the caller's own, exchanged
        for the agents' read-only token."""
        if not text.strip():
            raise Invalid("invalid_field", "field 'text' must not be blank")
        if len(text) > MAX_TEXT:
            raise Invalid("text_too_long", f"field 'text' exceeds {MAX_TEXT} characters")
        if key is not None and not _KEY.match(key):
            raise Invalid("invalid_idempotency_key", "Idempotency-Key must be 1-200 printable ASCII characters")
        # The agents' token first: a message is either queued or refused, never stored to wait
        # for a token it was refused (a run left pending that nobody would ever start).
        granted = self._delegated(access_token)
        try:
            posted = self._owned(lambda: self.store.post_message(user.user_id, user.org_id, thread_id, text, key))
        except stored.KeyReused:
            raise Conflict("idempotency_key_reused", "this Idempotency-Key was used for another thread") from None
        if not posted.published:
            # Publish after the commit; a replayed POST republishes until one succeeds
            # (the supervisor is idempotent on run_id), so a message never waits unseen. One
            # that is never retried is failed by the agents' sweeper past its start deadline.
            request = AgentRequest(
                posted.run_id,
                thread_id,
                posted.message_id,
                user.user_id,
                user.org_id,
                granted["access_token"] if granted is not None else None,
                granted["expires_in"] if granted is not None else None,
            )
            try:
                self.publisher.publish(
                    topics.path(self.project_id, topics.AGENT_REQUESTS),
                    json.dumps(request.to_json()).encode(),
                    run_id=posted.run_id,
                ).result(timeout=30)
            except Exception:  # noqa: BLE001 - any publish failure means not queued
                raise Unavailable(
                    "queue_unavailable",
                    "the message is saved but could not be queued; retry with the same Idempotency-Key",
                ) from None
            self.store.mark_published(posted.run_id)
            if posted.created:
                message = self.store.message(thread_id, posted.message_id)
                self._notify(
                    ClientEvent(
                        user.user_id, "message_created", {"message": message}, thread_id=thread_id, run_id=posted.run_id
                    )
                )
        return {"message_id": posted.message_id, "run_id": posted.run_id}

    def _delegated(self, access_token: str) -> dict | None:
        """The agents read this user's usage with a token of their own: read-only, this
        session, an hour. It travels in the message, never stored with the run."""
        if self.delegate is None:
            return None
        try:
            return self.delegate(access_token)
        except InvalidToken as exc:
            if exc.retry_after is not None:  # auth's rate limit: say when, as auth did
                raise RateLimited(
                    "rate_limited",
                    f"too many messages; nothing was saved, retry in {exc.retry_after} s "
                    "(the same Idempotency-Key is safe)",
                    exc.retry_after,
                ) from None
            raise Unavailable(
                "delegation_unavailable",
                f"nothing was saved: the agents' access could not be granted "
                f"({exc.message}); retry (the same Idempotency-Key is safe)",
            ) from None

    def get_run(self, user: Principal, run_id: str) -> dict:
        return self._owned(lambda: self.store.run(user.user_id, run_id))

    # --- the org's settings -------------------------------------------------------------

    def get_settings(self, caller: Principal) -> dict:
        return self.org_settings.get(caller.org_id)  # a signed-in member: the route admits users only

    def put_settings(self, caller: Principal, monthly_budget_usd: str | None) -> dict:
        # The whole document is replaced: the same body twice leaves the same settings.
        return self.org_settings.put(caller.org_id, caller.user_id, monthly_budget(monthly_budget_usd))

    # --- the org's changes -------------------------------------------------------------

    def create_change(self, user: Principal, body: dict, key: str | None) -> tuple[dict, bool]:
        """The change and whether this request made it (False: an Idempotency-Key replay)."""
        new = changes.new_change(body)
        if key is not None and not _KEY.match(key):
            raise Invalid("invalid_idempotency_key", "Idempotency-Key must be 1-200 printable ASCII characters")
        try:
            return self.changes.create(user.org_id, user.user_id, new, key)
        except stored.KeyReused:
            raise Conflict("idempotency_key_reused", "this Idempotency-Key was used for another change") from None

    def list_changes(self, user: Principal, status: str | None, limit: int, cursor: str | None) -> dict:
        if status is not None and status not in changes.STATUSES:
            raise Invalid("invalid_status", f"status must be one of {', '.join(changes.STATUSES)}")
        page, after = self._page(lambda: self.changes.list(user.org_id, status, limit, cursor))
        return {"changes": page, "next_cursor": after}

    def get_change(self, user: Principal, change_id: str) -> dict:
        return self._change(lambda: self.changes.get(user.org_id, change_id))

    def move_change(self, user: Principal, change_id: str, status, applied_at, note) -> dict:
        def decide(current: str) -> changes.Transition:
            return changes.transition(current, status, applied_at, note, user.user_id, self.changes.clock())

        try:
            return self._change(lambda: self.changes.move(user.org_id, change_id, decide))
        except ChangedMeanwhile:
            raise Conflict(
                "changed_meanwhile", "the change was updated by another request; read it and retry"
            ) from None

    def _change(self, call):
        try:
            return call()
        except stored.NotFound:
            raise NotFound("not_found", "no such change") from None

    # --- sockets --------------------------------------------------------------------

    def ws_ticket(self, user: Principal) -> dict:
        ticket = secrets.token_urlsafe(32)
        # The session lets the relay refuse this ticket, and close its socket, once the session is revoked.
        claims = {"user_id": user.user_id, "org_id": user.org_id, "session_id": user.session_id}
        self.redis.set(tickets.key(ticket), json.dumps(claims), ex=tickets.TTL_SECONDS)
        return {"ticket": ticket, "expires_in": tickets.TTL_SECONDS}

    # --- helpers --------------------------------------------------------------------

    def _owned(self, call):
        try:
            return call()
        except stored.NotFound:
            raise NotFound("not_found", "no such thread or run") from None

    def _page(self, fetch):
        try:
            return fetch()
        except stored.BadCursor:
            raise Invalid("invalid_cursor", "the cursor does not name a page of yours") from None

    def _notify(self, event: ClientEvent) -> None:
        # Best effort: the browser's own request already has the answer; other tabs catch up.
        try:
            publish_client_event(self.publisher, self.project_id, event)
        except Exception:  # noqa: BLE001 - a notification must not fail the request
            logging.getLogger("netra.chat").warning("client event not published", exc_info=True)


def _title(value, required: bool = False) -> str:
    title = " ".join(str(value).split())
    if required and not title:
        raise Invalid("invalid_field", "field 'title' must not be blank")
    if len(title) > MAX_TITLE:
        raise Invalid("invalid_field", f"field 'title' exceeds {MAX_TITLE} characters")
    return title


MAX_BUDGET = Decimal("1000000000")
_BUDGET = re.compile(r"^\d{1,10}(\.\d{1,2})?$")


def monthly_budget(value) -> str | None:
    """A budget in USD as an exact decimal string with two places ("1500" -> "1500.00"); None clears it."""
    if value is None:
        return None
    if not isinstance(value, str) or not _BUDGET.match(value.strip()):
        raise Invalid(
            "invalid_budget",
            'monthly_budget_usd must be null or a decimal string such as "1500.00" '
            "(not negative, at most 2 decimal places)",
        )
    amount = Decimal(value.strip())
    if amount > MAX_BUDGET:
        raise Invalid("invalid_budget", "monthly_budget_usd must be at most 1000000000")
    return str(amount.quantize(Decimal("0.01")))
