"""Concurrent deliveries for the same org share one write (group commit).

Each insert into the usage table costs a fixed ~60 ms (its four rollup views are planned
per insert, ADR 0008) on top of a few microseconds per row, so a consumer that writes
each Pub/Sub delivery alone spends most of its time on that fixed part when deliveries
arrive together. Here, a delivery waits for its org's writer; when it is its turn, the
writer takes every delivery that queued meanwhile and writes them as one. Each caller
returns only once its own rows are stored (or raises the write's error), so a delivery
is still acknowledged only after it is stored.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Hashable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclasses.dataclass(eq=False)
class _Waiter(Generic[Item, Result]):
    item: Item
    size: int
    done: threading.Event = dataclasses.field(default_factory=threading.Event)
    result: Result | None = None
    error: BaseException | None = None


class GroupCommit(Generic[Item, Result]):
    """`write(key, items)` stores the items together and returns one result per item, in
    order. `size(item)` weighs an item (events in a delivery); a group stops growing at
    `max_size`, so one write stays bounded (the org lock's hold time assumes it)."""

    def __init__(
        self,
        write: Callable[[Hashable, Sequence[Item]], Sequence[Result]],
        size: Callable[[Item], int] = lambda item: 1,
        max_size: int = 50_000,
    ):
        self._write, self._size, self._max = write, size, max_size
        self._guard = threading.Lock()
        self._pending: dict[Hashable, list[_Waiter]] = {}
        self._writers: dict[Hashable, threading.Lock] = {}

    def submit(self, key: Hashable, item: Item) -> Result:
        waiter = _Waiter(item, self._size(item))
        with self._guard:
            self._pending.setdefault(key, []).append(waiter)
            writer = self._writers.setdefault(key, threading.Lock())
        # Holding the key's writer lock, either an earlier writer took this item (done) or
        # it is still queued: take the queue from its front.
        while not waiter.done.is_set():
            with writer:
                if not waiter.done.is_set():
                    self._write_group(key, self._take(key))
        if waiter.error is not None:
            raise waiter.error
        return waiter.result

    def _take(self, key: Hashable) -> list[_Waiter]:
        with self._guard:
            queue = self._pending[key]
            taken, size = 0, 0
            while taken < len(queue) and (taken == 0 or size + queue[taken].size <= self._max):
                size += queue[taken].size
                taken += 1
            group, rest = queue[:taken], queue[taken:]
            if rest:
                self._pending[key] = rest
            else:
                del self._pending[key]
        return group

    def _write_group(self, key: Hashable, group: list[_Waiter]) -> None:
        try:
            results = self._write(key, [waiter.item for waiter in group])
        except BaseException as exc:  # noqa: BLE001 - every delivery of the group fails with it, and is retried
            for waiter in group:
                waiter.error = exc
                waiter.done.set()
            return
        for waiter, result in zip(group, results, strict=True):
            waiter.result = result
            waiter.done.set()
