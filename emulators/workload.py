"""Synthetic LLM usage for a demo org, with a written answer key of what it wastes.

A month (by default) of calls from a product team: support chat, ticket triage, entity
extraction, an FAQ bot, a nightly enrichment job, a document summarizer, a coding
assistant, a tool-using agent, a weekly report and a sales assistant, with diurnal and
weekly traffic and a few rate-limited calls everywhere. Six inefficiencies are injected,
each switchable (off, the workload is built the efficient way instead):

- `model_rightsizing`: ticket triage on gpt-4o and entity extraction on claude-sonnet-4-5,
  short low-variance outputs a smaller model of the same family serves;
- `response_caching`: FAQ questions drawn from a small popular pool, answered afresh;
- `prompt_caching`: a long system prompt shared by every support-chat call, never cached;
- `batching`: the nightly enrichment job calls the interactive API;
- `output_caps`: a few summaries run away to thousands of tokens (far from the body of
  ordinary summaries: a separated tail);
- `error_waste`: the agent's calls time out after being billed, then are retried;
- `reasoning_effort`: an intent router on gpt-5-mini reasons 800-2,600 tokens for a one-line answer.

Beyond these, `batching` also covers an eval grader flagged interactive that never streams
(OpenAI Flex: batch prices on the synchronous API), and `prompt_caching` session-shaped traffic
(calls seconds apart, pauses of 6-50 minutes, sessions hours apart) on Sonnet (the 1-hour cache
can pay), gpt-5 (24-hour retention) and Gemini 2.5 Flash (implicit caching), beside a Haiku 4.5
prefix under its 4,096-token minimum.

Not an inefficiency, and never to be claimed: the coding assistant's answers have a natural
heavy tail (log-normal lengths, no max_tokens), so some answers are simply long; its reasoning
(30% of the output) serves those long answers.

The answer key prices every affected call with `shared_lib.pricing` and states what fixing
each inefficiency saves, by these definitions (the optimizer must recover them from the
usage alone):

- right-sizing: the call's cost on its model minus on the target model;
- response caching: every successful call of a prompt after its first;
- prompt caching: a prefix's cache lives 5 minutes since its last use (the providers'
  default; a hit refreshes it), so a call more than 5 minutes after the previous call of
  its prefix writes the cache (pays the write premium on the prefix), the others read the
  prefix at the cache-read price; for Anthropic, a 1-hour cache (writes at 2x the input
  price) when that saves more;
- batching: half of the job's cost (the providers' batch discount, and Flex's);
- reasoning effort: half of the reasoning tokens at the output price (the optimizer's stated
  assumption: the key checks the arithmetic and the evidence rule, not the assumption);
- output caps: output tokens beyond `TAIL_FACTOR` x the summary's usual median length;
- error waste: the cost of the billed failed calls.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
import random
from decimal import Decimal

from shared_lib.pricing import PRICED, CallUsage, price, unit_prices

LEVERS = (
    "model_rightsizing",
    "response_caching",
    "prompt_caching",
    "batching",
    "output_caps",
    "error_waste",
    "reasoning_effort",
)
TAIL_FACTOR = 4
CACHE_TTL = dt.timedelta(minutes=5)
LONG_CACHE_TTL = dt.timedelta(hours=1)  # Anthropic's 1-hour cache
DAY_CACHE_TTL = dt.timedelta(hours=24)  # OpenAI's extended retention (gpt-5, gpt-4.1, gpt-5.1)
EXTENDED_RETENTION = ("gpt-5", "gpt-4.1")
# The shortest prefix each model caches (provider docs): Anthropic 4,096 on Haiku 4.5, 1,024 on
# Sonnet; OpenAI and Gemini Flash 1,024. A shorter prefix is never cached, so never a saving.
MIN_PREFIX = {"claude-haiku-4-5": 4096, "claude-sonnet-4-5": 1024, "gpt-5": 1024, "gemini-2.5-flash": 1024}
# The key prices lower reasoning effort with the same stated assumption as the optimizer's
# catalog (half of the reasoning tokens saved): it checks the arithmetic, not the assumption.
REASONING_SAVED_SHARE = Decimal("0.5")
# Share of an interactive workload's daily calls in each UTC hour (a working day in Europe
# and the Americas), and of a day's calls on each weekday (Monday first).
_HOURLY = [1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 9, 9, 8, 9, 10, 10, 9, 8, 7, 5, 4, 3, 2, 1]
_WEEKLY = [1.1, 1.15, 1.15, 1.1, 1.0, 0.5, 0.4]


@dataclasses.dataclass(frozen=True)
class WorkloadSettings:
    org_id: str
    seed: int = 7
    days: int = 30
    calls_per_day: int = 3000
    end: dt.datetime | None = None  # default: the start of the current hour
    inject: frozenset[str] = frozenset(LEVERS)
    users: int = 25


@dataclasses.dataclass
class Workload:
    events: list[dict]
    answer_key: dict


def generate(settings: WorkloadSettings) -> Workload:
    unknown = set(settings.inject) - set(LEVERS)
    if unknown:
        raise ValueError(f"unknown inefficiencies {sorted(unknown)}; known: {', '.join(LEVERS)}")
    return _Generator(settings).run()


@dataclasses.dataclass(frozen=True)
class _Feature:
    name: str
    share: float
    provider: str
    model: str
    interactive: bool = True
    batch: bool = False
    system_tokens: int = 300  # the shared prefix (system prompt) of every call
    user_tokens: tuple[int, int] = (50, 600)
    output_tokens: tuple[int, int] = (100, 500)
    hours: tuple[int, ...] = ()  # a scheduled job's hours (UTC); empty: interactive traffic
    max_tokens: int | None = None
    # Output lengths log-normal around output_tokens[0] (the median) with this sigma: a smooth
    # heavy tail of legitimately long answers.
    lognormal_sigma: float | None = None
    streams: bool = True  # interactive calls report time to first token
    # Session-shaped arrivals (calls seconds apart, pauses, sessions hours apart): mean calls per session.
    session_calls: int = 0
    reasoning: tuple[float, float] | None = None  # reasoning tokens per call, uniform in this range
    reasoning_share: float = 0.0  # or this share of each output
    cache: str = ""  # "cached": the team caches the prefix; "uncached": it could; "": not a caching feature


class _Generator:
    def __init__(self, settings: WorkloadSettings):
        self.s = settings
        self.rng = random.Random(settings.seed)
        end = settings.end or dt.datetime.now(dt.timezone.utc)
        self.end = end.replace(minute=0, second=0, microsecond=0)
        self.start = self.end - dt.timedelta(days=settings.days)
        self.on = settings.inject
        r = self.rng
        # Intensities vary with the seed: the optimizer is judged on workloads it has not seen.
        self.runaway_rate = r.uniform(0.02, 0.06)
        self.timeout_rate = r.uniform(0.05, 0.12)
        self.faq_pool = r.randint(60, 200)
        self.summary_median = r.randint(180, 320)
        self.features = self._features()
        self.events: list[dict] = []
        self.savings: dict[str, Decimal] = {}
        self.detail: dict[str, dict] = {}

    def _features(self) -> list[_Feature]:
        r, on = self.rng, self.on
        support_prefix = r.randint(2500, 6000)
        return [
            _Feature(
                "support-chat",
                0.22,
                "anthropic",
                "claude-sonnet-4-5",
                system_tokens=support_prefix,
                user_tokens=(20, 900),
                output_tokens=(120, 700),
                cache="uncached" if "prompt_caching" in on else "cached",
            ),
            _Feature(
                "ticket-triage",
                0.18,
                "openai",
                "gpt-4o" if "model_rightsizing" in on else "gpt-4o-mini",
                system_tokens=450,
                user_tokens=(80, 500),
                output_tokens=(2, 24),
                max_tokens=50,
            ),
            _Feature(
                "entity-extraction",
                0.08,
                "anthropic",
                "claude-sonnet-4-5" if "model_rightsizing" in on else "claude-haiku-4-5",
                system_tokens=600,
                user_tokens=(300, 2400),
                output_tokens=(40, 130),
                max_tokens=300,
            ),
            _Feature(
                "faq-answers",
                0.13,
                "openai",
                "gpt-4.1",
                system_tokens=500,
                user_tokens=(15, 80),
                output_tokens=(150, 420),
            ),
            _Feature(
                "nightly-enrichment",
                0.14,
                "openai",
                "gpt-4.1-mini",
                interactive=False,
                batch="batching" not in on,
                system_tokens=350,
                user_tokens=(400, 1500),
                output_tokens=(80, 300),
                hours=(1, 2, 3),
            ),
            _Feature(
                "doc-summarizer",
                0.08,
                "google",
                "gemini-2.5-flash",
                system_tokens=250,
                user_tokens=(1500, 9000),
                output_tokens=(self.summary_median, self.summary_median),
                max_tokens=8192,
            ),
            _Feature(
                "code-assistant",
                0.07,
                "openai",
                "gpt-5",
                system_tokens=700,
                user_tokens=(200, 6000),
                output_tokens=(700, 700),
                lognormal_sigma=0.9,
                reasoning_share=0.3,
            ),
            _Feature(
                "agent-tools",
                0.06,
                "google",
                "gemini-2.5-pro",
                system_tokens=900,
                user_tokens=(100, 3000),
                output_tokens=(200, 800),
            ),
            _Feature(
                "weekly-report",
                0.015,
                "anthropic",
                "claude-sonnet-4-5",
                interactive=False,
                batch=True,
                system_tokens=800,
                user_tokens=(3000, 12000),
                output_tokens=(1000, 4000),
                hours=(6,),
            ),
            _Feature(
                "sales-assistant",
                0.05,
                "anthropic",
                "claude-haiku-4-5",
                system_tokens=r.randint(4200, 6000),
                user_tokens=(30, 600),
                output_tokens=(100, 400),
                cache="cached",
            ),
            _Feature(
                "experimental",
                0.005,
                "other",
                "acme-llm-1",
                system_tokens=200,
                user_tokens=(50, 400),
                output_tokens=(50, 300),
            ),
            # Reasoning: an intent router whose reasoning tokens dwarf one-line answers (at the default
            # effort when injected; at low effort, reasoning about as long as the answer, when not), and a
            # coding assistant whose reasoning serves long answers (never to be claimed).
            _Feature(
                "intent-router",
                0.05,
                "openai",
                "gpt-5-mini",
                system_tokens=400,
                user_tokens=(20, 300),
                output_tokens=(15, 90),
                reasoning=(800, 2600) if "reasoning_effort" in on else (10, 60),
            ),
            # Latency-tolerant traffic flagged interactive: an eval grader nobody watches (never streams);
            # on Flex/batch already when batching is not injected.
            _Feature(
                "eval-grader",
                0.04,
                "openai",
                "gpt-5-mini",
                batch="batching" not in on,
                streams=False,
                system_tokens=600,
                user_tokens=(300, 1500),
                output_tokens=(40, 200),
            ),
            # Sessions: a tutor on Sonnet (pauses of 6-50 minutes inside sessions, sessions hours apart: the
            # 1-hour cache can pay), a docs copilot on gpt-5 (sessions hours apart: 24-hour retention), and
            # a helper on Haiku 4.5 whose prefix is under the model's 4,096-token minimum (never cacheable).
            _Feature(
                "tutor-sessions",
                0.04,
                "anthropic",
                "claude-sonnet-4-5",
                system_tokens=r.randint(1500, 3500),
                user_tokens=(20, 400),
                output_tokens=(100, 500),
                session_calls=12,
                cache="uncached" if "prompt_caching" in on else "cached",
            ),
            _Feature(
                "docs-copilot",
                0.04,
                "openai",
                "gpt-5",
                system_tokens=r.randint(1200, 3000),
                user_tokens=(20, 300),
                output_tokens=(100, 400),
                session_calls=10,
                reasoning_share=0.3,
                cache="uncached" if "prompt_caching" in on else "cached",
            ),
            _Feature(
                "haiku-helper",
                0.03,
                "anthropic",
                "claude-haiku-4-5",
                system_tokens=r.randint(2000, 3500),
                user_tokens=(20, 300),
                output_tokens=(60, 300),
                session_calls=8,
                cache="uncached",
            ),
            # Gemini caches implicitly (no write charge) when the shared prefix leads every prompt.
            _Feature(
                "gemini-helpdesk",
                0.03,
                "google",
                "gemini-2.5-flash",
                system_tokens=r.randint(1200, 3000),
                user_tokens=(20, 300),
                output_tokens=(80, 300),
                session_calls=10,
                cache="uncached" if "prompt_caching" in on else "cached",
            ),
        ]

    # --- traffic ----------------------------------------------------------------------------

    def run(self) -> Workload:
        hourly_total = sum(_HOURLY)
        for day in range(self.s.days):
            day_start = self.start + dt.timedelta(days=day)
            weekday = _WEEKLY[day_start.weekday()]
            for feature in self.features:
                daily = self.s.calls_per_day * feature.share
                if feature.session_calls:
                    self._sessions(feature, day_start, daily * weekday)
                    continue
                for hour in range(24):
                    if feature.hours:
                        expected = daily / len(feature.hours) if hour in feature.hours else 0.0
                    else:
                        expected = daily * weekday * _HOURLY[hour] / hourly_total
                    for _ in range(self._count(expected)):
                        moment = day_start + dt.timedelta(hours=hour, seconds=self.rng.uniform(0, 3600))
                        self._call(feature, moment)
        self.events.sort(key=lambda e: e["timestamp"])
        self._prompt_caching()
        return Workload(self.events, self._answer_key())

    def _sessions(self, feature: _Feature, day_start: dt.datetime, expected_calls: float) -> None:
        """A day of sessions: each starts at an hour drawn from the working-day profile, then
        calls follow seconds apart (5-90 s); one gap in eight is a pause of 6-50 minutes (the
        user comes back); sessions are hours apart when there are few of them."""
        r = self.rng
        for _ in range(self._count(expected_calls / feature.session_calls)):
            hour = r.choices(range(24), weights=_HOURLY)[0]
            moment = day_start + dt.timedelta(hours=hour, seconds=r.uniform(0, 3600))
            for _ in range(max(1, round(r.expovariate(1 / feature.session_calls)))):
                if moment >= self.end:
                    break
                self._call(feature, moment)
                pause = r.random() < 0.125
                moment += dt.timedelta(seconds=r.uniform(360, 3000) if pause else r.uniform(5, 90))

    def _count(self, expected: float) -> int:
        whole = int(expected)
        return whole + (1 if self.rng.random() < expected - whole else 0)

    def _call(self, feature: _Feature, moment: dt.datetime) -> None:
        r = self.rng
        prompt = self._prompt(feature)
        user_low, user_high = feature.user_tokens
        user = r.randint(user_low, user_high)
        if feature.name == "faq-answers":
            user = 15 + int(prompt[:4], 16) % (user_high - user_low)  # one question, one length
        output = self._output(feature)
        reasoning = 0
        if feature.reasoning:
            reasoning = round(r.uniform(*feature.reasoning))
            output += reasoning  # output tokens include reasoning tokens
        elif feature.reasoning_share:
            reasoning = round(output * feature.reasoning_share)
        event = self._event(feature, moment, prompt, feature.system_tokens + user, output)
        event["reasoning_tokens"] = reasoning
        if r.random() < 0.004:  # rate limited before any token was processed: not billed
            event.update(
                status="rate_limited",
                input_tokens=0,
                output_tokens=0,
                reasoning_tokens=0,
                ttft_ms=None,
                latency_ms=r.randint(20, 90),
            )
            self.events.append(event)
            return
        if feature.name == "agent-tools" and "error_waste" in self.on and r.random() < self.timeout_rate:
            # The client gives up after the provider processed (and billed) the call, then retries.
            failed = dict(
                event,
                event_id=self._id(),
                status="timeout",
                latency_ms=30_000,
                output_tokens=r.randint(50, event["output_tokens"]),
            )
            self.events.append(failed)
            self._saving("error_waste", feature, self._cost(failed))
            event["timestamp"] = (moment + dt.timedelta(seconds=31)).isoformat()
        if feature.name == "doc-summarizer" and "output_caps" in self.on and r.random() < self.runaway_rate:
            event["output_tokens"] = r.randint(2500, 8000)
            cap = TAIL_FACTOR * self.summary_median
            rate = unit_prices(feature.provider, feature.model, event["input_tokens"]).output
            self._saving("output_caps", feature, (event["output_tokens"] - cap) * rate)
        if feature.name in ("ticket-triage", "entity-extraction") and "model_rightsizing" in self.on:
            target = {"gpt-4o": "gpt-4o-mini", "claude-sonnet-4-5": "claude-haiku-4-5"}[feature.model]
            self._saving(
                "model_rightsizing",
                feature,
                self._cost(event) - self._cost(dict(event, model=target)),
                target_model=target,
            )
        if feature.name in ("nightly-enrichment", "eval-grader") and "batching" in self.on:
            self._saving("batching", feature, self._cost(event) / 2)  # the batch API, or Flex (batch prices)
        if feature.name == "intent-router" and "reasoning_effort" in self.on:
            rate = unit_prices(feature.provider, feature.model, event["input_tokens"]).output
            self._saving("reasoning_effort", feature, int(REASONING_SAVED_SHARE * event["reasoning_tokens"]) * rate)
        self.events.append(event)

    def _prompt(self, feature: _Feature) -> str:
        if feature.name == "faq-answers" and "response_caching" in self.on and self.rng.random() < 0.6:
            # Most questions come from a popular few (Zipf's law), asked again and again.
            rank = min(int(self.faq_pool ** self.rng.random()), self.faq_pool)
            return hashlib.sha256(f"{self.s.org_id}/faq/{rank}".encode()).hexdigest()[:32]
        return f"{self.rng.getrandbits(128):032x}"

    def _output(self, feature: _Feature) -> int:
        low, high = feature.output_tokens
        if feature.lognormal_sigma:
            return max(1, round(self.rng.lognormvariate(math.log(low), feature.lognormal_sigma)))
        if low == high:  # a summary: normal around its median
            return max(20, round(self.rng.gauss(low, low / 6)))
        return round(self.rng.triangular(low, high, low + (high - low) / 3))

    def _event(
        self, feature: _Feature, moment: dt.datetime, prompt: str, input_tokens: int, output_tokens: int
    ) -> dict:
        r = self.rng
        ttft = r.randint(250, 900) + input_tokens // 40
        return {
            "event_id": self._id(),
            "timestamp": moment.isoformat(),
            "user_id": f"user-{r.randrange(self.s.users):02d}",
            "feature": feature.name,
            "provider": feature.provider,
            "model": feature.model,
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "cached_input_tokens": 0,
            "cache_write_tokens": 0,
            "reasoning_tokens": 0,
            "latency_ms": ttft + output_tokens * r.randint(8, 20),
            "ttft_ms": ttft if feature.interactive and feature.streams else None,
            "status": "success",
            "prompt_hash": prompt,
            "prefix_hash": hashlib.sha256(f"{self.s.org_id}/{feature.name}/system".encode()).hexdigest()[:32],
            "max_tokens": feature.max_tokens,
            "interactive": feature.interactive,
            "batch": feature.batch,
            "metadata": {"environment": "production", "prefix_tokens": str(feature.system_tokens)},
        }

    def _id(self) -> str:
        return f"evt_{self.rng.getrandbits(96):024x}"

    # --- provider prompt caching ------------------------------------------------------------

    def _prompt_caching(self) -> None:
        """Per prefix: a call more than the cache's lifetime after the previous one writes the
        cache, the others read it. Options per provider: the 5-minute cache everywhere (OpenAI
        and Gemini charge no write premium); Anthropic's 1-hour cache (writes at 2x the input
        price); OpenAI's 24-hour retention on the models that offer it. The fix is whichever
        saves most on the gaps observed; a prefix under the model's minimum saves nothing.

        Features marked `cached` already cache (5-minute lifetime): nothing to claim.
        """
        features = {f.name: f for f in self.features}
        last: dict[str, dt.datetime] = {}
        changes: dict[str, dict[dt.timedelta, list[Decimal]]] = {}  # feature -> cache lifetime -> per call
        for event in self.events:
            feature = features[event["feature"]]
            if event["status"] != "success" or not feature.cache:
                continue
            # Stored to the millisecond: the gap is measured as the warehouse will see it.
            moment = dt.datetime.fromisoformat(event["timestamp"])
            moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
            previous = last.get(event["prefix_hash"])
            last[event["prefix_hash"]] = moment
            prefix = feature.system_tokens
            if feature.cache == "cached":
                first = previous is None or moment - previous > CACHE_TTL
                event["cache_write_tokens" if first else "cached_input_tokens"] = prefix
                continue
            if prefix < MIN_PREFIX.get(feature.model, 1024):
                continue
            rates = unit_prices(feature.provider, feature.model, event["input_tokens"])
            options = {CACHE_TTL: rates.cache_write}
            if feature.provider == "anthropic":
                options[LONG_CACHE_TTL] = 2 * rates.input
            if feature.provider == "openai" and feature.model in EXTENDED_RETENTION:
                options[DAY_CACHE_TTL] = rates.cache_write
            for ttl, write in options.items():
                first = previous is None or moment - previous > ttl
                change = -prefix * (write - rates.input) if first else prefix * (rates.input - rates.cache_read)
                changes.setdefault(feature.name, {}).setdefault(ttl, []).append(change)
        for name, by_ttl in changes.items():
            best = max(by_ttl.values(), key=lambda amounts: sum(amounts, Decimal(0)))
            for change in best:
                self._saving("prompt_caching", features[name], change)

    # --- the answer key ---------------------------------------------------------------------

    def _cost(self, event: dict) -> Decimal:
        result = price(
            CallUsage(
                event["provider"],
                event["model"],
                event["input_tokens"],
                event["output_tokens"],
                event["cached_input_tokens"],
                event["cache_write_tokens"],
                event["reasoning_tokens"],
                event["batch"],
            )
        )
        return result.cost_usd if result.status == PRICED else Decimal(0)

    def _saving(self, lever: str, feature: _Feature, amount: Decimal, **facts) -> None:
        entry = self.detail.setdefault(
            f"{lever}/{feature.name}",
            {
                "lever": lever,
                "feature": feature.name,
                "provider": feature.provider,
                "model": feature.model,
                "calls": 0,
                "savings_usd": Decimal(0),
                **facts,
            },
        )
        entry["calls"] += 1
        entry["savings_usd"] += amount

    def _answer_key(self) -> dict:
        self._repeats()
        # A fix that would cost more than it saves (prompt caching on sparse traffic pays a
        # cache write for nearly every call) is not one to make: it saves nothing.
        self.detail = {name: entry for name, entry in self.detail.items() if entry["savings_usd"] > 0}
        self.savings = {
            lever: sum((e["savings_usd"] for e in self.detail.values() if e["lever"] == lever), Decimal(0))
            for lever in LEVERS
        }
        total = sum((self._cost(e) for e in self.events), Decimal(0))
        unpriced = [e for e in self.events if e["model"] == "acme-llm-1"]
        saved = sum(self.savings.values(), Decimal(0))
        return {
            "org_id": self.s.org_id,
            "seed": self.s.seed,
            "period": {"from": self.start.isoformat(), "to": self.end.isoformat(), "days": self.s.days},
            "calls": len(self.events),
            "total_cost_usd": _usd(total),
            "total_savings_usd": _usd(saved),
            "savings_pct": round(float(saved / total * 100), 2) if total else 0.0,
            "levers": {lever: _usd(self.savings[lever]) for lever in LEVERS},
            "inefficiencies": [
                {**entry, "savings_usd": _usd(entry["savings_usd"])}
                for entry in sorted(self.detail.values(), key=lambda d: -d["savings_usd"])
            ],
            "unpriced": {
                "calls": len(unpriced),
                "tokens": sum(e["input_tokens"] + e["output_tokens"] for e in unpriced),
            },
            "settings": {
                "calls_per_day": self.s.calls_per_day,
                "inject": sorted(self.on),
                "runaway_rate": round(self.runaway_rate, 4),
                "timeout_rate": round(self.timeout_rate, 4),
                "faq_pool": self.faq_pool,
                "summary_median_tokens": self.summary_median,
            },
        }

    def _repeats(self) -> None:
        """Response caching: every successful FAQ call of a prompt already answered."""
        if "response_caching" not in self.on:
            return
        faq = next(f for f in self.features if f.name == "faq-answers")
        answered: set[str] = set()
        for event in self.events:
            if event["feature"] != faq.name or event["status"] != "success":
                continue
            if event["prompt_hash"] in answered:
                self._saving("response_caching", faq, self._cost(event))
            answered.add(event["prompt_hash"])


def _usd(amount: Decimal) -> str:
    return format(amount.quantize(Decimal("0.000001")), "f")
