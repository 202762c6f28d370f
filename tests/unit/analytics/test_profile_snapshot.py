"""The profile's queries are not one snapshot: a workload stored between them is left out
(the totals decide the workloads), never a crash."""

import datetime as dt

from netra_analytics import profile

WORKLOAD = {"feature": "f", "provider": "openai", "model": "gpt-4o", "interactive": 1, "batch": 0}


class Answers:
    """Query results by query text: what chDB would answer had calls arrived after the totals."""

    def __init__(self, rows):
        self.rows = rows

    def query(self, sql, parameters=None):
        # Known by the text before its first alias (placeholders come later).
        found = next((rows for known, rows in self.rows.items() if known.split(" AS ")[0] == sql.split(" AS ")[0]), [])
        return type(
            "Result",
            (),
            {"named_results": lambda _self: iter(found), "result_rows": [tuple(r.values()) for r in found]},
        )()

    def query_row_block_stream(self, sql, parameters=None):
        import contextlib

        return contextlib.nullcontext(iter([self.query(sql, parameters).result_rows]))


def test_a_workload_that_appears_after_the_totals_is_left_out():
    late = Answers(
        {
            profile._CANCELLED: [{"count": 0, "events": [], "prefixes": []}],
            profile._TOTALS: [],
            profile._SPAN: [{"first": None, "last": None, "found": 0}],
            profile._TAIL: [{**WORKLOAD, "cap": 40, "tail_calls": 1, "excess": 10}],
            profile._FIRSTS: [
                {**WORKLOAD, "calls_": 1, "cost_": 1, "stale_": [], **{f"{t}_": 1 for t in profile._TOKENS}}
            ],
        }
    )
    now = dt.datetime(2026, 11, 25, tzinfo=dt.timezone.utc)
    assert profile.workload_profile(late, "org", now - dt.timedelta(days=1), now)["workloads"] == []
