"""Realised savings of a change: the calls of its scope after it, priced as they were made and as
they would have cost without it (the counterfactual), per day and in total.

This slice covers the levers whose counterfactual is a re-pricing of the very calls after the
change, with no model of behaviour:
- `model_rightsizing`: the calls on the new model priced at the previous model's catalog prices
  of each call's own day, on the same tokens of each kind;
- `prompt_caching`: cache reads and cache writes priced as plain input (no read discount, no
  write premium);
- `batching`: batch calls (Batch API or Flex: both are recorded as `batch`) at synchronous prices.

Both sides are priced from the same catalog (`shared_lib.pricing.PriceBook` of each day), so
the only difference between them is the lever; the cost as recorded (a provided cost where the
call sent one) is reported beside them.

Prices are linear in each token kind within a price tier, so a (day, provider, model, batch)
group is priced from its token sums. Long-context tiers (Claude Sonnet, Gemini Pro above 200k
prompt tokens) price a call by its own prompt size, which sums do not keep: a group whose
smallest and largest prompts fall in different tiers (tier prices only rise with size) is
priced per prompt size instead, each size at its own tier.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import NamedTuple

from shared_lib.errors import Invalid
from shared_lib.pricing import PriceBook, canonical_model, known_model

from netra_analytics.warehouse import LIVE, money

LEVERS = ("model_rightsizing", "prompt_caching", "batching")
MAX_WINDOW = dt.timedelta(days=366)
# The band of a model change compares with the outputs of this long before it.
BEFORE_WINDOW = dt.timedelta(days=30)
_CENT_DIGITS = Decimal("0.000001")  # estimated amounts (the band) are given to a millionth of a dollar

_WHERE = (
    "org_id = {org:String} AND " + LIVE + " AND feature = {feature:String} "
    "AND timestamp >= {start:DateTime64(3)} AND timestamp < {end:DateTime64(3)}"
)


class Tokens(NamedTuple):
    """Token sums of some calls, by kind as the usage event counts them (cached reads and cache
    writes are part of `input`)."""

    calls: int
    input: int | Decimal
    cached: int | Decimal
    write: int | Decimal
    output: int | Decimal


class Rates(NamedTuple):
    """USD per token of each kind for calls in one price tier of one model on one day."""

    input: Decimal
    cached: Decimal
    write: Decimal
    output: Decimal

    def cost(self, t: Tokens) -> Decimal:
        plain = t.input - t.cached - t.write
        return plain * self.input + t.cached * self.cached + t.write * self.write + t.output * self.output


@dataclasses.dataclass(frozen=True)
class Change:
    """What a caller says was changed, validated: the scope and the instant it took effect."""

    lever: str
    feature: str
    applied_at: dt.datetime
    to: dt.datetime
    models: tuple[str, ...] = ()  # the scope's models (for a model change: the new one)
    providers: tuple[str, ...] = ()
    from_model: str | None = None
    projected_saving_usd: str | None = None


def parse_change(args: Mapping[str, str], now: dt.datetime, instant: Callable) -> Change:
    """A change from the query parameters; Invalid (a 400 with a code) for anything missing or
    malformed. `instant(value, name)` reads an ISO 8601 instant as every read does."""
    lever = args.get("lever") or ""
    if lever not in LEVERS:
        raise Invalid("invalid_lever", f"lever must be one of {', '.join(LEVERS)}")
    feature = (args.get("feature") or "").strip()
    if not feature or len(feature) > 200:
        raise Invalid(
            "invalid_feature", "feature is required: the feature the change was made to (at most 200 characters)"
        )
    applied_at = instant(args.get("applied_at"), "applied_at")
    if applied_at is None:
        raise Invalid("invalid_applied_at", "applied_at is required: the instant the change took effect (ISO 8601)")
    to = instant(args.get("to"), "to") or now
    if to <= applied_at:
        raise Invalid("invalid_range", "'to' must be after applied_at: the savings are of the calls in between")
    if to - applied_at > MAX_WINDOW:
        raise Invalid("invalid_range", f"the window after the change is at most {MAX_WINDOW.days} days")
    names = [n.strip() for n in (args.get("model") or "").split(",") if n.strip()]
    providers = tuple(sorted({p.strip().lower() for p in (args.get("provider") or "").split(",") if p.strip()}))
    from_model = (args.get("from_model") or "").strip() or None
    if lever == "model_rightsizing":
        to_model = (args.get("to_model") or "").strip() or (names[0] if len(names) == 1 else "")
        if not from_model or not to_model:
            raise Invalid(
                "missing_model", "a model change needs from_model and to_model (the model before and after it)"
            )
        if from_model == to_model:
            raise Invalid("missing_model", "from_model and to_model are the same model: nothing was changed")
        names = [to_model]
    projected = args.get("projected_saving_usd")
    if projected is not None:
        try:
            amount = Decimal(projected)
        except ArithmeticError:
            amount = Decimal("NaN")
        if not amount.is_finite() or len(projected) > 40:
            raise Invalid("invalid_projected_saving", "projected_saving_usd must be a decimal amount in USD")
        projected = money(amount)
    return Change(lever, feature, applied_at, to, tuple(sorted(set(names))), providers, from_model, projected)


def realised_savings(client, org_id: str, change: Change) -> dict:
    """The realised-savings document of a change (contracts/realised_savings.schema.json)."""
    before_start = change.applied_at - BEFORE_WINDOW
    parameters = {"org": org_id, "feature": change.feature, "start": before_start, "end": change.to}
    scope = _scope(client, parameters, change)
    if not scope:
        wanted = f"feature {change.feature!r}" + (f" on {', '.join(change.models)}" if change.models else "")
        raise Invalid(
            "unknown_scope",
            f"no calls of {wanted} from {before_start.isoformat()} to {change.to.isoformat()}: "
            "check the feature and model names (GET /api/usage/names lists them)",
        )
    for name in (change.from_model, *change.models):
        if name and not any(_named(r, (name,)) for r in scope) and not known_model(name):
            raise Invalid(
                "unknown_model",
                f"{name!r} is neither a model of the feature's calls nor one the price catalog knows",
            )
    lever = _lever(change, scope)
    after = [row for row in scope if row.after and lever.in_scope(row.provider, row.model)]
    parameters.update(start=change.applied_at, models=sorted({r.model for r in after} or {""}))
    groups = _groups(client, parameters, change.providers)
    days, totals, unpriced, alternative = _priced_days(client, parameters, groups, lever, change)
    notes = lever.notes(scope) + (
        [f"{unpriced} call(s) after the change could not be priced on both sides and are left out of the costs"]
        if unpriced
        else []
    )
    if not totals["calls"]:
        notes.append("no calls of the scope after the change yet: nothing realised (zero)")
    return {
        "lever": change.lever,
        "scope": {"feature": change.feature, "models": list(change.models), "providers": list(change.providers)},
        **lever.change_fields(),
        "applied_at": change.applied_at.isoformat(),
        "to": change.to.isoformat(),
        "method": lever.method,
        "assumptions": lever.assumptions,
        "days": days,
        "totals": {
            **{k: money(v) if isinstance(v, Decimal) else v for k, v in totals.items()},
            "unpriced_calls": unpriced,
        },
        "band": lever.band(totals, alternative, before_start),
        "projected_saving_usd": change.projected_saving_usd,
        "notes": notes,
    }


class ScopeRow(NamedTuple):
    provider: str
    model: str
    after: bool
    calls: int
    output: int


def _scope(client, parameters: dict, change: Change) -> list[ScopeRow]:
    """The feature's calls per provider and model, before the change (within BEFORE_WINDOW)
    and after it."""
    where, params = _WHERE + _providers(change.providers), dict(parameters, applied=change.applied_at)
    if change.providers:
        params["providers"] = list(change.providers)
    rows = client.query(
        "SELECT provider, model, timestamp >= {applied:DateTime64(3)} AS after, count() AS calls, "
        f"sum(output_tokens) AS output FROM usage_events WHERE {where} GROUP BY provider, model, after",
        parameters=params,
    ).result_rows
    found = [ScopeRow(p, m, bool(a), int(n), int(o)) for p, m, a, n, o in rows]
    if change.models:  # a name as sent matches the catalog's name it is stored under
        found = [r for r in found if _named(r, change.models) or _named(r, (change.from_model or "",))]
    return found


def _named(row: ScopeRow, names) -> bool:
    return any(row.model in (name, canonical_model(row.provider, name)) for name in names)


def _providers(providers) -> str:
    return " AND provider IN {providers:Array(String)}" if providers else ""


class Group(NamedTuple):
    day: dt.date
    provider: str
    model: str
    batch: bool
    tokens: Tokens
    smallest: int  # prompt sizes (input tokens) of the group's calls
    largest: int
    recorded: Decimal


def _groups(client, parameters: dict, providers) -> list[Group]:
    params = dict(parameters, providers=list(providers)) if providers else parameters
    rows = client.query(
        "SELECT toDate(timestamp) AS day, provider, model, batch, count(), sum(input_tokens), "
        "sum(cached_input_tokens), sum(cache_write_tokens), sum(output_tokens), min(input_tokens), "
        f"max(input_tokens), sum(cost_usd) FROM usage_events WHERE {_WHERE}{_providers(providers)} "
        "AND model IN {models:Array(String)} GROUP BY day, provider, model, batch ORDER BY day, provider, model, batch",
        parameters=params,
    ).result_rows
    return [
        Group(day, p, m, bool(b), Tokens(int(n), int(i), int(c), int(w), int(o)), int(lo), int(hi), Decimal(rc or 0))
        for day, p, m, b, n, i, c, w, o, lo, hi, rc in rows
    ]


def _by_size(client, parameters: dict, group: Group) -> list[tuple[int, Tokens]]:
    """A group's calls per prompt size: what a tiered price needs (rare: prompts across a tier start)."""
    start = max(parameters["start"], dt.datetime.combine(group.day, dt.time(), dt.timezone.utc))
    end = min(parameters["end"], dt.datetime.combine(group.day + dt.timedelta(days=1), dt.time(), dt.timezone.utc))
    rows = client.query(
        "SELECT input_tokens, count(), sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens), "
        f"sum(output_tokens) FROM usage_events WHERE {_WHERE} AND provider = {{p:String}} AND model = {{m:String}} "
        "AND batch = {b:Bool} GROUP BY input_tokens",
        parameters=dict(parameters, start=start, end=end, p=group.provider, m=group.model, b=group.batch),
    ).result_rows
    return [(int(size), Tokens(int(n), int(i), int(c), int(w), int(o))) for size, n, i, c, w, o in rows]


def rates(book: PriceBook, provider: str, model: str, prompt_size: int, batch: bool) -> Rates | None:
    """Per-token prices of each kind for a call of this prompt size (its tier), read through the
    book's own arithmetic; None when the catalog does not know the model."""
    n = max(prompt_size, 1)
    plain = book.cost(provider, model, n, 0, 0, 0, batch)
    if plain is None:
        return None
    cached = book.cost(provider, model, n, 0, n, 0, batch)
    write = book.cost(provider, model, n, 0, 0, n, batch)
    output = book.cost(provider, model, n, n, 0, 0, batch) - plain
    return Rates(plain / n, cached / n, write / n, output / n)


def price(book, provider, model, batch, group: Group, tokens: Callable[[Tokens], Tokens], sizes) -> Decimal | None:
    """The cost of a group's calls on this provider, model and batch flag, their tokens as
    `tokens` carries them; per prompt size (`sizes()`) when they span a tier start."""
    low = rates(book, provider, model, group.smallest, batch)
    if low is None:
        return None
    if low == rates(book, provider, model, group.largest, batch):
        return low.cost(tokens(group.tokens))
    return sum(
        (rates(book, provider, model, size, batch).cost(tokens(part)) for size, part in sizes()), start=Decimal(0)
    )


def _priced_days(client, parameters, groups: list[Group], lever, change: Change):
    """Per UTC day of the window (zero-filled), and in total: calls, actual, counterfactual,
    realised saving and its running total; in total also the counterfactual on the lever's
    `alternative` tokens (the band's other end), if it has one. A group that either side
    cannot price is counted apart."""
    per_day: dict[dt.date, list] = {}
    unpriced, alternative = 0, Decimal(0)
    books: dict[dt.date, PriceBook] = {}
    for group in groups:
        book = books.setdefault(group.day, PriceBook(group.day.isoformat()))
        memo: list = []

        def sizes(group=group, memo=memo):
            if not memo:
                memo.append(_by_size(client, parameters, group))
            return memo[0]

        actual = price(book, group.provider, group.model, group.batch, group, _same, sizes)
        provider, model, batch = lever.counterfactual(group)
        counterfactual = price(book, provider, model, batch, group, lever.tokens, sizes)
        if actual is None or counterfactual is None:
            unpriced += group.tokens.calls
            continue
        if lever.alternative is not None:
            alternative += price(book, provider, model, batch, group, lever.alternative, sizes)
        day = per_day.setdefault(group.day, [0, Decimal(0), Decimal(0), Decimal(0)])
        day[0] += group.tokens.calls
        day[1] += actual
        day[2] += counterfactual
        day[3] += group.recorded
    days, running = [], [0, Decimal(0), Decimal(0), Decimal(0)]
    day = change.applied_at.astimezone(dt.timezone.utc).date()
    last = (change.to - dt.timedelta(milliseconds=1)).astimezone(dt.timezone.utc).date()
    while day <= last:
        calls, actual, counterfactual, recorded = per_day.get(day, [0, Decimal(0), Decimal(0), Decimal(0)])
        running = [running[0] + calls, running[1] + actual, running[2] + counterfactual, running[3] + recorded]
        days.append(
            {
                "day": day.isoformat(),
                "calls": calls,
                "actual_cost_usd": money(actual),
                "counterfactual_cost_usd": money(counterfactual),
                "realised_saving_usd": money(counterfactual - actual),
                "cumulative_saving_usd": money(running[2] - running[1]),
            }
        )
        day += dt.timedelta(days=1)
    totals = {
        "calls": running[0],
        "actual_cost_usd": running[1],
        "counterfactual_cost_usd": running[2],
        "realised_saving_usd": running[2] - running[1],
        "recorded_cost_usd": running[3],
    }
    return days, totals, unpriced, alternative


def _same(tokens: Tokens) -> Tokens:
    return tokens


_HELD_EQUAL = (
    "The counterfactual is the same calls after the change, re-priced, so volume and mix after the "
    "change are held equal: growth or a shift between features moves the actual and the counterfactual "
    "together and is not counted as saving. Realised saving = counterfactual - actual, both at catalog "
    "prices of each call's own day."
)
_EXACT_BAND = {
    "exact": True,
    "method": "exact: a pure re-pricing of the recorded calls; no behaviour is modelled, so the band is zero",
}


def _lever(change: Change, scope: list[ScopeRow]):
    if change.lever == "model_rightsizing":
        return ModelChange(change, scope)
    return Repricing(change)


class Repricing:
    """Prompt caching and batching: the same model, the lever's discount undone."""

    def __init__(self, change: Change):
        self.change = change
        caching = change.lever == "prompt_caching"
        self.method = _HELD_EQUAL + (
            " Cache reads and cache writes are priced as plain input of the same model."
            if caching
            else " Batch and Flex calls are priced at the same model's synchronous prices."
        )
        self.assumptions = (
            [
                "the calls would have sent the same prompts without caching (a prompt restructured for "
                "caching is not modelled)",
                "latency and time to first token are not priced",
            ]
            if caching
            else [
                "Flex calls are recorded as batch (the usage event has one flag): both at the batch discount",
                "the calls would have been the same calls sent synchronously",
            ]
        )

    alternative = None  # exact: no other counterfactual to bound it with

    def in_scope(self, provider: str, model: str) -> bool:
        return not self.change.models or _named(ScopeRow(provider, model, True, 0, 0), self.change.models)

    def counterfactual(self, group: Group) -> tuple[str, str, bool]:
        batch = group.batch and self.change.lever != "batching"
        return group.provider, group.model, batch

    def tokens(self, t: Tokens) -> Tokens:
        return t._replace(cached=0, write=0) if self.change.lever == "prompt_caching" else t

    def change_fields(self) -> dict:
        return {"from_model": None, "to_model": None}

    def notes(self, scope) -> list[str]:
        return []

    def band(self, totals, alternative, before_start) -> dict:
        saving = money(totals["realised_saving_usd"])
        cost = money(totals["counterfactual_cost_usd"])
        return {**_EXACT_BAND, "realised_saving_usd": [saving, saving], "counterfactual_cost_usd": [cost, cost]}


class ModelChange:
    """The calls on the new model priced at the previous model's prices, on the same tokens.

    Tokens are carried across tokenizers as counted: the new model's input and output token
    counts are priced as the previous model's, though the previous model's tokenizer may count
    the same text differently (a few percent between GPT-4o and GPT-4o-mini's o200k: none;
    between vendors: more). Cached reads and cache writes stay what they were; the batch flag too.

    What this leaves out is the output the previous model would have written, which need not
    be as long. The band bounds that: the counterfactual re-priced once more with the previous
    model's mean output per call in the same scope before the change (in place of each call's
    own output), and the band is [min, max] of the two counterfactuals less the actual cost.
    Outputs 20% longer on the new model give a band below the point estimate: the old model,
    writing shorter answers, would have cost less. No calls before: no band (null).
    """

    def __init__(self, change: Change, scope: list[ScopeRow]):
        self.change = change
        self.to_models = tuple(sorted({r.model for r in scope if _named(r, change.models)}))
        previous = [r for r in scope if _named(r, (change.from_model or "",))]
        self.before = [r for r in previous if not r.after]
        self.stayed = sum(r.calls for r in previous if r.after)
        # The previous model's provider: where its calls went before (most calls), else the new one's.
        ranked = sorted(previous, key=lambda r: (not r.after, r.calls), reverse=True)
        self.from_provider = ranked[0].provider if ranked else (change.providers[0] if change.providers else None)
        self.from_model = (
            ranked[0].model if ranked else canonical_model(self.from_provider or "openai", change.from_model or "")
        )
        calls, output = sum(r.calls for r in self.before), sum(r.output for r in self.before)
        self.before_mean = Decimal(output) / calls if calls else None
        self.method = _HELD_EQUAL + (
            f" The calls on {change.models[0]} are priced at {change.from_model}'s prices on the same tokens."
        )
        self.assumptions = [
            "token counts are carried across tokenizers as they are (the previous model's tokenizer may count "
            "the same text differently)",
            "the previous model would have written outputs as long as the new one's: the band bounds this "
            "with the output length before the change",
            "cache reads, cache writes and the batch flag are carried as they were",
            "quality, latency and retries are not priced",
        ]

    def in_scope(self, provider: str, model: str) -> bool:
        return model in self.to_models and (not self.change.providers or provider in self.change.providers)

    def counterfactual(self, group: Group) -> tuple[str, str, bool]:
        return self.from_provider or group.provider, self.from_model, group.batch

    def tokens(self, t: Tokens) -> Tokens:
        return t

    def change_fields(self) -> dict:
        return {"from_model": self.change.from_model, "to_model": self.change.models[0]}

    def notes(self, scope) -> list[str]:
        notes = []
        if self.stayed:
            notes.append(
                f"{self.stayed} call(s) of the feature stayed on {self.change.from_model} after the change: "
                "not part of it, not counted"
            )
        if not self.to_models:
            notes.append(f"no calls of the feature on {self.change.models[0]} in the window")
        return notes

    @property
    def alternative(self) -> Callable[[Tokens], Tokens] | None:
        """The calls' tokens with the previous model's mean output per call before the change
        (None without calls before it)."""
        mean = self.before_mean
        return None if mean is None else (lambda t: t._replace(output=t.calls * mean))

    def band(self, totals, alternative: Decimal, before_start) -> dict:
        before = {
            "from": before_start.isoformat(),
            "to": self.change.applied_at.isoformat(),
            "calls": sum(r.calls for r in self.before),
            "mean_output_tokens": float(round(self.before_mean, 2)) if self.before_mean is not None else None,
        }
        method = (
            "the counterfactual re-priced with the previous model's mean output tokens per call before the "
            "change in place of the calls' own outputs; band = [min, max] of the two counterfactuals - actual"
        )
        if self.before_mean is None or not totals["calls"]:
            reason = (
                "no calls of the previous model before the change" if self.before_mean is None else "no calls after"
            )
            return {
                "exact": False,
                "method": f"{method} ({reason}: no band)",
                "realised_saving_usd": None,
                "counterfactual_cost_usd": None,
                "before": before,
            }
        point, actual = totals["counterfactual_cost_usd"], totals["actual_cost_usd"]
        low, high = sorted((point, alternative))
        return {
            "exact": False,
            "method": method,
            "counterfactual_cost_usd": [_rounded(low), _rounded(high)],
            "realised_saving_usd": [_rounded(low - actual), _rounded(high - actual)],
            "before": before,
        }


def _rounded(amount: Decimal) -> str:
    return money(amount.quantize(_CENT_DIGITS))
