"""The run state machine and triage (with fake collaborators), without any service."""

from __future__ import annotations

import contextlib
import datetime as dt
import types
from decimal import Decimal

import pytest

from shared_lib.contracts.agents import StepResult, StepTask
from shared_lib.llm.budget import BudgetExhausted
from shared_lib.llm.gateway import LlmUnavailable

from netra_agents.analytics import UsageApi
from netra_agents.credentials import RunCredentials
from netra_agents.runs import Outcome, obligations, on_dead_letter, on_request, on_result
from netra_agents.runtime import StepFailed
from netra_agents.triage import TriageContext, describe, latest_query, triage

NOW = dt.datetime(2026, 11, 25, 12, tzinfo=dt.timezone.utc)


def apply(run: dict, outcome) -> dict:
    return {**run, **(outcome.changes or {})}


def result(step: str, **summary) -> StepResult:
    return StepResult("r", step, "completed", summary)


def test_a_run_walks_its_plan_and_completes():
    run = {"status": "pending"}
    started = on_request("r", run, "cut costs", NOW)
    assert started.dispatch == ["triage"] and [e.type for e in started.events] == ["agent_started", "agent_thinking"]
    run = apply(run, started)
    assert on_request("r", run, "cut costs", NOW).dispatch == [
        "triage"
    ]  # redelivered before the dispatch was marked sent
    assert on_request("r", run, "cut costs", NOW).changes is None
    assert on_request("r", {**run, "sent": {"triage": True}}, "cut costs", NOW) == Outcome()  # after: nothing to send
    for step, summary, following in [
        ("triage", {"verdict": {"category": "cost"}}, "data"),
        ("data", {"calls": 10}, "optimization"),
        ("optimization", {}, "actions"),
        ("actions", {}, "reporting"),
    ]:
        outcome = on_result("r", run, result(step, **summary), NOW)
        assert outcome.dispatch == [following]
        run = apply(run, outcome)
    done = on_result("r", run, result("reporting"), NOW)
    assert done.completed and done.changes["status"] == "completed"
    run = apply(run, done)
    again = on_result("r", run, result("reporting"), NOW)  # duplicate before the report was marked sent: owed again
    assert again.completed and again.changes is None
    sent = {
        **run,
        "sent": {
            "triage": True,
            "data": True,
            "optimization": True,
            "actions": True,
            "reporting": True,
            "final_report": True,
        },
    }
    assert on_result("r", sent, result("reporting"), NOW) == on_request("r", sent, "cut costs", NOW) == Outcome()


def test_a_general_question_or_no_usage_shortens_the_plan():
    run = apply({"status": "pending"}, on_request("r", {"status": "pending"}, "hi", NOW))
    run = apply(run, on_result("r", run, result("triage", verdict={"category": "general"}), NOW))
    assert run["plan"] == ["triage", "data", "optimization", "reporting"]  # an overview quotes the headline saving
    assert run["query"]["kind"] == "overview"
    run = apply({"status": "pending"}, on_request("r", {"status": "pending"}, "cut", NOW))
    run = apply(run, on_result("r", run, result("triage", verdict={"category": "cost"}), NOW))
    empty = on_result("r", run, result("data", calls=0), NOW)
    assert empty.dispatch == ["reporting"]


def test_failures_late_results_and_dead_letters_fail_the_run_once():
    run = apply({"status": "pending"}, on_request("r", {"status": "pending"}, "q", NOW))
    failed = on_result("r", run, StepResult("r", "triage", "failed", {}, "budget spent"), NOW)
    assert failed.changes["status"] == "failed" and failed.changes["error"] == {
        "step": "triage",
        "message": "budget spent",
    }
    assert [e.type for e in failed.events] == ["agent_error"]
    ended = apply(run, failed)
    assert obligations("r", ended, NOW).events[0].key == failed.events[0].key  # resent under the same key

    late = on_result("r", run, result("triage", verdict={}), NOW + dt.timedelta(hours=1))
    assert late.changes["status"] == "failed" and "took longer" in late.changes["error"]["message"]
    stuck = obligations("r", run, NOW + dt.timedelta(hours=1))
    assert stuck.changes["status"] == "failed"

    dead = on_dead_letter("r", run, "the triage step", NOW)
    assert dead.changes["error"]["step"] == "triage" and "repeated attempts" in dead.changes["error"]["message"]
    assert on_dead_letter("r", apply(run, dead), "the triage step", NOW).changes is None


class FakeResponse:
    def __init__(self, status_code: int, body: dict):
        self.status_code, self._body = status_code, body

    def json(self) -> dict:
        return self._body

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise RuntimeError(f"HTTP {self.status_code}")


class FakeAnalytics:
    """`/api/usage/names` answering the names of a fixed org."""

    GROUPS = {
        "feature": ["support-chat", "doc-qa", "nightly-enrichment"],
        "model": ["gpt-4o", "gpt-4o-mini-2024-07-18"],
        "provider": ["openai", "anthropic"],
        "user": ["user-01"],
    }

    def __init__(self, status_code: int = 200):
        self.status_code, self.requests = status_code, []

    def get(self, url, params, headers, timeout):
        self.requests.append((url, params, headers))
        if self.status_code != 200:
            return FakeResponse(self.status_code, {"error": {"code": "forbidden", "message": "no access"}})
        return FakeResponse(200, {"from": params["from"], "to": params["to"], "names": self.GROUPS})


class FakeStore:
    def __init__(self, run: dict):
        self._run = run

    def run(self, run_id):
        return self._run

    def output(self, run_id, step):
        return None


class FakeProgress:
    def __init__(self):
        self.events = []

    def thinking(self, message, name):
        self.events.append(("thinking", message))

    def completed(self, message, **facts):
        self.events.append(("completed", message))

    @contextlib.contextmanager
    def tool(self, tool, message):
        said = {}
        yield said
        self.events.append(("tool", tool, said))


class FakeGateway:
    def __init__(self, data=None, error=None):
        self.data, self.error, self.requests = data, error, []

    def complete(self, request):
        self.requests.append(request)
        if self.error:
            raise self.error
        return types.SimpleNamespace(data=self.data, route=types.SimpleNamespace(model="emulated-model"))


class FakeRedis:
    def __init__(self, values):
        self.values = values

    def get(self, key):
        return self.values.get(key)


TASK = StepTask("run-1", "triage", "user-1", "org-1", "thread-1")


def context(question: str, gateway=None, http=None, token=b"delegated-token"):
    credentials = RunCredentials(FakeRedis({"run-credential:run-1": token} if token else {}))
    return TriageContext(
        FakeStore({"question": question}),
        UsageApi(http or FakeAnalytics(), "http://analytics", credentials),
        lambda: gateway or FakeGateway(),
    )


def test_triage_reads_the_orgs_names_with_the_delegated_token_and_understands_without_an_llm():
    gateway, http = FakeGateway(error=AssertionError("no LLM call for a clear question")), FakeAnalytics()
    progress = FakeProgress()
    output, summary = triage(
        TASK, progress, context("Show me spend on doc qa by model for the last 7 days", gateway, http)
    )
    # One read of every dimension's names, with the run's token (four summaries before).
    [(url, params, headers)] = http.requests
    assert url == "http://analytics/api/usage/names" and headers == {"Authorization": "Bearer delegated-token"}
    assert params["limit"] == 500
    start, end = (dt.datetime.fromisoformat(params[k]) for k in ("from", "to"))
    assert end - start == dt.timedelta(days=90)
    query = output["query"]
    assert (
        query["kind"] == "breakdown"
        and query["dimensions"] == ["model"]
        and query["filters"] == {"feature": ["doc-qa"]}
    )
    assert query["period"]["days"] == 7 and query["sources"]["filters"] == "parser"
    assert summary == {"verdict": output} and summary["verdict"]["query"]["kind"] == "breakdown"
    assert output["source"] == "parser" and gateway.requests == []
    # What the steps before issue 11 read, kept until they read the query.
    assert output["category"] == "usage_analysis" and output["entities"]["days"] == 7
    assert ("completed", "Understood: " + output["intent"]) in progress.events


def test_triage_asks_the_llm_only_when_unsure_and_never_over_the_parser():
    gateway = FakeGateway(
        {
            "kind": "plan",
            "period_from": None,
            "period_to": None,
            "dimensions": [],
            "filters": {"feature": [], "model": [], "provider": [], "user": []},
            "metric": None,
            "top_n": None,
            "target_pct": 25,
            "target_usd": None,
            "budget_usd": None,
            "scenario": None,
        }
    )
    output, _ = triage(TASK, FakeProgress(), context("zorp last week", gateway))
    assert (
        len(gateway.requests) == 1 and gateway.requests[0].prompt.schema["properties"]["kind"]["enum"][0] == "unclear"
    )
    query = output["query"]
    assert query["kind"] == "plan" and query["sources"]["kind"] == "llm" and output["source"] == "llm:emulated-model"
    assert query["period"]["days"] == 7 and query["sources"]["period"] == "parser"  # last week, as the parser read it
    assert (
        query["target"] == {"pct": 25.0, "usd": None, "per": None, "level_usd": None}
        and output["entities"]["target_reduction_pct"] == 25.0
    )


@pytest.mark.parametrize(
    "error", [LlmUnavailable(["openai/gpt: 503"]), BudgetExhausted("org-1", Decimal("5"), Decimal("5"))]
)
def test_an_llm_that_fails_leaves_the_parse(error):
    output, _ = triage(TASK, FakeProgress(), context("zorp last week", FakeGateway(error=error)))
    assert output["query"]["kind"] == "clarify" and output["source"] == "parser"  # asked back, never a guess
    assert output["query"]["clarify"]["reason"] == "vague"


def test_triage_fails_the_run_when_it_may_not_read_the_orgs_names():
    with pytest.raises(StepFailed, match="expired"):
        triage(TASK, FakeProgress(), context("spend by model", token=None))
    with pytest.raises(StepFailed, match="refused"):
        triage(TASK, FakeProgress(), context("spend by model", http=FakeAnalytics(403)))
    with pytest.raises(RuntimeError, match="HTTP 503"):  # not a StepFailed: a redelivery tries again
        triage(TASK, FakeProgress(), context("spend by model", http=FakeAnalytics(503)))


def test_the_previous_query_is_the_latest_earlier_runs_in_the_thread():
    def at(minute):
        return dt.datetime(2026, 11, 27, 10, minute, tzinfo=dt.timezone.utc)

    breakdown = {"kind": "breakdown", "period": {"from": "2026-11-20", "to": "2026-11-27"}, "dimensions": ["model"]}
    plan = {"kind": "plan", "period": {"from": "2026-11-01", "to": "2026-11-27"}}
    runs = [
        ("a", {"created_at": at(1), "query": plan}),
        ("b", {"created_at": at(2), "query": breakdown}),
        ("c", {"created_at": at(3)}),  # failed before triage: no query
        ("now", {"created_at": at(4)}),
        ("later", {"created_at": at(5), "query": plan}),
    ]
    assert latest_query(runs, "now", at(4), lambda run_id: None).dimensions == ("model",)
    # A run whose document has no query yet: what its triage understood.
    outputs = {"c": {"query": plan}}
    assert latest_query(runs, "now", at(4), outputs.get).kind == "plan"
    assert latest_query(runs, "a", at(1), lambda run_id: None) is None
    assert latest_query([("x", {"created_at": at(1), "query": {"kind": "plan"}})], "now", at(4), lambda r: None) is None


def test_a_query_is_described_in_one_line():
    from netra_agents.query import Period, Query, Scenario

    week = Period(dt.date(2026, 11, 16), dt.date(2026, 11, 23), "last week")
    assert (
        describe(Query("breakdown", week, dimensions=("model",), filters={"feature": ("doc-qa",)}, metric="calls"))
        == "breakdown of calls by model, last week, feature doc-qa"
    )
    assert describe(Query("change", week, week.previous())) == "change in spend, last week, against the 7 days before"
    assert describe(Query("what_if", week, scenario=Scenario("cache", feature="doc-qa"))) == "what-if, last week, cache"
