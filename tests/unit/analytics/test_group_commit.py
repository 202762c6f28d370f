"""Group commit: deliveries that queue while their org's write runs share the next write,
each caller gets its own result (or the write's error), and a group stays bounded."""

from __future__ import annotations

import threading

import pytest

from netra_analytics.group_commit import GroupCommit


class Writes:
    """A writer that records each group and, for the first write, waits until released:
    the deliveries submitted meanwhile must queue behind it."""

    def __init__(self, fail_on=None):
        self.groups: list[tuple[str, list]] = []
        self.first_started, self.release = threading.Event(), threading.Event()
        self.fail_on = fail_on

    def __call__(self, key, items):
        self.groups.append((key, list(items)))
        if len(self.groups) == 1:
            self.first_started.set()
            assert self.release.wait(10)
        if self.fail_on is not None and self.fail_on in items:
            raise RuntimeError(f"warehouse refused {self.fail_on}")
        return [f"stored {item}" for item in items]


def submit_all(commit: GroupCommit, submissions: list[tuple[str, object]], first_writes, queued=None) -> dict:
    """Submit the first alone, wait until its write has started, then the rest at once;
    `queued`: how many of them wait behind it (default: all)."""
    results: dict = {}

    def run(key, item):
        try:
            results[item] = commit.submit(key, item)
        except RuntimeError as exc:
            results[item] = exc

    threads = [threading.Thread(target=run, args=submissions[0])]
    threads[0].start()
    assert first_writes.first_started.wait(10)
    for key, item in submissions[1:]:
        threads.append(threading.Thread(target=run, args=(key, item)))
        threads[-1].start()
    # Let the others queue behind the running write before it finishes.
    waited = 0
    queued = len(submissions) - 1 if queued is None else queued
    while sum(len(q) for q in commit._pending.values()) < queued and waited < 500:
        threading.Event().wait(0.01)
        waited += 1
    first_writes.release.set()
    for thread in threads:
        thread.join(10)
    return results


def test_deliveries_queued_during_a_write_share_the_next_one():
    writes = Writes()
    commit = GroupCommit(writes)
    results = submit_all(commit, [("org-a", 1), ("org-a", 2), ("org-a", 3), ("org-a", 4)], writes)
    assert results == {1: "stored 1", 2: "stored 2", 3: "stored 3", 4: "stored 4"}
    assert [items for _, items in writes.groups][0] == [1]
    assert sorted(writes.groups[1][1]) == [2, 3, 4] and len(writes.groups) == 2


def test_a_failed_write_fails_every_delivery_in_it_and_the_next_write_goes_on():
    writes = Writes(fail_on=3)
    commit = GroupCommit(writes)
    results = submit_all(commit, [("org-a", 1), ("org-a", 2), ("org-a", 3)], writes)
    assert results[1] == "stored 1"
    assert str(results[2]) == str(results[3]) == "warehouse refused 3"  # retried by Pub/Sub, both
    assert commit.submit("org-a", 5) == "stored 5"


def test_a_group_stops_at_its_size_bound():
    writes = Writes()
    commit = GroupCommit(writes, size=lambda item: item, max_size=10)
    results = submit_all(commit, [("org-a", 1), ("org-a", 6), ("org-a", 4), ("org-a", 3)], writes)
    assert results == {1: "stored 1", 6: "stored 6", 4: "stored 4", 3: "stored 3"}
    assert all(sum(items) <= 10 for _, items in writes.groups[1:])
    assert len(writes.groups) == 3  # [1], then 6 + 4 (or 6 + 3 ...), then the rest


def test_an_item_larger_than_the_bound_is_written_alone():
    writes = Writes()
    writes.release.set()
    commit = GroupCommit(writes, size=lambda item: item, max_size=10)
    assert commit.submit("org-a", 25) == "stored 25"


def test_orgs_do_not_share_writes():
    writes = Writes()
    commit = GroupCommit(writes)
    results = submit_all(commit, [("org-a", 1), ("org-b", 2), ("org-a", 3)], writes, queued=1)
    assert results == {1: "stored 1", 2: "stored 2", 3: "stored 3"}
    # org-b did not wait for org-a's write, and org-a's next write holds only its own.
    assert sorted(writes.groups) == [("org-a", [1]), ("org-a", [3]), ("org-b", [2])]


@pytest.mark.parametrize("count", [50])
def test_many_concurrent_deliveries_each_get_their_own_result(count):
    writes = Writes()
    writes.release.set()
    commit = GroupCommit(writes)
    results: dict = {}
    threads = [
        threading.Thread(target=lambda n=n: results.__setitem__(n, commit.submit(f"org-{n % 3}", n)))
        for n in range(count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert results == {n: f"stored {n}" for n in range(count)}
    assert sorted(item for _, items in writes.groups for item in items) == list(range(count))
