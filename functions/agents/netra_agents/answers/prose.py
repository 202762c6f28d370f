"""The template narrative of every kind: money to the cent, the period as the question said
it, plurals that agree, cost and latency in separate paragraphs, and every name from usage
data quoted as a name (`quoting.name`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from netra_agents.answers.money import day_span, dollars
from netra_agents.answers.plan import worth_saying
from netra_agents.answers.quoting import name

METRIC_NAMES = {
    "spend": "Spend",
    "calls": "Calls",
    "tokens": "Tokens",
    "latency": "p95 latency",
    "error_rate": "Error rate",
}


def percent(value) -> str:
    """A share as the web app shows it, to one decimal, so prose and tables agree."""
    return f"{float(value):.1f}%"


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


def seconds(ms: float | None) -> str:
    return "n/a" if ms is None else f"{ms / 1000:.1f} s"


def when(period: dict) -> str:
    label = period.get("label")
    return f"{label} ({day_span(period)})" if label else day_span(period)


# Labels that are already adverbs of time ("last week", "since Nov 3") take no "in".
_BARE = ("last ", "this ", "yesterday", "today", "since ", "so far", "past ")


def during(period: dict, capital: bool = False) -> str:
    """The period as an adverbial: "in the last 7 days (…)", "last week (…)", "since Nov 3 (…)"."""
    said = when(period)
    if not period.get("label"):
        phrase = f"{'on' if period['days'] == 1 else 'in'} {said}"
    else:
        phrase = said if said.lower().startswith(_BARE) else f"in {said}"
    return phrase[:1].upper() + phrase[1:] if capital else phrase


def _date(iso: str) -> str:
    day = dt.date.fromisoformat(iso[:10])
    return f"{day:%b} {day.day}"


def template(report: dict) -> str:
    paragraphs = [p for p in _BY_KIND[report["kind"]](report) if p]
    return "\n\n".join(paragraphs)


def _lead(report: dict) -> list[str]:
    """Bad input first: a name the data does not have, a period without usage."""
    said = [w for w in report.get("warnings", []) if w.startswith(("Your data has no ", "No usage between "))]
    return [" ".join(said)] if said else []


def _guidance(report):
    return [
        f"Netra found no LLM usage for your organisation {during(report['period'])}, so there is nothing to analyse "
        "yet. Send your usage events or import an export, then ask again."
    ]


# What Netra says before the choices it offers, by why it asks back.
_ASKING = {
    "greeting": "Hello! I answer questions about your team's LLM usage: where the money goes, what changed, what "
    "next month will cost, and how to spend less or wait less.",
    "capability": "I read your team's LLM usage and answer in dollars and seconds: where the money goes, what "
    "changed and why, what a coming month will cost, what a change would save, how to spend less, and where "
    "the time goes.",
    "cannot_do": "I can't do that: I read your team's LLM usage and answer questions about its cost and speed.",
    "vague": "I'm not sure what you'd like to know.",
    "unsure": "I'm not sure which answer you want.",
}


def _clarify(report):
    labels = [c["label"][:1].lower() + c["label"][1:] for c in report["choices"]]
    if not labels:
        return [_ASKING[report["reason"]]]
    offered = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]
    ask = (
        f"Do you want {offered}?"
        if report["reason"] == "unsure"
        else f"The nearest I can do: {offered}."
        if report["reason"] == "cannot_do"
        else f"You could ask for {offered}."
    )
    return [f"{_ASKING[report['reason']]} {ask} Pick one below, or ask in your own words."]


def _plan(report):
    text = (
        f"{during(report['period'], capital=True)} you made {plural(report['total_calls'], 'LLM call')} costing "
        f"{dollars(report['total_spend_usd'])}."
    )
    recs = report["recommendations"]
    if not recs:
        text += " No change passed the evidence bar for a recommendation."
    else:
        top = recs[0]
        monthly = report.get("projected_savings_monthly_usd")
        text += (
            f" {plural(len(recs), 'change')} would save {dollars(report['projected_savings_usd'])} "
            f"({percent(report['projected_savings_pct'])} of spend"
            + (f"; {dollars(monthly)} a month at this rate" if worth_saying(monthly) else "")
            + f"); the largest saves {dollars(top['savings_usd'])}: {_title(top)}."
        )
        if report.get("meets_target") is not None:
            month = " a month" if report.get("target_per") == "month" else ""
            if report.get("target_level_usd"):
                level = f"spend down to {dollars(report['target_level_usd'])}{month}"
                text += f" That {'brings' if report['meets_target'] else 'falls short of bringing'} {level}."
            else:
                asked = (
                    f"{report['target_reduction_pct']:g}%"
                    if report.get("target_reduction_pct")
                    else dollars(report["target_usd"]) + month
                )
                text += f" That {'meets' if report['meets_target'] else 'falls short of'} the {asked} target."
            count = report.get("recommendations_to_target")
            if report["meets_target"] and count and count < len(recs):
                text += f" The first {plural(count, 'change')} reach it."
    latency = [f["finding"] for f in report["latency_findings"][:2]]  # the optimizer quotes its names
    return [*_lead(report), text, " ".join(latency)]


def _title(recommendation: dict) -> str:
    """A recommendation's title as the optimizer wrote it: its names are quoted in it already
    (quoting the whole again would turn their quotes into apostrophes), without a final stop."""
    return str(recommendation["title"]).rstrip(".")


def _breakdown(report):
    # The rest row is the one that counts groups: a real group may be named "other" (importers
    # name an unknown provider so).
    rows = [r for r in report["rows"] if "groups" not in r]
    other = next((r for r in report["rows"] if "groups" in r), None)
    dimension, metric = report["dimension"], report["metric"]
    if not rows:
        return [*_lead(report), f"No usage {during(report['period'])} to break down by {dimension}."]
    head = (
        f"{METRIC_NAMES[metric]} by {dimension} {during(report['period'])}: {dollars(report['total_cost_usd'])} over "
        f"{plural(report['total_calls'], 'call')}."
    )

    def quote(r, key=None):
        key = key or name(r["key"])
        if metric == "spend":
            return f"{key} {dollars(r['cost_usd'])} ({percent(r['share_pct'])})"
        if metric == "calls":
            return f"{key} {plural(r['calls'], 'call')} ({percent(r['share_pct'])})"
        if metric == "tokens":
            return f"{key} {plural(r['tokens'], 'token')} ({percent(r['share_pct'])})"
        if metric == "latency":
            return f"{key} {seconds(r['p95_latency_ms'])}"
        return f"{key} {(r['error_rate'] or 0) * 100:.2f}%"

    text = head + f" The largest is {quote(rows[0])}"
    if len(rows) > 1:
        text += ", then " + ", ".join(quote(r) for r in rows[1:])
    text += "."
    if other:
        rest = f"{plural(other['groups'], 'other ' + dimension)}"
        text += (
            f" {rest[:1].upper()}{rest[1:]}: {quote(other, 'together')}."
            if metric in ("spend", "calls", "tokens")
            else f" {plural(other['groups'], 'other ' + dimension)} make {plural(other['calls'], 'call')}."
        )
    within = [r for r in rows if r.get("within")]
    split = " ".join(
        f"Within {name(r['key'])}: "
        + ", ".join(
            f"{'the rest' if 'groups' in w else name(w['key'])} {dollars(w['cost_usd'])}" for w in r["within"]["rows"]
        )
        + "."
        for r in within
    )
    return [*_lead(report), text, split]


_EFFECTS = {
    "volume": "volume (calls)",
    "mix": "model mix",
    "size": "size (tokens per call)",
    "new": "new models",
    "gone": "models no longer used",
}


def _days_of(days: int, kind: str = "") -> str:
    kind = f"{kind} " if kind else ""
    return f"the one {kind}day" if days == 1 else f"the {days} {kind}days"


def _total_moved(delta: Decimal, pct: float | None, why: str = "over the different number of days") -> str:
    if not delta:
        return ""
    share = f", {percent(abs(pct))}" if pct is not None else ""
    return f" ({dollars(abs(delta))}{share} {'more' if delta > 0 else 'less'} {why})"


def _signed(amount: Decimal) -> str:
    return f"{'+' if amount > 0 else '−'}{dollars(abs(amount))}"


def _on(iso: str) -> str:
    day = dt.date.fromisoformat(iso[:10])
    return f"{day:%b} {day.day}, {day.year}"


def _moved(pct: float) -> str:
    """ "rose 8.1%", "fell 99.7%", "did not change" """
    return f"rose {percent(pct)}" if pct > 0 else f"fell {percent(-pct)}" if pct < 0 else "did not change"


def _clock(today: dict) -> str:
    return f"{dt.datetime.fromisoformat(today['to']):%H:%M} UTC"


def _edges(side: dict, cover: dict) -> str:
    """Where a thin period's usage lies, when it starts late or ends early: " (from Dec 6)",
    " (to Dec 3)", " (Dec 2 to Dec 5)", " (only Dec 3)"; "" when its gaps are inside it."""
    start = dt.date.fromisoformat(side["from"][:10])
    last = (start + dt.timedelta(days=cover["days"] - 1)).isoformat()
    late, early = cover["first_day"] > start.isoformat(), cover["last_day"] < last
    first_said, last_said = _date(cover["first_day"]), _date(cover["last_day"])
    if late and early:
        return f" (only {first_said})" if cover["first_day"] == cover["last_day"] else f" ({first_said} to {last_said})"
    return f" (from {first_said})" if late else f" (to {last_said})" if early else ""


def leading_rate(report: dict) -> tuple[str, dict] | tuple[None, None]:
    """The like-for-like figure a change leads with, when the totals do not compare as they
    are: spend per day with usage (a thin period), per complete day (periods of different
    lengths, or today not over), per hour (today so far, no complete day)."""
    coverage = report.get("coverage") or {}
    thin = any((coverage.get(side) or {}).get("thin") for side in ("current", "previous"))
    # A thin period compares per whole day with usage or not at all: per calendar day or hour
    # would count its days without usage as days without spend.
    for field in ("per_day_covered",) if thin else ("per_day_covered", "per_day", "per_hour"):
        rate = report.get(field)
        if rate and rate["pct"] is not None:
            return field, rate
    return None, None


def change_caveats(report: dict) -> list[str]:
    """What a change's totals do not say: a period without usage, a period thin in usage
    (its counts, and the comparison per day with usage), a today that is not over."""
    current, previous = report["current"], report["previous"]
    coverage, said = report.get("coverage") or {}, []
    if current["calls"] and not previous["calls"]:
        first = coverage.get("current", {}).get("first_day")
        starts = f", and the usage compared starts on {_on(first)}" if first else ""
        said.append(
            f"There is no usage in {day_span(previous)}{starts}: the {dollars(current['cost_usd'])} is not a rise in "
            "spend, there is no earlier spend to compare it with."
        )
    if previous["calls"] and not current["calls"]:
        last = coverage.get("previous", {}).get("last_day")
        ends = f" (the last usage compared is on {_on(last)})" if last else ""
        said.append(
            f"There is no usage in {day_span(current)}{ends}: usage stopped, or is no longer being sent; this is not "
            "a fall in spend."
        )
    covered = report.get("per_day_covered")
    for side, which, cover in (
        (previous, "The previous period", coverage.get("previous") or {}),
        (current, "This period", coverage.get("current") or {}),
    ):
        if not (cover.get("thin") and side["calls"]):
            continue
        so_far = " so far" if cover["days"] < _days_between(side) else ""
        text = (
            f"{which} ({day_span(side)}) holds usage on {cover['days_with_data']:,} of its "
            f"{plural(cover['days'], 'day')}{so_far}{_edges(side, cover)}"
        )
        if covered and covered["pct"] is not None:
            left_out = [_date(d) for d in covered.get("left_out", [])]
            leaving = (
                f" (leaving out {' and '.join(left_out)}: usage started or stopped during {'it' if len(left_out) == 1 else 'them'})"
                if left_out
                else ""
            )
            text += (
                f", so spend is also compared per whole day with usage{leaving}: {dollars(covered['current_usd'])} a day "
                f"against {dollars(covered['previous_usd'])} ({'+' if covered['pct'] >= 0 else '−'}"
                f"{percent(abs(covered['pct']))})"
            )
        elif current["calls"] and previous["calls"]:
            text += (
                ", where usage started or stopped part-way: no whole day with usage is left to compare per day, so the "
                "totals do not compare like for like"
            )
        said.append(text + ".")
    today, (leading, _) = report.get("partial_today"), leading_rate(report)
    if today and leading in ("per_day", "per_day_covered"):
        said.append(f"Today (so far, to {_clock(today)}) is left out of the per-day figures.")
    if today and leading == "per_hour":
        said.append(
            f"Today is not over (so far, to {_clock(today)}): spend is compared per hour covered, not as a whole day."
        )
    return said


def _days_between(period: dict) -> int:
    return (dt.date.fromisoformat(period["to"][:10]) - dt.date.fromisoformat(period["from"][:10])).days


def _change_figures(report) -> str:
    """The change's figures: the totals, or first the like-for-like rate when they do not
    compare as they are (`leading_rate`), or the amounts alone when nothing came before."""
    delta, current, previous = Decimal(report["delta_usd"]), report["current"], report["previous"]
    direction = "rose" if delta > 0 else "fell" if delta < 0 else "did not change"
    pct = f" ({percent(abs(report['delta_pct']))})" if report["delta_pct"] is not None and delta else ""
    amount = f" {dollars(abs(delta))}{pct}" if delta else ""
    calls = f"with {plural(current['calls'], 'call')} against {previous['calls']:,}"
    text = (
        f"Spend {direction}{amount}: {dollars(current['cost_usd'])} {during(report['period'])} against "
        f"{dollars(previous['cost_usd'])} in {day_span(previous)}, {calls}."
    )
    today = report.get("partial_today")
    leading, rate = leading_rate(report)
    totals = f"In total {dollars(current['cost_usd'])} against {dollars(previous['cost_usd'])}"
    if current["calls"] and not previous["calls"]:
        # Nothing before to compare with: the amounts, not a rise (the caveat leads).
        text = (
            f"{during(report['period'], capital=True)} spend was {dollars(current['cost_usd'])}, with "
            f"{plural(current['calls'], 'call')}, against no usage in {day_span(previous)}."
        )
    elif leading == "per_day_covered":
        # A period thin in usage: what compares is the days that have usage.
        text = (
            f"Per whole day with usage, spend {_moved(rate['pct'])}: {dollars(rate['current_usd'])} a day over "
            f"{_days_of(rate['current_days'], 'whole')} with usage {during(report['period'])} against "
            f"{dollars(rate['previous_usd'])} over {_days_of(rate['previous_days'], 'whole')} with usage of "
            f"{day_span(previous)}. "
            f"{totals}{_total_moved(delta, report['delta_pct'], 'over periods with usage on different days')}, {calls}."
        )
    elif leading == "per_day":
        # Periods of different lengths, or today not over: the totals' difference is mostly the
        # missing (or unfinished) days, so the like-for-like figure, spend per day, leads.
        same = rate["current_days"] + (1 if today else 0) == _days_between(previous)
        why = "with today not over" if today and same else "over the different number of days"
        text = (
            f"Per day, spend {_moved(rate['pct'])}: {dollars(rate['current_usd'])} a day over "
            f"{_days_of(rate['current_days'], 'complete' if today else '')} {during(report['period'])} against "
            f"{dollars(rate['previous_usd'])} over {_days_of(rate['previous_days'])} of {day_span(previous)}. "
            f"{totals}{_total_moved(delta, report['delta_pct'], why)}, {calls}."
        )
    elif leading == "per_hour":
        text = (
            f"Per hour, spend {_moved(rate['pct'])}: {dollars(rate['current_usd'])} an hour over the "
            f"{rate['current_hours']:g} hour{'' if rate['current_hours'] == 1 else 's'} so far today against {dollars(rate['previous_usd'])} an hour over "
            f"{_days_of(rate['previous_hours'] // 24)} of {day_span(previous)}. "
            f"{totals}{_total_moved(delta, report['delta_pct'], 'with today not over')}, {calls}."
        )
    return text


def _change(report):
    effects = report["effects"].get("model") or {}
    parts = [f"{_EFFECTS[e]} {_signed(Decimal(v))}" for e, v in effects.items() if Decimal(v)]
    why = f"By model: {', '.join(parts)}." if parts else ""
    by_feature: dict[str, Decimal] = {}
    for d in report["drivers"]:
        if d["dimension"] == "feature":
            by_feature[d["key"]] = by_feature.get(d["key"], Decimal(0)) + Decimal(d["delta_usd"])
    moved = sorted(((k, v) for k, v in by_feature.items() if v), key=lambda kv: (-abs(kv[1]), str(kv[0])))[:3]
    if moved:
        why += " The features that moved most: " + ", ".join(f"{name(k)} {_signed(v)}" for k, v in moved) + "."
    spikes = report["spikes"]
    spiked = ""
    if spikes:
        spiked = (
            f"{plural(len(spikes), 'day')} spiked: "
            + ", ".join(f"{_date(s['date'])} ({dollars(s['cost_usd'])})" for s in spikes)
            + f", against a typical day of {dollars(spikes[0]['typical_day_usd'])}."
        )
    return [*_lead(report), " ".join(change_caveats(report)), _change_figures(report), why.strip(), spiked]


def _what_if(report):
    scenario = report["scenario"]
    if not report["priced"]:
        return [*_lead(report), f"Netra cannot price this scenario: {report['assumptions'][0]}"]
    kind = scenario.get("type")
    if kind == "top_n":
        what = f"Doing only the top {plural(len(report['affected']), 'recommendation')}"
    elif kind == "move_model":
        source = f" from {name(scenario['from_model'])}" if scenario.get("from_model") else ""
        what = f"Moving {_scope(scenario, 'every workload')}{source} to {name(scenario['to_model'])}"
    elif kind == "cache" and scenario.get("mode") == "prompt":
        what = f"Turning on prompt caching for {_scope(scenario, 'every feature')}"
    elif kind == "cache":
        what = f"Caching the repeated prompts of {_scope(scenario, 'every feature')}"
    elif kind == "traffic_growth":
        what = _traffic_words(scenario)
    else:
        what = f"Moving {_scope(scenario, 'every feature')} to a batch API"
    if Decimal(report["savings_usd"]) < 0:
        more = str(-Decimal(report["savings_usd"]))
        text = (
            f"{what} would add {dollars(more)} ({percent(-report['savings_pct'])} of spend) "
            f"{during(report['period'])}: {dollars(report['current_cost_usd'])} would become {dollars(report['projected_cost_usd'])}."
        )
    else:
        text = (
            f"{what} would save {dollars(report['savings_usd'])} ({percent(report['savings_pct'])} of spend) "
            f"{during(report['period'])}: {dollars(report['current_cost_usd'])} would become {dollars(report['projected_cost_usd'])}."
        )
    return [*_lead(report), text, " ".join(report["assumptions"][:2])]


def _traffic_words(scenario: dict) -> str:
    factor = scenario.get("factor") or 0
    if factor == 0:
        return f"Turning off {_scope(scenario, 'every feature')}"
    amount = {2: "Twice the", 3: "Three times the", 4: "Four times the", 0.5: "Half the"}.get(factor)
    amount = amount or (f"{factor:g} times the" if factor == int(factor) else f"{factor:.0%} of today's")
    return f"{amount} traffic" + (f" to {name(scenario['feature'])}" if scenario.get("feature") else "")


def _scope(scenario: dict, everything: str) -> str:
    return name(scenario["feature"]) if scenario.get("feature") else everything


def _pace(report) -> str:
    """The days the forecast's mean is taken over: four weeks, or the days of history there are."""
    days = report.get("history_days")
    return "four weeks" if days is None or days >= 28 else plural(days, "day") + " (all the history there is)"


def _latency(report):
    o = report["overall"]
    if not o["calls"]:
        return [*_lead(report), f"No calls {during(report['period'])} to measure."]
    text = (
        f"{during(report['period'], capital=True)}, p50 latency was {seconds(o['p50_ms'])}, p95 {seconds(o['p95_ms'])} and p99 "
        f"{seconds(o['p99_ms'])} over {plural(o['calls'], 'call')}."
    )
    if o["p95_ttft_ms"] is not None:
        text += f" p95 time to first token was {seconds(o['p95_ttft_ms'])}."
    # The slowest of what was asked about: features when the question names them, else models.
    by = "feature" if "feature" in ((report.get("query") or {}).get("dimensions") or []) else "model"
    rows = report[f"by_{by}"]
    slowest = rows[0] if rows else None
    tail = f"The slowest {by} is {name(slowest['key'])} (p95 {seconds(slowest['p95_ms'])})." if slowest else ""
    if report["tail"]["features"]:
        tail += (
            " The slow tail is in "
            + ", ".join(f"{name(r['key'])} (p95 {seconds(r['p95_ms'])})" for r in report["tail"]["features"])
            + "."
        )
    fixes = ""
    if report["findings"]:
        first = report["findings"][0]
        fixes = f"To cut the wait of {name(first['feature'])}: " + " ".join(first["fixes"][:3])
    return [*_lead(report), text, tail.strip(), fixes]


def _forecast(report):
    if report.get("horizon"):
        return _forecast_ahead(report)
    month = dt.date.fromisoformat(report["today"]).strftime("%B %Y")
    text = f"In {month} you have spent {dollars(report['month_to_date_usd'])} so far."
    if report["projected_month_usd"] is not None:
        error = (
            f"; its backtested error on your history is {percent(report['backtest_error_pct'])}"
            if report["backtest_error_pct"] is not None
            else ""
        )
        text += (
            f" At this pace the month ends near {dollars(report['projected_month_usd'])} (a seasonal mean over your "
            f"daily spend with a weekly rhythm{error})."
        )
    budget = ""
    if report.get("budget_usd") is not None:
        budget = (
            f"Your {dollars(report['budget_usd'])} budget runs out on {_date(report['run_out_date'])}."
            if report["run_out_date"]
            else f"Your {dollars(report['budget_usd'])} budget lasts the month."
        )
    return [*_lead(report), text, budget]


def _year_if_not(iso: str, today: str) -> str:
    return "" if iso[:4] == today[:4] else f", {iso[:4]}"


def _forecast_ahead(report):
    horizon = report["horizon"]
    when = horizon["label"] or f"{_date(horizon['from'])} to {_date(horizon['to'])}"
    if report["projected_horizon_usd"] is None:
        return [*_lead(report), f"Netra cannot project {when} yet: {report['warnings'][0]}"]
    error = (
        f"; its backtested error on your history is {percent(report['backtest_error_pct'])} over a week"
        if report["backtest_error_pct"] is not None
        else ""
    )
    text = (
        f"At the pace of the last {_pace(report)}, {when} ({plural(horizon['days'], 'day')}) would cost about "
        f"{dollars(report['projected_horizon_usd'])} (a seasonal mean over your daily spend with a weekly rhythm{error})."
    )
    months = report.get("horizon_months") or []
    if len(months) > 1:
        text += (
            " By month: "
            + ", ".join(f"{dt.date.fromisoformat(m['month'] + '-01'):%B} {dollars(m['projected_usd'])}" for m in months)
            + "."
        )
    budget = ""
    if report.get("budget_usd") is not None:
        budget = (
            f"Your {dollars(report['budget_usd'])} budget runs out on {_date(report['run_out_date'])}"
            f"{_year_if_not(report['run_out_date'], report['today'])}."
            if report["run_out_date"]
            else f"Your {dollars(report['budget_usd'])} budget lasts through {when}."
        )
    return [*_lead(report), text, budget]


def _overview(report):
    text = (
        f"{during(report['period'], capital=True)} you made {plural(report['total_calls'], 'LLM call')} costing "
        f"{dollars(report['total_spend_usd'])}."
    )
    sources = (report.get("query") or {}).get("sources") or {}
    if sources and set(sources.values()) == {"default"}:
        # Nothing in the message was understood: say so, rather than answer as if it had been.
        text = "Netra did not find a question about your usage in that, so here is an overview. " + text
    if report["top_features"]:
        text += (
            " Most of it went to "
            + ", ".join(f"{name(f['key'])} ({dollars(f['cost_usd'])})" for f in report["top_features"][:3])
            + "."
        )
    headline = report["headline_saving"]
    saving = (
        f"Netra found {plural(headline['recommendations'], 'change')} that would save {dollars(headline['savings_usd'])} "
        f"({percent(headline['savings_pct'])} of spend); the largest saves "
        f"{dollars(headline['largest']['savings_usd'])}: {_title(headline['largest'])}."
        if headline
        else "No change passed the evidence bar for a recommendation yet."
    )
    return [*_lead(report), text, saving, "Ask about a breakdown, a change, a what-if, latency or a forecast."]


_BY_KIND = {
    "guidance": _guidance,
    "clarify": _clarify,
    "plan": _plan,
    "breakdown": _breakdown,
    "change": _change,
    "what_if": _what_if,
    "latency": _latency,
    "forecast": _forecast,
    "overview": _overview,
}
