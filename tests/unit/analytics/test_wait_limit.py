"""`wait=` holds a worker thread: past the per-process limit a waiting request is refused
before anything is queued, and a request without it is served as always."""

import threading
from types import SimpleNamespace

import pytest

from shared_lib.errors import RateLimited

from netra_analytics import routes


class Service:
    def __init__(self):
        self.accepted = []

    def admit_intake(self, caller, headers):
        pass

    def accept_usage(self, caller, rows, wait_seconds=0):
        self.accepted.append((rows, wait_seconds))
        return {"accepted": len(rows), "rejected": [], "rejected_count": 0}


def call(args: dict):
    request = SimpleNamespace(args=args, headers={"Content-Type": "application/json"}, content_length=2)
    request.get_data = lambda cache=True: b"[]"
    return SimpleNamespace(caller=None, request=request)


def test_past_the_limit_a_waiting_request_is_refused_and_nothing_is_queued(monkeypatch):
    monkeypatch.setattr(routes, "_WAITING", threading.BoundedSemaphore(1))
    service = Service()
    routes._WAITING.acquire()  # one request is waiting already
    with pytest.raises(RateLimited) as refused:
        routes.accept_usage(service, call({"wait": "5"}))
    assert refused.value.code == "too_many_waits" and refused.value.retry_after == 1 and service.accepted == []
    routes.accept_usage(service, call({}))  # without wait: served
    routes._WAITING.release()
    routes.accept_usage(service, call({"wait": "5"}))  # the slot is free again, and is given back after
    assert service.accepted == [([], 0), ([], 5.0)] and routes._WAITING.acquire(blocking=False)
