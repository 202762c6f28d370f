"""The optimizer: deterministic savings levers over a workload profile (from analytics).

Each workload (feature, provider, model, interactive, batch) goes through the levers in
one order, each on what the previous ones left, so that no call's saving is counted
twice: first the calls that need not happen (billed failures, repeated prompts), then
cheaper calls (a smaller model, capped outputs, cached prefixes, the batch discount). A
lever's saving is the cost of the remaining token mix before it minus after it, priced per
token kind with the catalog's unit prices. Every number here is computed; no LLM is asked.

Confidence says how well the data supports the saving *and* that the change keeps the
answers; risk, what could go wrong when it is made. Per lever:

- error_waste: high (billed failures are counted, not inferred); risk low.
- response_caching: high when at least 20% of successful calls repeat a prompt, medium
  below (an exact-match cache is only as good as the prompt hash); risk medium (stale answers).
- model_rightsizing: never above medium. Usage data shows output lengths, never answer
  quality, so whether the smaller model answers as well is unknown: the evidence says what
  to validate first (the team's own prompts on both models); risk medium.
- output_caps: only on runaway outputs (see `runaway_evidence`). High when at least
  `HIGH_CONFIDENCE_TAIL` tail calls exist and at least half of them stopped at their limit
  (finish_reason `length` or output = max_tokens: those answers were cut already, so a lower
  cap cuts only what was going to be incomplete); risk low. Medium when the tail is only
  separated from the body (its answers were not seen: a legitimate kind of long answer is
  possible) or has fewer calls; risk medium, and the evidence says to read a sample first.
  A smooth heavy tail (no limit hit, no gap) gets no recommendation: capping it truncates
  legitimate long answers.
- prompt_caching: high when every prefix's length is reported by the caller, medium when
  estimated from the shortest prompt; risk low (caching does not change outputs). Priced
  from each prefix's own call times: a cache write after every gap longer than the cache's
  lifetime since last use (the profile counts them), a read otherwise; for Anthropic the
  5-minute or 1-hour cache, whichever saves more on those gaps; prefixes shorter than the
  model's minimum (catalog) are left out, and so is a workload that already writes or reads the
  cache (its sparse calls mostly write again: that is not "uncached"). OpenAI's 24-hour
  retention where the catalog lists the model; Gemini's implicit caching (no write charge).
- reasoning_effort: never above medium. The saving rests on a stated, sourced assumption
  (`catalog.REASONING_SAVED_SHARE` of the reasoning tokens per effort step down), and answer
  quality is unseen; only where reasoning is at least `REASONING_DOMINANT` of the output behind
  short answers (mean visible answer at most `SHORT_ANSWER_TOKENS`); risk medium. Priced on the
  reasoning of calls still made (a billed failure's goes with error_waste: `success_reasoning`);
  an output cap after it counts only what is left past the cap once every output shrinks by the
  share this lever removed (`_excess_left`), so no token is saved twice.
- batching: high (the discount is the provider's list price); risk low for
  non-interactive traffic. OpenAI Flex (batch prices, synchronous API) for interactive-flagged
  traffic on a model the catalog prices on Flex: medium, risk medium, and only when the workload
  never streams while the org's other workloads report time to first token (its absence then
  says nobody watches the answer arrive). Those other workloads are the whole org's, counted by
  the data step before the question's filter; a filtered profile without that count gets no Flex
  claim (`_streams_elsewhere`). Traffic already on a batch API is never claimed.

Every saving is also stated per month at the run rate of the period analysed
(`savings_monthly_usd`: the saving x 30.4375 / the days of usage the period covers, i.e. up to
the moment the data was read when the period includes today: see `period_days`).

Names from usage data (feature, model, provider) are quoted as names in every title, piece of
evidence, finding and warning (`answers.quoting.name`); the structured fields (`workload`,
`change`) hold them as they are.
"""

from __future__ import annotations

import dataclasses
import hashlib
from decimal import Decimal

from shared_lib.pricing import BATCH_DISCOUNT, UnitPrices, provider_id, unit_prices

from netra_agents import catalog
from netra_agents.answers.money import day_span, dollars, share, usd
from netra_agents.answers.quoting import name

LEVERS = (
    "error_waste",
    "response_caching",
    "model_rightsizing",
    "reasoning_effort",
    "output_caps",
    "prompt_caching",
    "batching",
)

# Thresholds: what makes a pattern worth a recommendation rather than noise.
MIN_CALLS = 50  # successful calls a workload needs before its profile says anything
FAILURE_RATE = 0.02  # billed failures worth fixing
MIN_REPEATS = 10
REPEAT_SHARE = 0.02
SIMPLE_OUTPUT_MEAN = 150  # right-sizing: short answers...
SIMPLE_OUTPUT_P95 = 300
SIMPLE_OUTPUT_CV = 1.0  # ...of steady length...
REASONING_SHARE = 0.1  # ...with little reasoning
# Reasoning effort: reasoning tokens that dwarf a short visible answer (at least this share of
# the output, i.e. 3 reasoning tokens for every answer token) on answers this short on average.
REASONING_DOMINANT = 0.75
SHORT_ANSWER_TOKENS = 300
TAIL_MAX_SHARE = 0.10  # output caps: a rare runaway tail (at most 1 call in 10), not the normal length
MIN_TAIL_CALLS = 1  # one runaway past 4x the median is already money spent; few of them lower the confidence
HIGH_CONFIDENCE_TAIL = 5  # tail calls needed before a cap is claimed with high confidence
# A tail is separated from the body when its shortest output is at least this multiple of the
# longest output at or below the cap: the sorted outputs have an empty stretch (a gap) of at
# least the body's whole length between the last ordinary answer and the first runaway.
TAIL_SEPARATION = 2
CACHED_ALREADY = 0.10  # a prefix served from cache this often is already cached
EVIDENCE_PREFIXES = 5  # prefixes described one per line in a recommendation's evidence
ESTIMATED_PREFIX_SHARE = 0.5  # without a reported length, the shortest prompt must be half the mean
SLOW_TTFT_MS = 1500
SLOW_P95_MS = 10_000
ZERO = Decimal(0)
# Savings per month at the run rate of the period analysed: the mean Gregorian month.
MONTH_DAYS = Decimal("30.4375")


@dataclasses.dataclass(frozen=True)
class Tokens:
    plain: int  # input tokens billed at the full input price
    cached: int
    written: int
    output: int
    written_1h: int = 0  # cache writes for Anthropic's 1-hour cache (2x the input price)

    @classmethod
    def of(cls, counts: dict) -> Tokens:
        cached, written = counts["cached_input_tokens"], counts["cache_write_tokens"]
        return cls(counts["input_tokens"] - cached - written, cached, written, counts["output_tokens"])

    def cost(self, rates: UnitPrices, factor: Decimal) -> Decimal:
        return (
            self.plain * rates.input
            + self.cached * rates.cache_read
            + self.written * rates.cache_write
            + self.written_1h * rates.input * catalog.LONG_CACHE_WRITE
            + self.output * rates.output
        ) * factor

    def minus(self, other: Tokens) -> Tokens:
        return Tokens(
            max(0, self.plain - other.plain),
            max(0, self.cached - other.cached),
            max(0, self.written - other.written),
            max(0, self.output - other.output),
            max(0, self.written_1h - other.written_1h),
        )

    @property
    def input(self) -> int:
        return self.plain + self.cached + self.written + self.written_1h


@dataclasses.dataclass
class _Workload:
    """One workload as the levers have left it so far."""

    profile: dict
    model: str
    rates: UnitPrices
    factor: Decimal  # 0.5 once on a batch API
    tokens: Tokens
    calls: int  # successful calls still made
    reasoning: int = 0  # reasoning tokens still produced (part of tokens.output)
    output_cut: Decimal = ZERO  # share of each remaining call's output an earlier lever removed (reasoning effort)
    ttft_elsewhere: bool = False  # other workloads of the org report time to first token

    @property
    def cost(self) -> Decimal:
        return self.tokens.cost(self.rates, self.factor)

    @property
    def provider(self) -> str:
        return provider_id(self.profile["provider"])


@dataclasses.dataclass
class Recommendation:
    lever: str
    workload: dict
    title: str
    affected_calls: int
    current_cost: Decimal
    savings: Decimal
    monthly: Decimal | None  # savings per month at the period's run rate
    confidence: str
    risk: str
    evidence: list[str]
    change: dict

    def as_json(self) -> dict:
        w = self.workload
        key = "|".join(str(w[k]) for k in ("feature", "provider", "model", "interactive", "batch"))
        return {
            "id": f"{self.lever}-{hashlib.sha256(key.encode()).hexdigest()[:10]}",
            "lever": self.lever,
            "title": self.title,
            # success_calls: the pool of recent prompts an evaluation can draw from (actions.evaluation).
            "workload": {
                **{k: w[k] for k in ("feature", "provider", "model", "interactive", "batch")},
                "success_calls": w["success_calls"],
            },
            "affected_calls": self.affected_calls,
            "current_cost_usd": usd(self.current_cost),
            "projected_cost_usd": usd(self.current_cost - self.savings),
            "savings_usd": usd(self.savings),
            "savings_monthly_usd": None if self.monthly is None else usd(self.monthly),
            "savings_pct": share(self.savings, self.current_cost),
            "confidence": self.confidence,
            "risk": self.risk,
            "evidence": self.evidence,
            "change": self.change,
            "actions": [],
        }


def optimize(profile: dict) -> dict:
    """Recommendations ranked by dollars saved, latency findings and what the data lacks."""
    workloads = profile["workloads"]
    total = sum((Decimal(w["cost_usd"]) for w in workloads), ZERO)
    recommendations: list[Recommendation] = []
    notes: list[str] = []
    days = period_days(profile)
    for profile_entry in workloads:
        state = workload_state(profile_entry)
        if state is None:
            continue
        state.ttft_elsewhere = _streams_elsewhere(profile, profile_entry)
        for lever in LEVERS:
            before = dataclasses.replace(state)
            found = _LEVERS[lever](state)
            if found is not None and found.savings > 0:
                recommendations.append(dataclasses.replace(found, monthly=monthly(found.savings, days)))
            else:
                state = before  # a change that saves nothing is not made: the next lever sees the workload as it was
    recommendations.sort(key=lambda r: (-r.savings, r.lever, r.workload["feature"]))
    # The total is the sum of the amounts shown, so the report adds up to the micro-dollar.
    saved = sum((Decimal(usd(r.savings)) for r in recommendations), ZERO)
    saved_monthly = None if days is None else sum((Decimal(usd(r.monthly)) for r in recommendations), ZERO)
    notes.extend(_data_gaps(workloads))
    notes.extend(_run_rate_basis(profile, days))
    small = [w for w in workloads if w["success_calls"] < MIN_CALLS and not w["unpriced_calls"]]
    if small:
        cost = sum((Decimal(w["cost_usd"]) for w in small), ZERO)
        notes.append(
            f"{len(small)} workloads with fewer than {MIN_CALLS} successful calls ({dollars(cost)}, "
            f"{share(cost, total)}% of spend) are too small to judge and got no recommendation."
        )
    return {
        "total_spend_usd": usd(total),
        "projected_savings_usd": usd(saved),
        "projected_savings_pct": share(saved, total),
        # The same savings per month at this period's run rate (the sum of the amounts shown).
        "period_days": None if days is None else float(days),
        "projected_savings_monthly_usd": None if saved_monthly is None else usd(saved_monthly),
        "recommendations": [r.as_json() for r in recommendations],
        "latency_findings": latency_findings(workloads),
        "warnings": _unpriced_warnings(workloads) + notes,
    }


def _streams_elsewhere(profile: dict, w: dict) -> bool:
    """Whether other workloads of the org report time to first token. The data step counts the
    org's streaming workloads before the question's filter (`streaming_workloads`); without that
    count, a profile filtered to a subset (`filtered`) cannot tell, and says no."""
    streams = w["latency"]["p95_ttft_ms"] is not None
    if profile.get("streaming_workloads") is not None:
        return profile["streaming_workloads"] - streams > 0
    if profile.get("filtered"):
        return False
    return any(other is not w and other["latency"]["p95_ttft_ms"] is not None for other in profile["workloads"])


def workload_state(w: dict) -> _Workload | None:
    """A profile workload priced per token kind (None when its model has no price): the
    state the levers change, and what a what-if re-prices."""
    calls = w["calls"] or 1
    try:
        rates = unit_prices(provider_id(w["provider"]), w["model"], w["tokens"]["input_tokens"] // calls)
    except LookupError:
        return None  # unpriced: reported in the warnings, never given a made-up saving
    if rates is None:  # on a tier boundary exactly: the next token decides
        rates = unit_prices(provider_id(w["provider"]), w["model"], w["tokens"]["input_tokens"] // calls + 1)
    factor = BATCH_DISCOUNT.get(provider_id(w["provider"]), Decimal(1)) if w["batch"] else Decimal(1)
    return _Workload(
        w, w["model"], rates, factor, Tokens.of(w["tokens"]), w["success_calls"], w.get("reasoning_tokens", 0)
    )


def success_reasoning(w: dict) -> int:
    """The reasoning tokens of the workload's successful calls: the profile's count, else the
    reasoning pro rata to the successful share of calls (a profile from before it was counted)."""
    if w.get("success_reasoning_tokens") is not None:
        return w["success_reasoning_tokens"]
    return w.get("reasoning_tokens", 0) * w["success_calls"] // w["calls"] if w["calls"] else 0


def period_days(profile: dict) -> Decimal | None:
    """The days a run rate is taken over (None when the profile does not say): the span from the
    first call to the last (`first_call`, `last_call`), within the period's start and its end capped
    at the moment the data was read (`covered_to`, set by the data step); at least an hour. Usage
    that sits in one hour of a 30-day window is a rate of that hour, not a thirtieth of it."""
    start, end = _span(profile)
    if start is None or end is None:
        return None
    seconds = (end - start).total_seconds()
    if seconds <= 0 and not profile.get("first_call"):
        return None
    return Decimal(int(max(seconds, 3600))) / 86400


def _span(profile: dict):
    """(start, end) of the usage a run rate covers, as `period_days` describes."""
    import datetime as dt

    def instant(iso: str | None) -> dt.datetime | None:
        if not iso:
            return None
        at = dt.datetime.fromisoformat(iso)
        return at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc)

    start, end = instant(profile.get("from")), instant(profile.get("covered_to") or profile.get("to"))
    first, last = instant(profile.get("first_call")), instant(profile.get("last_call"))
    if start is None or end is None:
        return None, None
    if first is not None and last is not None and (first > end or last < start):
        return None, None  # the calls lie outside the period read (a call stamped ahead of the clock)
    if first is not None and first == last:
        return start, end  # one instant of usage is no rate: the whole period is its basis
    return (max(start, first) if first else start), (min(end, last) if last else end)


def _run_rate_basis(profile: dict, days: Decimal | None) -> list[str]:
    """A sentence when the monthly figures' run rate comes from a span shorter than the period."""
    start, end = _span(profile)
    period_start, period_end = _span({k: profile.get(k) for k in ("from", "to", "covered_to")})
    if days is None or start is None or period_start is None:
        return []
    whole = (period_end - period_start).total_seconds()
    if whole <= 0 or (end - start).total_seconds() >= 0.9 * whole or whole - (end - start).total_seconds() < 3600:
        return []
    span = day_span({"from": start.replace(microsecond=0).isoformat(), "to": end.replace(microsecond=0).isoformat()})
    hours = round(float(days) * 24, 1)
    length = ("1 hour" if hours == 1 else f"{hours:g} hours") if days < 2 else f"{float(days):.1f} days"
    return [
        f"Savings a month are at the rate of the span the usage covers, {span} ({length}), not of the whole period"
        + (": a month from less than a day of usage is an extrapolation." if days < 1 else ".")
    ]


def monthly(amount: Decimal, days: Decimal | None) -> Decimal | None:
    """An amount saved over `days` as a month at the same rate, rounded to the micro-dollar."""
    return None if days is None else (amount * MONTH_DAYS / days).quantize(Decimal("0.000001"))


# --- the levers, in order -------------------------------------------------------------------


def _error_waste(state: _Workload) -> Recommendation | None:
    failures = state.profile["failures"]
    billed, calls = failures["billed_calls"], state.profile["calls"]
    if calls < MIN_CALLS or billed / calls < FAILURE_RATE:
        return None
    wasted = Tokens.of(failures["tokens"])
    before = state.cost
    state.tokens = state.tokens.minus(wasted)
    # The failed calls' reasoning goes with them: lowering the effort cannot save it again.
    state.reasoning = min(state.reasoning, success_reasoning(state.profile))
    return _recommend(
        "error_waste",
        state,
        before,
        billed,
        f"Stop paying for failed {name(state.model)} calls in {name(state.profile['feature'])}",
        "high",
        "low",
        [
            f"{billed} of {calls} calls ({billed / calls:.1%}) failed after the provider billed them "
            f"({wasted.input + wasted.output:,} tokens).",
            "Failed calls are retried, so each one is paid twice; raise the client timeout, stream the response, "
            "or retry only before tokens are produced.",
        ],
        {"failed_calls_per_period": billed},
    )


def _response_caching(state: _Workload) -> Recommendation | None:
    repeats = state.profile["repeats"]
    success = state.profile["success_calls"]
    if success < MIN_CALLS or repeats["calls"] < MIN_REPEATS or repeats["calls"] / success < REPEAT_SHARE:
        return None
    before = state.cost
    state.tokens = state.tokens.minus(Tokens.of(repeats["tokens"]))
    state.calls -= repeats["calls"]
    share = repeats["calls"] / success
    return _recommend(
        "response_caching",
        state,
        before,
        repeats["calls"],
        f"Cache answers to repeated {name(state.profile['feature'])} prompts",
        "high" if share >= 0.2 else "medium",
        "medium",
        [
            f"{repeats['calls']:,} of {success:,} successful calls ({share:.1%}) repeat a prompt already answered "
            "in the period (same prompt_hash, same model).",
            "An exact-match cache keyed on the prompt hash answers them without a model call; "
            "expire entries when the underlying content changes.",
        ],
        {"cacheable_calls": repeats["calls"]},
    )


def _model_rightsizing(state: _Workload) -> Recommendation | None:
    w, out = state.profile, state.profile["output"]
    target = catalog.downgrade(w["provider"], state.model)
    if target is None or w["success_calls"] < MIN_CALLS or out["mean"] is None:
        return None
    cv = (out["stddev"] or 0) / out["mean"] if out["mean"] else 0
    reasoning = w["reasoning_tokens"] / max(1, w["tokens"]["output_tokens"])
    if (
        out["mean"] > SIMPLE_OUTPUT_MEAN
        or out["p95"] > SIMPLE_OUTPUT_P95
        or cv > SIMPLE_OUTPUT_CV
        or reasoning > REASONING_SHARE
    ):
        return None
    try:
        rates = unit_prices(state.provider, target.target, state.tokens.input // max(1, state.calls) + 1)
    except LookupError:
        return None
    before = state.cost
    original = state.model
    state.model, state.rates = target.target, rates
    return _recommend(
        "model_rightsizing",
        state,
        before,
        state.calls,
        f"Move {name(w['feature'])} from {name(original)} to {name(target.target)}",
        "medium",
        "medium",
        [
            f"Outputs are short and steady: mean {out['mean']:.0f} tokens, p95 {out['p95']:.0f}, "
            f"coefficient of variation {cv:.2f} over {w['success_calls']:,} calls.",
            f"{name(target.target)} is the same provider's model for {target.tier}; "
            f"it costs {_ratio(rates, state.tokens, before, state.factor)} of {name(original)} on this token mix.",
            "Usage data says nothing about answer quality, so this is medium confidence at most. Validate first: replay "
            f"a sample of recent {name(w['feature'])} prompts on both models and move only if {name(target.target)} is no worse "
            "on the team's own quality metric (labels, fields, or graded answers).",
        ],
        {"from_model": original, "to_model": target.target},
    )


def _reasoning_effort(state: _Workload) -> Recommendation | None:
    """Reasoning tokens that dwarf a short visible answer: lower the effort. The saving rests
    on a stated assumption (`catalog.REASONING_SAVED_SHARE` of the reasoning tokens), not on
    anything the usage shows, so it is medium confidence at most."""
    w = state.profile
    success = w["success_calls"]
    # The shape of the successful calls' output (failures are error_waste's, priced there or not at all).
    reasoning = success_reasoning(w)
    output = w["tokens"]["output_tokens"] - w["failures"]["tokens"]["output_tokens"]
    if success < MIN_CALLS or not state.reasoning or output <= 0:
        return None
    share = reasoning / output
    answer = (output - reasoning) / success  # visible tokens per call
    if share < REASONING_DOMINANT or answer > SHORT_ANSWER_TOKENS:
        return None
    remaining = state.calls / success  # calls earlier levers removed reason no more
    saved = int(catalog.REASONING_SAVED_SHARE * state.reasoning * Decimal(remaining))
    saved = min(saved, state.tokens.output)
    if saved <= 0:
        return None
    before = state.cost
    # Each remaining call's output shrinks by this share: a later output cap sees shorter outputs.
    state.output_cut = Decimal(saved) / state.tokens.output
    state.tokens = dataclasses.replace(state.tokens, output=state.tokens.output - saved)
    state.reasoning -= saved
    knob = catalog.reasoning_knob(state.provider, state.model)
    setting = knob.setting if knob else "less reasoning"
    evidence = [
        f"Reasoning is {share:.0%} of the output tokens of {name(w['feature'])}: {reasoning / success:,.0f} reasoning "
        f"tokens per call behind a visible answer of {answer:,.0f} tokens on average, over {success:,} calls.",
        f"Priced on a stated assumption, not a measurement of this traffic: one effort step down saves "
        f"{catalog.REASONING_SAVED_SHARE:.0%} of the reasoning tokens ({saved:,} tokens billed as output); published "
        "measurements show reasoning length growing markedly with each effort step ("
        + ", ".join(catalog.REASONING_SOURCES)
        + ").",
        f"The setting: {setting} ({knob.source}). The usage does not show the level sent today."
        if knob
        else f"{name(state.provider)} documents no reasoning-effort setting the catalog knows of for {name(state.model)}: "
        "the saving needs "
        "one (or a prompt that asks for brief reasoning), so it is low confidence.",
        "Usage data says nothing about answer quality, so this is medium confidence at most. Validate first: replay a "
        f"sample of {name(w['feature'])} prompts at the lower effort and keep it only if answers are no worse on the team's "
        "own quality metric; the reasoning tokens it reports give the real saving.",
    ]
    return _recommend(
        "reasoning_effort",
        state,
        before,
        state.calls,
        f"Lower the reasoning effort of {name(w['feature'])} on {name(state.model)}",
        "medium" if knob else "low",
        "medium",
        evidence,
        {
            "reasoning_effort": "lower",
            "knob": knob.setting if knob else None,
            "knob_source": knob.source if knob else None,
            "assumed_reasoning_saved_share": float(catalog.REASONING_SAVED_SHARE),
        },
    )


def runaway_evidence(w: dict) -> tuple[int, bool] | None:
    """(tail calls that stopped at their limit, whether the tail is separated) when the
    tail past the cap runs away; None for a tail that is simply the long end of the answers.

    Runaway means either at least half the tail calls ended `length` or produced their
    max_tokens, or the tail is separated: its shortest output >= `TAIL_SEPARATION` x the
    longest output at or below the cap (no call in between). A smooth heavy tail — e.g.
    log-normal lengths, no max_tokens — has calls on both sides of the cap close together,
    so neither holds.
    """
    tail = w["output_tail"]
    cut = tail.get("truncated_calls", 0)
    body_max, tail_min = tail.get("body_max_tokens"), tail.get("tail_min_tokens")
    separated = bool(tail_min and body_max is not None and tail_min >= TAIL_SEPARATION * body_max)
    if 2 * cut >= tail["calls"] > 0 or separated:
        return cut, separated
    return None


def _output_caps(state: _Workload) -> Recommendation | None:
    w, tail = state.profile, state.profile["output_tail"]
    success = w["success_calls"]
    if success < MIN_CALLS or tail["calls"] < MIN_TAIL_CALLS or tail["calls"] / success > TAIL_MAX_SHARE:
        return None
    runaway = runaway_evidence(w)
    if runaway is None:
        return None
    cut, separated = runaway
    excess = min(_excess_left(tail, state.output_cut), state.tokens.output)
    if excess <= 0:
        return None
    before = state.cost
    state.tokens = dataclasses.replace(state.tokens, output=state.tokens.output - excess)
    p50 = w["output"]["p50"] or 0
    truncated = 2 * cut >= tail["calls"]
    evidence = [
        f"{tail['calls']} of {success:,} calls ({tail['calls'] / success:.1%}) ran past {tail['cap_tokens']:,} tokens "
        f"({excess:,} tokens beyond), while the median answer is {p50:.0f} tokens."
    ]
    if cut:
        evidence.append(
            f"{cut} of them stopped at their limit (finish_reason length, or as many tokens as max_tokens): "
            "those answers were cut off already."
        )
    if separated:
        evidence.append(
            f"The tail is separated from the body: no call produced between {tail['body_max_tokens']:,} and "
            f"{tail['tail_min_tokens']:,} tokens, the signature of runaway generation rather than long answers."
        )
    evidence.append(
        f"max_tokens is {w['output']['max_tokens_p50']:.0f} today."
        if w["output"]["max_tokens_p50"]
        else "No max_tokens is set today."
    )
    if state.output_cut:
        evidence.append(
            f"Counted after the lower reasoning effort: with {state.output_cut:.0%} less output per call, "
            f"{excess:,} of the tail's {tail['excess_tokens']:,} tokens past the cap remain (no token is "
            "saved twice)."
        )
    high = truncated and tail["calls"] >= HIGH_CONFIDENCE_TAIL
    if not high:
        evidence.append(
            "Validate first: read a sample of the calls past the cap; cap only if they are repetition or "
            "runaway text, not answers users need in full."
        )
    return _recommend(
        "output_caps",
        state,
        before,
        tail["calls"],
        f"Cap {name(w['feature'])} outputs at {tail['cap_tokens']:,} tokens",
        "high" if high else "medium",
        "low" if truncated else "medium",
        evidence,
        {"max_tokens": tail["cap_tokens"]},
    )


def _excess_left(tail: dict, cut: Decimal) -> int:
    """The tail's tokens past the cap once an earlier lever shortened every output by the share
    `cut`: n tail outputs o_i shrink to (1 - cut) o_i, and what is left past the cap c is
    sum max(0, (1 - cut) o_i - c) >= (1 - cut) x excess - cut x n x c (equal while every tail
    call stays past the cap). The lower bound is taken, so the cap never claims a token the
    earlier lever already saved."""
    if not cut:
        return tail["excess_tokens"]
    left = (1 - cut) * tail["excess_tokens"] - cut * tail["calls"] * tail["cap_tokens"]
    return max(0, int(left))


def prompt_caching(state: _Workload) -> Recommendation | None:
    """The prompt-caching lever (it changes `state`); a what-if of prompt caching prices it too."""
    w = state.profile
    simulated = w.get("caching") or {}
    if w["success_calls"] < MIN_CALLS or not (w["prefixes"] or simulated.get("calls_with_chain")):
        return None
    # A workload that writes or reads the provider cache already caches: on sparse traffic its
    # prefixes are mostly written again (few reads), which must not read as "not cached".
    tokens = w["tokens"]
    if (
        tokens["input_tokens"]
        and (tokens["cache_write_tokens"] + tokens["cached_input_tokens"]) >= CACHED_ALREADY * tokens["input_tokens"]
    ):
        return None
    if simulated.get("calls_with_chain"):
        return _simulated_caching(state, simulated)
    # Each cache the provider offers (lifetime since last use, write price per token): the one
    # that saves most on the gaps observed (Anthropic: 5 minutes at 1.25x, or 1 hour at 2x).
    # OpenAI's 24-hour retention where the model has it; options the profile has no write counts for
    # (a profile from before a lifetime was counted) are left out rather than guessed.
    counted = set(w["prefixes"][0]["cache_writes"])
    options = [(ttl, write) for ttl, write in _write_rates(state).items() if str(ttl) in counted]
    plans = [plan for plan in (_caching_plan(state, ttl, write) for ttl, write in options) if plan[0] > 0]
    if not plans:
        return None
    _, ttl, reads_total, writes_total, affected, evidence = max(plans, key=lambda plan: plan[0])
    rates = state.rates
    before = state.cost
    moved_read = min(reads_total, state.tokens.plain)
    moved_write = min(writes_total, state.tokens.plain - moved_read)
    long_lived = ttl == catalog.LONG_CACHE_TTL_SECONDS and state.provider == "anthropic"  # written at 2x
    state.tokens = dataclasses.replace(
        state.tokens,
        plain=state.tokens.plain - moved_read - moved_write,
        cached=state.tokens.cached + moved_read,
        written=state.tokens.written + (0 if long_lived else moved_write),
        written_1h=state.tokens.written_1h + (moved_write if long_lived else 0),
    )
    evidence.append(
        f"A call after more than {lifetime(ttl)} without one writes the cache; the rest read the prefix at "
        f"{rates.cache_read / rates.input:.0%} of the input price."
    )
    if state.provider in catalog.IMPLICIT_CACHE_PROVIDERS:
        evidence.append(
            "Gemini caches shared prefixes implicitly (no write or storage charge): keeping the shared prefix "
            "byte-identical at the start of every prompt is the whole change."
        )
    if ttl == catalog.EXTENDED_CACHE_TTL_SECONDS:
        evidence.append(
            f'{name(state.model)} offers extended retention (prompt_cache_retention="24h") at no extra charge: '
            "prefixes stay cached across the gaps between sessions."
        )
    if len(options) > 1:
        evidence.append(
            f"The {lifetime(ttl)} cache saves most on these gaps (compared with "
            + ", ".join(lifetime(other) for other, _ in options if other != ttl)
            + ")."
        )
    return _recommend(
        "prompt_caching",
        state,
        before,
        affected,
        f"Turn on prompt caching for the shared {name(w['feature'])} prefix",
        "high" if all(p.get("prefix_tokens_reported") for p in w["prefixes"]) else "medium",
        "low",
        evidence,
        {"cache_prefix": True, "provider": state.provider, "cache_ttl_seconds": ttl},
    )


def _write_rates(state: _Workload) -> dict[int, Decimal]:
    """Each cache the provider offers the model: its lifetime (s) -> its write price per token."""
    return {
        ttl: multiplier * state.rates.input if multiplier else state.rates.cache_write
        for ttl, multiplier in catalog.cache_options_for(state.provider, state.model)
    }


# Where each policy of the simulation (ADR 0017) puts Anthropic's cache_control breakpoints.
POLICY_WORDS = {
    "prompt_end": "a cache_control breakpoint at the end of each prompt",
    "system": "a cache_control breakpoint at the end of the system prompt",
    "system_and_prompt_end": "cache_control breakpoints at the end of the system prompt and of each prompt",
    "automatic": "the provider's automatic caching (shared prefix byte-identical at the start of every prompt)",
}


def _simulated_caching(state: _Workload, simulated: dict) -> Recommendation | None:
    """Prompt caching priced from the warehouse's replay of the calls that carry a prefix chain
    (every policy the provider offers, in time order): the policy that saves most, named."""
    w, rates = state.profile, state.rates
    writes = _write_rates(state)
    # Calls the earlier levers removed no longer read the prefix (as in _caching_plan).
    remaining = Decimal(state.calls) / w["success_calls"] if w["success_calls"] else ZERO

    def saving(tally: dict) -> Decimal:
        premium = max(ZERO, writes.get(tally["ttl_seconds"], rates.cache_write) - rates.input)
        if tally["policy"] == "automatic":
            premium = ZERO  # OpenAI and Gemini charge no write
        gained = tally["read_tokens"] * (rates.input - rates.cache_read) - tally["written_tokens"] * premium
        return gained * remaining * state.factor

    priced = sorted(
        # A policy with nowhere to put its breakpoints (no system position) is not on offer.
        (
            (saving(t), t)
            for t in simulated["policies"]
            if t["ttl_seconds"] in writes and t["calls"] and (t["breakpoints"] or t["policy"] == "automatic")
        ),
        key=lambda pair: (-pair[0], pair[1]["policy"], pair[1]["ttl_seconds"]),
    )
    if not priced or priced[0][0] <= 0:
        return None
    _, best = priced[0]
    before = state.cost
    read = min(int(best["read_tokens"] * remaining), state.tokens.plain)
    written = (
        0 if best["policy"] == "automatic" else min(int(best["written_tokens"] * remaining), state.tokens.plain - read)
    )
    long_lived = best["ttl_seconds"] == catalog.LONG_CACHE_TTL_SECONDS and state.provider == "anthropic"
    state.tokens = dataclasses.replace(
        state.tokens,
        plain=state.tokens.plain - read - written,
        cached=state.tokens.cached + read,
        written=state.tokens.written + (0 if long_lived else written),
        written_1h=state.tokens.written_1h + (written if long_lived else 0),
    )
    chained, success = simulated["calls_with_chain"], w["success_calls"]
    words = POLICY_WORDS[best["policy"]]
    # The replay ran with the model the calls used; an earlier lever may have moved them.
    replayed = catalog.min_cached_prefix(w["provider"], w["model"])
    now = catalog.min_cached_prefix(state.provider, state.model)
    evidence = [
        f"{chained:,} of the workload's {success:,} successful calls carry a prefix chain; each was replayed in "
        f"time order against the provider's caching rules (lifetime refreshed on every hit, "
        f"{name(w['model'])}'s {replayed:,}-token minimum).",
        f"With {words}, each entry kept {lifetime(best['ttl_seconds'])} since its last use: {best['calls_read']:,} calls read "
        f"{best['read_tokens']:,} cached tokens"
        + (
            " (the provider charges no cache write)."
            if best["policy"] == "automatic"
            else f", {best['calls_written']:,} write {best['written_tokens']:,} at "
            f"{writes[best['ttl_seconds']] / rates.input:.2f}x the input price."
        ),
    ]
    # The others, each once: without a system position both-breakpoints is prompt_end again.
    seen = {(best["ttl_seconds"], best["read_tokens"], best["written_tokens"])}
    others = []
    for amount, t in priced[1:]:
        if (t["ttl_seconds"], t["read_tokens"], t["written_tokens"]) in seen:
            continue
        seen.add((t["ttl_seconds"], t["read_tokens"], t["written_tokens"]))
        worth = f"saves {dollars(amount)}" if amount > 0 else f"costs {dollars(-amount)} more than it saves"
        others.append(f"{POLICY_WORDS[t['policy']].split(' (')[0]}, kept {lifetime(t['ttl_seconds'])}: {worth}")
    if others:
        evidence.append("The other policies on the same calls: " + "; ".join(others) + ".")
    if chained < success:
        evidence.append(
            f"{success - chained:,} calls carry no chain and are not counted: the saving covers "
            f"{chained / success:.0%} of the workload's calls."
        )
    if now > replayed:
        evidence.append(
            f"Priced on {name(state.model)} after the change above, which caches only prefixes of {now:,}+ tokens: "
            f"reads of shorter ones counted in the replay may not happen there."
        )
    change = {
        "cache_prefix": True,
        "provider": state.provider,
        "cache_ttl_seconds": best["ttl_seconds"],
        "cache_policy": best["policy"],
        "breakpoints": words,
    }
    return _recommend(
        "prompt_caching",
        state,
        before,
        round(best["calls_read"] * remaining),
        f"Turn on prompt caching for {name(w['feature'])}: {words}",
        "high" if chained == success and now <= replayed else "medium",
        "low",
        evidence,
        change,
    )


def lifetime(seconds: int) -> str:
    return (
        ("1 hour" if seconds < 7200 else f"{seconds // 3600} hours") if seconds >= 3600 else f"{seconds // 60} minutes"
    )


def _caching_plan(state: _Workload, ttl: int, write_rate: Decimal) -> tuple:
    """(saving, ttl, read tokens, write tokens, calls, evidence) of caching every eligible
    prefix with a cache living `ttl` seconds since last use, written at `write_rate`."""
    w, rates = state.profile, state.rates
    minimum = catalog.min_cached_prefix(state.provider, state.model)
    # Calls the earlier levers removed no longer read the prefix.
    remaining = state.calls / w["success_calls"] if w["success_calls"] else 0
    total, reads_total, writes_total, lines, affected = ZERO, 0, 0, [], 0
    for prefix in w["prefixes"]:
        if prefix["input_tokens"] and prefix["cached_input_tokens"] / prefix["input_tokens"] >= CACHED_ALREADY:
            continue
        length, estimated = _prefix_length(prefix)
        if length < minimum:
            continue
        calls = round(prefix["calls"] * remaining)
        writes = min(calls, prefix["cache_writes"][str(ttl)])
        reads = calls - writes
        saving = (
            reads * length * (rates.input - rates.cache_read) - writes * length * max(ZERO, write_rate - rates.input)
        ) * state.factor
        if saving <= 0:
            continue
        total += saving
        reads_total, writes_total, affected = (
            reads_total + reads * length,
            writes_total + writes * length,
            affected + calls,
        )
        gap = prefix.get("median_gap_seconds")
        written = prefix["cache_writes"][str(ttl)]
        lines.append(
            (
                saving,
                f"{calls:,} calls share a {'~' if estimated else ''}{length:,}-token prefix "
                f"({prefix['prefix_hash'][:12]}), {prefix['cached_input_tokens'] / max(1, prefix['input_tokens']):.0%} "
                f"served from cache today; {written:,} of its calls would write the cache (the first, and "
                f"each after more than {lifetime(ttl)} without one)"
                + (f", median gap between calls {gap:,.0f} s." if gap is not None else "."),
            )
        )
    # The prefixes that save most, each on a line; the rest in one.
    lines.sort(key=lambda line: -line[0])
    evidence = [text for _, text in lines[:EVIDENCE_PREFIXES]]
    if len(lines) > EVIDENCE_PREFIXES:
        rest = lines[EVIDENCE_PREFIXES:]
        evidence.append(
            f"… and {len(rest):,} more prefixes, saving {dollars(sum((a for a, _ in rest), ZERO))} together."
        )
    listed, every = len(w["prefixes"]), (w.get("prefixes_total") or {}).get("count", 0)
    if every > listed:
        left = w["prefixes_total"]["input_tokens"] - sum(p["input_tokens"] for p in w["prefixes"])
        evidence.append(
            f"The profile lists the org's {listed:,} shared prefixes with the most input here, of the workload's "
            f"{every:,}: the other {every - listed:,} ({max(0, left):,} input tokens) are not counted, so this "
            "saving is a lower bound."
        )
    return total, ttl, reads_total, writes_total, affected, evidence


def _batching(state: _Workload) -> Recommendation | None:
    """Non-interactive traffic on the batch API; for interactive-flagged traffic nobody watches
    (it never streams, while the org's other workloads report time to first token), OpenAI Flex:
    the synchronous API at batch prices, where the catalog prices the model on Flex. Traffic
    already on a batch API is never claimed again."""
    w = state.profile
    if w["batch"] or w["success_calls"] < MIN_CALLS:
        return None
    flex = catalog.flex_factor(state.provider, state.model)
    turnaround = catalog.BATCH_TURNAROUND.get(state.provider, "within 24 hours")
    if not w["interactive"]:
        discount = BATCH_DISCOUNT.get(state.provider)
        if discount is None:
            return None
        before = state.cost
        state.factor = state.factor * discount
        evidence = [
            f"All {w['calls']:,} calls are non-interactive and none used the batch API.",
            f"Batch requests cost {discount:.0%} of the interactive price ({name(state.provider)}: {turnaround}).",
        ]
        if flex is not None:
            evidence.append(
                f'Flex processing (service_tier="flex") bills {name(state.model)} at the same {flex:.0%} on the '
                "ordinary synchronous API: the choice when rewriting the job for batch files is not worth it."
            )
        return _recommend(
            "batching",
            state,
            before,
            state.calls,
            f"Send {name(w['feature'])} through the {name(state.provider)} batch API",
            "high",
            "low",
            evidence,
            {"batch_api": True, "flex": flex is not None, "turnaround": turnaround},
        )
    if flex is None or w["latency"]["p95_ttft_ms"] is not None or not state.ttft_elsewhere:
        return None
    before = state.cost
    state.factor = state.factor * flex
    return _recommend(
        "batching",
        state,
        before,
        state.calls,
        f"Run {name(w['feature'])} on OpenAI Flex processing",
        "medium",
        "medium",
        [
            f"{w['calls']:,} calls are flagged interactive but none streamed (no time to first token), while the org's "
            "other workloads report it: nobody appears to watch these answers arrive.",
            f'Flex processing (service_tier="flex") bills {name(state.model)} at {flex:.0%} of the standard price on the same '
            f"synchronous API; responses are slower (p95 today {(w['latency']['p95_ms'] or 0) / 1000:.1f} s) and may be "
            "refused when capacity is short (429: retry with backoff, or fall back to the standard tier).",
            "Validate first: confirm with the feature's owner that a slower answer is acceptable.",
        ],
        {"flex": True, "service_tier": "flex", "batch_api": False},
    )


_LEVERS = {
    "error_waste": _error_waste,
    "response_caching": _response_caching,
    "model_rightsizing": _model_rightsizing,
    "reasoning_effort": _reasoning_effort,
    "output_caps": _output_caps,
    "prompt_caching": prompt_caching,
    "batching": _batching,
}


def _recommend(lever, state, before, affected, title, confidence, risk, evidence, change) -> Recommendation:
    """The lever has changed `state`; what it saved is the cost before minus after."""
    return Recommendation(
        lever, state.profile, title, affected, before, before - state.cost, None, confidence, risk, evidence, change
    )


def _prefix_length(prefix: dict) -> tuple[int, bool]:
    """(tokens, estimated): the reported length, else the shortest prompt when it plausibly is
    mostly prefix; 0 when nothing supports a length."""
    if prefix.get("prefix_tokens_reported"):
        return min(prefix["prefix_tokens_reported"], prefix["prefix_tokens_max"]), False
    if prefix["prefix_tokens_max"] >= ESTIMATED_PREFIX_SHARE * prefix["mean_input_tokens"]:
        return prefix["prefix_tokens_max"], True
    return 0, True


def _ratio(rates: UnitPrices, tokens: Tokens, before: Decimal, factor: Decimal) -> str:
    return f"{tokens.cost(rates, factor) / before:.0%}" if before else "n/a"


# --- findings and warnings ------------------------------------------------------------------


def latency_findings(workloads: list[dict]) -> list[dict]:
    findings = []
    for w in workloads:
        lat = w["latency"]
        if not w["interactive"] or w["success_calls"] < MIN_CALLS:
            continue
        slow_ttft = lat["p95_ttft_ms"] is not None and lat["p95_ttft_ms"] > SLOW_TTFT_MS
        slow = lat["p95_ms"] is not None and lat["p95_ms"] > SLOW_P95_MS
        if not (slow_ttft or slow):
            continue
        said = []
        if slow_ttft:
            said.append(
                f"p95 time to first token {lat['p95_ttft_ms'] / 1000:.1f} s (p50 {lat['p50_ttft_ms'] / 1000:.1f} s)"
            )
        if slow:
            said.append(f"p95 latency {lat['p95_ms'] / 1000:.1f} s (p50 {lat['p50_ms'] / 1000:.1f} s)")
        findings.append(
            {
                "feature": w["feature"],
                "model": w["model"],
                "p50_latency_ms": lat["p50_ms"],
                "p95_latency_ms": lat["p95_ms"],
                "p50_ttft_ms": lat["p50_ttft_ms"],
                "p95_ttft_ms": lat["p95_ttft_ms"],
                "finding": f"{name(w['feature'])} on {name(w['model'])}: "
                + "; ".join(said)
                + ". Stream responses, shorten or cache the "
                "prompt prefix, and cap outputs to cut it.",
            }
        )
    return sorted(findings, key=lambda f: -(f["p95_latency_ms"] or 0))


def _unpriced_warnings(workloads: list[dict]) -> list[str]:
    unpriced = [w for w in workloads if w["unpriced_calls"]]
    if not unpriced:
        return []
    calls = sum(w["unpriced_calls"] for w in unpriced)
    tokens = sum(w["tokens"]["input_tokens"] + w["tokens"]["output_tokens"] for w in unpriced)
    models = ", ".join(name(m) for m in sorted({f"{w['provider']}/{w['model']}" for w in unpriced}))
    return [
        f"{calls:,} calls ({tokens:,} tokens) on models without a known price ({models}) are counted among the "
        "calls but not in the spend, and got no recommendation; send cost_usd with those calls to include them."
    ]


def _data_gaps(workloads: list[dict]) -> list[str]:
    gaps = []
    if workloads and not any(w["calls_with_prompt_hash"] for w in workloads):
        gaps.append("No call carries prompt_hash: repeated prompts (response caching) could not be evaluated.")
    if workloads and not any(
        w["calls_with_prefix_hash"] or (w.get("caching") or {}).get("calls_with_chain") for w in workloads
    ):
        gaps.append("No call carries prefix_hash or prefix_chain: provider prompt caching could not be evaluated.")
    cut = [w for w in workloads if not w["prefixes"] and (w.get("prefixes_total") or {}).get("count")]
    if cut:
        shown = ", ".join(name(w["feature"]) for w in cut[:5]) + (f" and {len(cut) - 5} more" if len(cut) > 5 else "")
        prefixes = sum(w["prefixes_total"]["count"] for w in cut)
        gaps.append(
            f"The profile lists the org's shared prefixes with the most input, up to its limit: none of the "
            f"{prefixes:,} of {shown} made the list, so prompt caching was not evaluated there."
        )
    if workloads and all(w["latency"]["p95_ttft_ms"] is None for w in workloads):
        gaps.append("No call reports ttft_ms: time-to-first-token findings are missing.")
    return gaps
