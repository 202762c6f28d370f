"""Every step's real output, made by the step itself on fake collaborators, keeps its
contract (shared_lib.contracts.steps); its summary is what the supervisor reads."""

from __future__ import annotations

import pytest

from shared_lib.contracts.agents import StepTask
from shared_lib.contracts.steps import output_errors
from shared_lib.llm.gateway import LlmUnavailable
from tests.unit.agents.report_fixtures import QUERIES, data_for
from tests.unit.agents.test_runs_and_triage import FakeProgress, context
from tests.unit.agents.test_usage_data import TODAY, WEEK, Silent, recording

from netra_agents.actions import plan_rollouts
from netra_agents.optimization import find_savings
from netra_agents.query import KINDS, Query, Scenario
from netra_agents.reporting import ReportingContext, write_report
from netra_agents.runtime import PriorOutputs
from netra_agents.triage import triage
from netra_agents.usage_data import gather


class Outputs:
    """A run's saved outputs and document, as RunStore answers them."""

    def __init__(self, run: dict, **outputs):
        self._run, self._outputs = run, outputs

    def run(self, run_id):
        return self._run

    def output(self, run_id, step):
        return self._outputs.get(step)


def task(step: str) -> StepTask:
    return StepTask("run-1", step, "user-1", "org-1", "thread-1")


@pytest.mark.parametrize(
    "question", ["Show me spend on doc qa by model for the last 7 days", "How can we cut costs by 30%?", "zorp blorp"]
)
def test_triage_output_keeps_its_contract(question):
    output, summary = triage(task("triage"), FakeProgress(), context(question))
    assert output_errors("triage", output) == [] and summary == {"verdict": output}


@pytest.mark.parametrize(
    "query",
    [
        Query("breakdown", WEEK, dimensions=("feature", "model")),
        Query("change", WEEK, comparison=WEEK.previous()),
        Query("what_if", WEEK, filters={"feature": ("chat",)}, scenario=Scenario("top_n", n=2)),
        Query("forecast", WEEK),
        Query("latency", WEEK),
        Query("overview", WEEK),
        Query("plan", WEEK),
    ],
    ids=lambda q: q.kind,
)
def test_the_data_output_of_every_kind_keeps_its_contract(query):
    _, read = recording()
    assert output_errors("data", gather(query.to_json(), read, Silent(), TODAY)) == []


def test_an_empty_periods_data_output_keeps_its_contract():
    _, read = recording(calls=0)
    data = gather(Query("plan", WEEK).to_json(), read, Silent(), TODAY)
    assert "org" in data and output_errors("data", data) == []


def test_the_contract_names_every_lever():
    from shared_lib.contracts.steps import output_schema

    from netra_agents.optimizer import LEVERS

    assert output_schema("optimization")["$defs"]["recommendation"]["properties"]["lever"]["enum"] == list(LEVERS)


def test_optimization_and_actions_outputs_keep_their_contract():
    data = data_for("plan")
    found, summary = find_savings(task("optimization"), FakeProgress(), PriorOutputs(Outputs({}, data=data)))
    assert output_errors("optimization", found) == [] and found["recommendations"]
    assert summary == {
        "recommendations": len(found["recommendations"]),
        "projected_savings_usd": found["projected_savings_usd"],
    }
    plans, summary = plan_rollouts(task("actions"), FakeProgress(), PriorOutputs(Outputs({}, optimization=found)))
    assert output_errors("actions", plans) == [] and summary == {"plans": len(found["recommendations"])}


@pytest.mark.parametrize("kind", KINDS)
def test_the_reporting_output_of_every_kind_keeps_its_contract(kind):
    query = QUERIES.get(kind, QUERIES["plan"]).to_json()
    data = data_for(kind if kind in QUERIES else "plan", calls=0 if kind == "guidance" else 3000)
    found = None
    if kind in ("plan", "what_if", "overview"):
        found, _ = find_savings(task("optimization"), FakeProgress(), PriorOutputs(Outputs({}, data=data)))
    store = Outputs({"question": f"a {kind} question", "query": query}, data=data, optimization=found)
    report, summary = write_report(task("reporting"), FakeProgress(), ReportingContext(store, lambda: Unavailable()))
    assert report["kind"] == kind and output_errors("reporting", report) == []
    assert summary == {"kind": kind, "recommendations": len(report.get("recommendations") or [])}


class Unavailable:
    def complete(self, request):
        raise LlmUnavailable(["no model in a unit test"])


# --- what a step that fails leaves, and whether it is retried (runtime.run_step) ----------


class Sent:
    def result(self, timeout=None):
        return None


class Bus:
    def __init__(self):
        self.sent = []

    def publish(self, topic, data, **attributes):
        import json

        self.sent.append((topic.rsplit("/", 1)[-1], json.loads(data)))
        return Sent()


class Claims:
    """IdempotencyGuard's behaviour: one claim per key, finished or released."""

    def __init__(self):
        self.finished, self.released, self.claimed = [], [], []

    def claim(self, key):
        self.claimed.append(key)
        guard = self

        class Claim:
            def finish(self):
                guard.finished.append(key)

            def release(self):
                guard.released.append(key)

        return Claim()


class Runs:
    def __init__(self, run: dict):
        self.doc, self.saved = run, {}

    def run(self, run_id):
        return self.doc

    def save_output(self, run_id, step, output):
        self.saved[step] = output


def run_once(work, run: dict | None = None):
    import json

    from shared_lib.envelope import PubSubMessage

    from netra_agents.runtime import StepRuntime, run_step

    runs, bus, claims = Runs(run or {"user_id": "user-1", "org_id": "org-1", "thread_id": "thread-1"}), Bus(), Claims()
    message = PubSubMessage("1", json.dumps(task("optimization").to_json()).encode(), {})
    outcome = None
    try:
        run_step(message, "optimization", "Looking for savings", work, None, StepRuntime(runs, bus, "p", claims))
    except Exception as exc:  # noqa: BLE001 - what the push answer is made of
        outcome = exc
    results = [body for topic, body in bus.sent if topic == "agent-results"]
    return outcome, results, runs, claims


def failing(exc: BaseException):
    def work(task, progress, ctx):
        raise exc

    return work


@pytest.mark.parametrize(
    "bug",
    [
        KeyError("groups"),
        TypeError("unsupported operand"),
        AttributeError("x"),
        ZeroDivisionError(),
        RuntimeError("no"),
    ],
)
def test_a_step_that_fails_on_a_bug_answers_a_failed_result_at_once(bug):
    raised, results, runs, claims = run_once(failing(bug))
    assert raised is None  # acknowledged: no redelivery would fix it
    (result,) = results
    assert result["status"] == "failed" and result["step"] == "optimization"
    assert f"internal error ({type(bug).__name__})" in result["error"] and "not retried" in result["error"]
    assert runs.saved == {"optimization": {"error": result["error"]}}
    assert claims.finished == ["run-1/optimization"] and claims.released == []


def _http_error(status: int):
    import httpx

    request = httpx.Request("GET", "http://analytics/api/usage/summary")
    return httpx.HTTPStatusError("status", request=request, response=httpx.Response(status, request=request))


def _transient_errors():
    import httpx
    import redis
    from google.api_core import exceptions as api
    from google.auth.exceptions import TransportError

    return [
        ConnectionResetError(),
        TimeoutError(),  # a publish's future.result(timeout)
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        _http_error(503),
        _http_error(429),
        api.ServiceUnavailable("emulator down"),
        api.DeadlineExceeded("slow"),
        api.RetryError("gave up", cause=None),
        TransportError("metadata server"),
        redis.exceptions.ConnectionError("down"),
        redis.exceptions.TimeoutError("slow"),
    ]


@pytest.mark.parametrize("error", _transient_errors(), ids=lambda e: type(e).__name__)
def test_a_transient_failure_is_left_to_a_redelivery(error):
    raised, results, runs, claims = run_once(failing(error))
    assert raised is error and results == [] and runs.saved == {}
    assert claims.released == ["run-1/optimization"] and claims.finished == []


def test_a_client_error_from_a_service_is_a_bug_not_a_retry():
    raised, results, _, _ = run_once(failing(_http_error(400)))
    assert raised is None and "internal error (HTTPStatusError)" in results[0]["error"]


@pytest.mark.parametrize(
    "run",
    [
        {"user_id": "someone-else", "org_id": "org-1", "thread_id": "thread-1"},
        {"user_id": "user-1", "org_id": "org-2", "thread_id": "thread-1"},
    ],
)
def test_a_task_for_someone_elses_run_is_dropped_unclaimed(run):
    worked = []
    raised, results, runs, claims = run_once(lambda *args: worked.append(1), run)
    assert raised is None and worked == [] and results == [] and claims.claimed == []
