"""Sending events to Netra in batches from a background thread, off the caller's request path.

The queue is bounded: when it is full the oldest event is dropped (and counted), so a caller
never waits on Netra. A batch that fails with 429, a 5xx or a connection error is sent again
after an exponential backoff (or the server's Retry-After); one refused for what it is (another
4xx) is not. HTTP is the standard library's urllib: the package has no dependencies.
"""

from __future__ import annotations

import collections
import dataclasses
import email.utils
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from typing import Any

log = logging.getLogger("netra_client")

# Netra's POST /api/usage takes at most 5 MiB: a batch stays well under it.
MAX_BATCH_BYTES = 4 * 1024 * 1024
RETRIED_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclasses.dataclass
class SenderStats:
    queued: int = 0  # waiting in the queue now
    sent: int = 0  # accepted by Netra (or re-sent duplicates it already had)
    rejected: int = 0  # refused by Netra row by row (each logged)
    dropped_queue_full: int = 0
    dropped_failed: int = 0  # in batches given up on after the retries, or refused whole
    dropped_after_close: int = 0
    retries: int = 0


class RetryLater(Exception):
    def __init__(self, why: str, after: float | None = None):
        super().__init__(why)
        self.after = after


class Sender:
    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        max_queue: int = 10_000,
        batch_size: int = 500,
        flush_interval: float = 2.0,
        max_retries: int = 5,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        timeout: float = 10.0,
    ):
        if max_queue < 1 or batch_size < 1:
            raise ValueError("max_queue and batch_size must be at least 1")
        self.url, self._api_key = url, api_key
        self.batch_size, self.flush_interval, self.timeout = batch_size, flush_interval, timeout
        self.max_retries, self.backoff, self.max_backoff = max_retries, backoff, max_backoff
        self._queue: collections.deque[dict] = collections.deque(maxlen=max_queue)
        self._stats = SenderStats()
        self._lock = threading.Condition()
        self._in_flight = 0
        self._flushing = 0  # callers waiting in flush(): send now, not at the next interval
        self._closed = False
        self._thread: threading.Thread | None = None

    def submit(self, event: dict[str, Any]) -> None:
        with self._lock:
            if self._closed:
                log.warning("netra_client: an event recorded after close() was dropped")
                self._stats.dropped_after_close += 1
                return
            if len(self._queue) == self._queue.maxlen:
                self._stats.dropped_queue_full += 1  # the deque drops the oldest
                if self._stats.dropped_queue_full == 1 or self._stats.dropped_queue_full % 1000 == 0:
                    log.warning("netra_client: queue full, %d events dropped so far", self._stats.dropped_queue_full)
            self._queue.append(event)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="netra-client-sender", daemon=True)
                self._thread.start()
            if len(self._queue) >= self.batch_size:
                self._lock.notify_all()

    def stats(self) -> SenderStats:
        with self._lock:
            return dataclasses.replace(self._stats, queued=len(self._queue))

    def flush(self, timeout: float | None = 10.0) -> bool:
        """Sends what is queued now; True once all of it was handled (sent, rejected or given
        up on), False when `timeout` seconds passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            self._flushing += 1
            self._lock.notify_all()
            try:
                while self._queue or self._in_flight:
                    if self._thread is None or not self._thread.is_alive():
                        return False
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        return False
                    self._lock.wait(left)
                return True
            finally:
                self._flushing -= 1

    def close(self, timeout: float | None = 10.0) -> bool:
        """Flushes, then stops the thread; events still unsent after `timeout` are lost (logged)."""
        flushed = self.flush(timeout)
        with self._lock:
            self._closed = True
            left = len(self._queue)
            self._lock.notify_all()
        if self._thread is not None:
            self._thread.join(1.0)
        if not flushed and left:
            log.warning("netra_client: closed with %d events not sent", left)
        return flushed

    def _run(self) -> None:
        while True:
            with self._lock:
                deadline = time.monotonic() + self.flush_interval
                # Until a full batch, the interval, a flush() of a queue with events, or close().
                while not self._closed and not (self._flushing and self._queue) and len(self._queue) < self.batch_size:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._lock.wait(left)
                if self._closed and not self._queue:
                    return
                batch = self._take()
                self._in_flight = len(batch)
            try:
                if batch:
                    self._deliver(batch)
            except Exception:  # noqa: BLE001 - the thread must outlive anything a batch does
                log.warning("netra_client: a batch of %d events was lost", len(batch), exc_info=True)
                with self._lock:
                    self._stats.dropped_failed += len(batch)
            finally:
                with self._lock:
                    self._in_flight = 0
                    self._lock.notify_all()

    def _take(self) -> list[bytes]:
        batch, size = [], 2
        while self._queue and len(batch) < self.batch_size:
            try:
                body = json.dumps(self._queue[0], separators=(",", ":"), ensure_ascii=False).encode()
            except (TypeError, ValueError) as exc:  # a value recorded that JSON cannot hold
                self._queue.popleft()
                self._stats.dropped_failed += 1
                log.warning("netra_client: an event that is not JSON was dropped: %s", exc)
                continue
            if batch and size + len(body) + 1 > MAX_BATCH_BYTES:
                break
            self._queue.popleft()
            batch.append(body)
            size += len(body) + 1
        return batch

    def _deliver(self, batch: list[bytes]) -> None:
        body = b"[" + b",".join(batch) + b"]"
        for attempt in range(self.max_retries + 1):
            try:
                answer = self._post(body)
            except RetryLater as exc:
                if attempt == self.max_retries or self._closing_now():
                    log.warning("netra_client: %d events not sent after %d tries: %s", len(batch), attempt + 1, exc)
                    with self._lock:
                        self._stats.dropped_failed += len(batch)
                    return
                wait = exc.after if exc.after is not None else self.backoff * 2**attempt
                with self._lock:
                    self._stats.retries += 1
                    self._lock.wait_for(lambda: self._closed, min(wait, self.max_backoff))
                continue
            except Refused as exc:
                log.warning("netra_client: Netra refused a batch of %d events: %s", len(batch), exc)
                with self._lock:
                    self._stats.dropped_failed += len(batch)
                return
            rejected = answer.get("rejected") if isinstance(answer, dict) else None
            rejected = rejected if isinstance(rejected, list) else []
            for row in rejected[:5]:
                log.warning(
                    "netra_client: Netra rejected an event: %s", row.get("error") if isinstance(row, dict) else row
                )
            count = answer.get("rejected_count", len(rejected)) if isinstance(answer, dict) else 0
            count = count if isinstance(count, int) else len(rejected)
            with self._lock:
                self._stats.rejected += count
                self._stats.sent += len(batch) - count
            return

    def _closing_now(self) -> bool:
        with self._lock:
            return self._closed

    def _post(self, body: bytes) -> Any:
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self._api_key}",
                "User-Agent": "netra-client-python",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - the configured URL
                raw = response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode("utf-8", "replace")
            if exc.code in RETRIED_STATUSES:
                raise RetryLater(f"HTTP {exc.code}: {detail}", retry_after(exc.headers.get("Retry-After"))) from None
            raise Refused(f"HTTP {exc.code}: {detail}") from None
        except (urllib.error.URLError, OSError) as exc:  # refused, reset, timed out, DNS
            raise RetryLater(f"connection: {exc}") from None
        try:
            return json.loads(raw) if raw else {}
        except ValueError:
            return {}


class Refused(Exception):
    """Netra answered the batch with a 4xx that sending again would not change."""


def retry_after(value: str | None) -> float | None:
    """Retry-After's seconds: a number, or an HTTP date (RFC 9110)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
