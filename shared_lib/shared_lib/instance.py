"""Per-instance singletons: a function's collaborators are built on first use, once.

Cold start pays only for imports; the first request builds clients (thread-safe, since
an instance may serve concurrent requests), every later one reuses them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def per_instance(build: Callable[[], T]) -> Callable[[], T]:
    lock = threading.Lock()
    built: list[T] = []

    def get() -> T:
        with lock:
            if not built:
                built.append(build())
            return built[0]

    return get
