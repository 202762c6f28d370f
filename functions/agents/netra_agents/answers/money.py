"""Money as the agents state it: exact decimal strings (no float in between), dollars as
prose quotes them, a share in percent, and a period said as people say it. The one place
the agents format money."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)


def exact(amount: Decimal) -> str:
    """Every digit the warehouse gave ("12.5", "-0.000000003", "0"): sums of parts stay exact."""
    text = format(amount.normalize(), "f") if amount else "0"
    return text


def dollars(amount: Decimal | str) -> str:
    """An amount as prose quotes it: "$1,234.56"."""
    return f"${Decimal(amount):,.2f}"


def usd(amount: Decimal) -> str:
    """Exact to the micro-dollar, trailing zeros dropped ("1.363", "0.36"): what the optimizer
    states, so that sums of recommendations stay exact; the web chat shows cents."""
    text = format(amount.quantize(Decimal("0.000001")), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def share(part: Decimal | int, whole: Decimal | int) -> float:
    """`part` as a percent of `whole`, to two decimals (0 when there is no whole)."""
    return round(float(Decimal(part) / Decimal(whole) * 100), 2) if whole else 0.0


def shown_share(part: Decimal | int, whole: Decimal | int) -> float:
    """`part` as a percent of `whole` to one decimal, rounded half up from the exact values:
    what the web app shows, and how its dashboard rounds the same share, so the two agree
    (a share rounded to two decimals first, then to one, could differ by 0.1)."""
    if not whole:
        return 0.0
    return float((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def change_pct(current: Decimal, previous: Decimal) -> float | None:
    """The change in percent of the previous amount; None when there was nothing before."""
    return round(float((current - previous) / previous * 100), 2) if previous else None


def day_span(period: dict) -> str:
    """ "Nov 18 – Nov 24, 2026" for a period whose `to` is exclusive; a span within days with
    its times: "Nov 24, 2026, 03:30 – 09:30 UTC"."""
    if "T" in period["from"]:
        start, stop = (dt.datetime.fromisoformat(period[k]) for k in ("from", "to"))
        stop_said = f"{stop:%H:%M}" if stop.date() == start.date() else f"{stop:%b} {stop.day}, {stop:%H:%M}"
        return f"{start:%b} {start.day}, {start.year}, {start:%H:%M} – {stop_said} UTC"
    start = dt.date.fromisoformat(period["from"][:10])
    last = dt.date.fromisoformat(period["to"][:10]) - dt.timedelta(days=1)
    if last <= start:
        return f"{start:%b} {start.day}, {start.year}"
    head = f"{start:%b} {start.day}" + (f", {start.year}" if start.year != last.year else "")
    return f"{head} – {last:%b} {last.day}, {last.year}"
