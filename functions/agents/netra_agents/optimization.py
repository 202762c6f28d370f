"""The optimization agent: the optimizer over the data agent's profile."""

from __future__ import annotations

from shared_lib.contracts.agents import OptimizationSummary, StepTask
from shared_lib.contracts.steps import OptimizationOutput

from netra_agents.answers.money import dollars
from netra_agents.answers.plan import worth_saying
from netra_agents.optimizer import LEVERS, optimize
from netra_agents.progress import Progress
from netra_agents.runtime import PriorOutputs


def find_savings(
    task: StepTask, progress: Progress, ctx: PriorOutputs
) -> tuple[OptimizationOutput, OptimizationSummary]:
    data = ctx.store.output(task.run_id, "data")
    if data is None:
        raise RuntimeError(f"run {task.run_id} has no data output yet")  # redelivered until it has
    progress.thinking(f"Checking {len(data['profile']['workloads'])} workloads against {len(LEVERS)} levers", "levers")
    with progress.tool("optimizer", "Computing savings lever by lever") as said:
        found = optimize(data["profile"])
        said.update(recommendations=len(found["recommendations"]), savings_usd=found["projected_savings_usd"])
    progress.completed(
        f"{len(found['recommendations'])} recommendations, {dollars(found['projected_savings_usd'])} "
        f"({found['projected_savings_pct']}%) over {data['period']['days']} days"
        + (
            f", {dollars(found['projected_savings_monthly_usd'])} a month at this rate"
            if worth_saying(found.get("projected_savings_monthly_usd"))
            else ""
        ),
        savings_usd=found["projected_savings_usd"],
    )
    return found, {
        "recommendations": len(found["recommendations"]),
        "projected_savings_usd": found["projected_savings_usd"],
    }
