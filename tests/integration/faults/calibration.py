"""The fault suite's deadlines, from how long the steps of real questions take on this
machine now (a fixed fraction of the real deadlines was too tight on a busy machine: the
last of twenty questions at once waited past triage's 9 s).

A few questions at once are asked on a platform with the real deadlines; each step's
slowest time, scaled to the suite's largest burst and by a margin for load that grows while
the suite runs, is what that step needs. The agents take one setting for every deadline,
AGENT_DEADLINE_PERCENT (whole percent of the real ones), so the suite runs at the smallest
percent that gives every step what it needs: never below 5% (triage 9 s, the suite's old
figure), never above 50% (a stranded run must still fail in well under two minutes).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import math

# The suite's largest burst (test_faults: 20 questions from 5 users at once), and what the
# measurement asks at once: enough to see queueing, few enough to take seconds.
BURST = 20
MEASURED_AT_ONCE = 5
# Twice what the burst should need: the machine's other load may double while the suite runs.
MARGIN = 2.0
FLOOR_PERCENT, CEILING_PERCENT = 5, 50
QUESTION = "How do we reduce our LLM spend?"  # the burst's: a clear question, no model needed


@dataclasses.dataclass(frozen=True)
class Deadlines:
    """What the agents will use at `percent`, as they compute it (the same float
    expressions, so a message's "took longer than 12.6 s" is matched exactly)."""

    percent: int
    slowest: dict[str, float]  # each step's slowest measured time, seconds

    @property
    def steps(self) -> dict[str, float]:
        from netra_agents.steps import STEP_TIMEOUT_SECONDS

        return {step: seconds * self.percent / 100 for step, seconds in STEP_TIMEOUT_SECONDS.items()}

    @property
    def triage(self) -> float:
        return self.steps["triage"]

    @property
    def start(self) -> float:
        from netra_agents.sweeper import START_TIMEOUT_SECONDS

        return START_TIMEOUT_SECONDS * self.percent / 100

    @property
    def resend_after(self) -> float:
        from netra_agents.sweeper import RESEND_AFTER_SECONDS

        return RESEND_AFTER_SECONDS * self.percent / 100

    @property
    def quiet(self) -> float:
        """How long a run must have been quiet for the sweeper to look at it."""
        return min(self.steps.values())

    def __str__(self) -> str:
        slowest = ", ".join(f"{step} {seconds:.2f} s" for step, seconds in self.slowest.items())
        return f"deadlines at {self.percent}% (triage {self.triage:g} s); slowest measured: {slowest}"


def percent_for(slowest: dict[str, float]) -> int:
    """The smallest whole percent of the real deadlines that gives each step its slowest
    measured time, scaled to the burst and by the margin."""
    from netra_agents.steps import STEP_TIMEOUT_SECONDS

    needed = [
        100 * seconds * (BURST / MEASURED_AT_ONCE) * MARGIN / STEP_TIMEOUT_SECONDS[step]
        for step, seconds in slowest.items()
    ]
    return min(CEILING_PERCENT, max(FLOOR_PERCENT, *(math.ceil(p) for p in needed)))


def step_times(runs: list[dict]) -> dict[str, float]:
    """Each step's slowest time (dispatched to completed) over finished runs, as
    GET /api/runs/{id} gives them."""
    slowest: dict[str, float] = {}
    for run in runs:
        for step in run["steps"]:
            took = (_at(step["completed_at"]) - _at(step["dispatched_at"])).total_seconds()
            slowest[step["name"]] = max(slowest.get(step["name"], 0.0), took)
    return slowest


def measure(http, platform, unique: str) -> Deadlines:
    """On `platform` (real deadlines): one question to wake every step (a first call imports
    what later ones reuse), then MEASURED_AT_ONCE at once, from as many users."""
    from tests.integration.faults.driving import ask, finished, sign_in

    def asked(who: dict, n: int) -> dict:
        run = finished(http, platform, who, ask(http, platform, who, f"{QUESTION} ({n})")["run_id"], timeout=120)
        assert run["status"] == "completed", f"a measuring question failed: {run.get('error')}"
        return run

    users = [sign_in(http, platform, f"measure{n}-{unique}@example.com") for n in range(MEASURED_AT_ONCE)]
    asked(users[0], -1)
    with concurrent.futures.ThreadPoolExecutor(MEASURED_AT_ONCE) as pool:
        runs = list(pool.map(asked, users, range(MEASURED_AT_ONCE)))
    slowest = step_times(runs)
    return Deadlines(percent_for(slowest), slowest)


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
