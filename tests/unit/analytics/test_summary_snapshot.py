"""The summary's groups and its total come from one query, so they always describe the
same calls (as two queries, a batch stored between them gave totals without groups)."""

import datetime as dt

from netra_analytics import warehouse


class OneQuery:
    """Records every query; answers as ClickHouse does for GROUPING SETS ((key), ())."""

    def __init__(self):
        self.sql = []

    def query(self, sql, parameters=None):
        self.sql.append(sql)
        measures = {
            "calls_": 2,
            "input_tokens_": 10,
            "output_tokens_": 5,
            "cached_input_tokens_": 0,
            "cost_usd_": "0.5",
            "latency_n_": {300: 2},
            "latency_s_": {300: 200},
            "ttft_n_": {},
            "ttft_s_": {},
            "failed_calls_": 0,
            "unpriced_calls_": 0,
            "unpriced_tokens_": 0,
        }
        rows = [{"key": "support", "is_total": 0, **measures}, {"key": "", "is_total": 1, **measures}]
        return type("Result", (), {"named_results": lambda _self: iter(rows)})()


def test_groups_and_total_are_read_in_one_query():
    client, now = OneQuery(), dt.datetime(2026, 11, 27, tzinfo=dt.timezone.utc)
    report = warehouse.summary(client, "org", now - dt.timedelta(days=1), now, "feature")
    assert len(client.sql) == 1 and "GROUPING SETS" in client.sql[0]
    assert [g["key"] for g in report["groups"]] == ["support"] and "is_total" not in report["groups"][0]
    assert report["totals"]["calls"] == 2 and "key" not in report["totals"]
    assert report["totals"]["p50_latency_ms"] == 100.0 and report["totals"]["p50_ttft_ms"] is None
