"""Periods as a question says them, as whole UTC days (start inclusive, end exclusive).

"last N days" and "past week" are rolling and include today; "last week" and "last month"
are the calendar week (Monday first) and month before this one; "this month" runs to the
end of today. A date without a year is the latest one not after today.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from netra_agents.query import Period

NUMBERS = {
    "one": 1,
    "a": 1,
    "an": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fourteen": 14,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "sixty": 60,
    "ninety": 90,
}
_N = r"(\d{1,3}|" + "|".join(NUMBERS) + r")"
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?"
    r"|nov(?:ember)?|dec(?:ember)?)"
)
_FULL_MONTH = r"(january|february|march|april|june|july|august|september|october|november|december)"
_DATE = (
    rf"(?:{_MONTH}\.?\s+(\d{{1,2}})(?!\d)(?:st|nd|rd|th)?(?:,?\s+(20\d\d))?"
    rf"|(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:\s+(20\d\d))?"
    rf"|(20\d\d)-(\d{{1,2}})-(\d{{1,2}}))"
)
_UNIT_DAYS = {"day": 1, "week": 7, "fortnight": 14, "month": 30, "quarter": 90, "year": 365}


@dataclasses.dataclass(frozen=True)
class Found:
    """A period named in the question. `relation`: plain; `last` (the calendar one before
    this one, e.g. "last month", which a "vs"/"since" turns into the comparison of "this
    month"); `before` (relative: "the week before" — `period` is None, `days` its length);
    `future` (days still to come: "next month", "the next 30 days", "Q1 next year", only a
    forecast's). `movable`: a month or quarter named without a year, which a forecast reads
    as the next one when this year's has passed ("January" in December)."""

    at: int
    end: int
    period: Period | None
    relation: str = "plain"
    unit: str | None = None
    days: int | None = None
    movable: bool = False


def number(word: str) -> int:
    return int(word) if word.isdigit() else NUMBERS[word]


def rolling(today: dt.date, days: int, label: str | None = None) -> Period:
    return Period(today - dt.timedelta(days=days - 1), today + dt.timedelta(days=1), label or f"the last {days} days")


def calendar(unit: str, today: dt.date, back: int = 0) -> Period:
    """The calendar week/month/quarter/year `back` units before the current one (0: to date)."""
    if unit == "day":
        start = today - dt.timedelta(days=back)
        end = start + dt.timedelta(days=1)
    elif unit == "week":
        start = today - dt.timedelta(days=today.weekday() + 7 * back)
        end = start + dt.timedelta(days=7)
    elif unit == "year":
        start, end = dt.date(today.year - back, 1, 1), dt.date(today.year - back + 1, 1, 1)
    else:
        size = 3 if unit == "quarter" else 1
        first = (today.month - 1) // size * size  # months since January of the current unit's start
        index = today.year * 12 + first - size * back
        start = dt.date(index // 12, index % 12 + 1, 1)
        after = index + size
        end = dt.date(after // 12, after % 12 + 1, 1)
    end = min(end, today + dt.timedelta(days=1))
    if back == 0:
        label = {
            "day": "today",
            "week": "this week",
            "month": "this month",
            "quarter": "this quarter",
            "year": "this year",
        }[unit]
    elif back == 1:
        label = {
            "day": "yesterday",
            "week": "last week",
            "month": "last month",
            "quarter": "last quarter",
            "year": "last year",
        }[unit]
    else:
        label = f"{start.isoformat()} to {(end - dt.timedelta(days=1)).isoformat()}"
    return Period(start, end, label)


def month_period(name: str, year: str | None, today: dt.date) -> Period:
    month = _MONTHS.index(name[:3]) + 1
    y = int(year) if year else (today.year if month <= today.month else today.year - 1)
    start = dt.date(y, month, 1)
    end = dt.date(y + month // 12, month % 12 + 1, 1)
    return Period(start, min(end, today + dt.timedelta(days=1)), start.strftime("%B %Y"))


def quarter_period(q: int, year: str | None, today: dt.date) -> Period:
    y = int(year) if year else (today.year if (q - 1) * 3 + 1 <= today.month else today.year - 1)
    start = dt.date(y, (q - 1) * 3 + 1, 1)
    end = dt.date(y + (q == 4), (q % 4) * 3 + 1, 1)
    return Period(start, min(end, today + dt.timedelta(days=1)), f"Q{q} {y}")


def _date(groups: tuple, today: dt.date) -> dt.date | None:
    month_a, day_a, year_a, day_b, month_b, year_b, iso_y, iso_m, iso_d = groups
    try:
        if iso_y:
            return dt.date(int(iso_y), int(iso_m), int(iso_d))
        name, day, year = (month_a, day_a, year_a) if month_a else (month_b, day_b, year_b)
        month = _MONTHS.index(name[:3]) + 1
        found = dt.date(int(year) if year else today.year, month, int(day))
        if not year and found > today:
            found = found.replace(year=today.year - 1)
        return found
    except ValueError:  # Feb 30
        return None


def _day_of_month(number: int, today: dt.date) -> dt.date | None:
    """The latest day numbered `number` up to today: this month's, else the month before's."""
    for month_start in (today.replace(day=1), (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)):
        try:
            day = month_start.replace(day=number)
        except ValueError:
            continue
        if day <= today:
            return day
    return None


def _day_label(day: dt.date) -> str:
    return day.strftime("%b %-d")


_PATTERNS: list[tuple[str, re.Pattern]] = [
    # Spans within days: the last hours, a part of today or yesterday.
    (
        "hours",
        re.compile(
            rf"\b(?:in\s+|over\s+|for\s+|during\s+)?(?:the\s+)?(?:last|past|previous|prior)\s+(?:{_N}\s*|(\d+)\s*)"
            r"(?:hours?|hrs?|h)\b"
        ),
    ),
    ("last_hour", re.compile(r"\b(?:in\s+|over\s+|for\s+|during\s+)?(?:the\s+)?(?:last|past)\s+hour\b")),
    (
        "part_of_day",
        re.compile(
            r"\b(this|yesterday|yesterday's|today's)\s+(morning|afternoon|evening)\b|\b(last\s+night|overnight)\b"
        ),
    ),
    # Days still to come (a forecast's horizon), before the patterns that read the same words as past.
    ("next_named", re.compile(rf"\b(?:q([1-4])|{_MONTH})\s+(?:of\s+)?next\s+year\b")),
    (
        "next_n",
        re.compile(
            rf"\b(?:in\s+|over\s+|for\s+|during\s+)?(?:the\s+)?(?:next|coming|upcoming)\s+{_N}\s+(days?|weeks?|months?)\b"
        ),
    ),
    ("next_unit", re.compile(r"\b(?:the\s+)?(?:next|coming|upcoming)\s+(week|month|quarter|year)\b")),
    ("rest_of", re.compile(r"\b(?:the\s+)?rest\s+of\s+(?:the\s+|this\s+)?(week|month|quarter|year)\b")),
    ("rest_of_month", re.compile(rf"\b(?:the\s+)?rest\s+of\s+{_MONTH}\b")),
    # A month alone as a whole message that moves on from the last answer ("and feb?", "what about march")
    (
        "month_alone",
        re.compile(
            rf"^\s*(?:ok\s+|okay\s+|so\s+)?(?:and|what\s+about|how\s+about)\s+(?:in\s+|for\s+)?{_MONTH}\.?\s*\??\s*$"
        ),
    ),
    ("range", re.compile(rf"\b(?:from\s+|between\s+)?{_DATE}\s*(?:to|until|till|through|thru|-|–|and)\s*{_DATE}")),
    ("since_date", re.compile(rf"\b(?:since|from|after|starting)\s+{_DATE}")),
    ("since_last", re.compile(r"\bsince\s+(?:the\s+)?(?:last|previous|prior)\s+(week|month|quarter|year)\b")),
    ("date", re.compile(rf"\b(?:on\s+)?{_DATE}")),
    # "since the 1st": from that day of this month (or the last one before today) to today
    ("since_day_of_month", re.compile(r"\b(?:since|from|after|starting)\s+the\s+(\d{1,2})(?:st|nd|rd|th)\b")),
    # "on the 24th": the latest such day of the month, up to today (not "the 3rd largest")
    (
        "day_of_month",
        re.compile(
            r"\b(?:on\s+)?the\s+(\d{1,2})(?:st|nd|rd|th)\b(?!\s+(?:most|least|largest|biggest|"
            r"highest|lowest|top|best|worst|cheapest|priciest|costliest|slowest|fastest)\b)"
        ),
    ),
    (
        "rolling",
        re.compile(
            rf"\b(?:in\s+|over\s+|for\s+|during\s+)?(?:the\s+)?(?:last|past|previous|prior|recent)\s+{_N}\s+"
            r"(days?|weeks?|months?)\b"
        ),
    ),
    ("n_before", re.compile(rf"\b(?:the\s+)?{_N}\s+(days?|weeks?|months?)\s+(?:before|prior)\b")),
    (
        "same",
        re.compile(
            r"\b(?:the\s+)?same\s+(?:period|days?|time|stretch|dates|point)\s+(?:last|the\s+previous|a|one)\s+"
            r"(week|month|year)(?:\s+(?:ago|before))?\b"
        ),
    ),
    (
        "before",
        re.compile(
            r"\b(?:the\s+)?(day|week|month|quarter|year|period)\s+(?:before|prior)\b"
            r"|\b(?:the\s+)?(?:previous|prior|preceding)\s+(period)\b"
        ),
    ),
    ("over", re.compile(r"\b(week|month)[\s-]+(?:over|on)[\s-]+(?:week|month)\b|\b(wow|mom)\b")),
    ("past_unit", re.compile(r"\b(?:the\s+)?past\s+(week|fortnight|month|quarter|year)\b")),
    ("last_unit", re.compile(r"\b(?:the\s+)?(?:last|previous|prior)\s+(week|month|quarter|year)\b")),
    ("this_unit", re.compile(r"\b(?:this|the\s+current|current)\s+(week|month|quarter|year)(?:'?s)?\b")),
    ("to_date", re.compile(r"\b(week|month|quarter|year)[\s-]+to[\s-]+date\b|\b(wtd|mtd|qtd|ytd)\b")),
    ("month_end", re.compile(r"\b(?:end\s+of\s+(?:the\s+)?month|month[\s-]+end|eom)\b")),
    ("yesterday", re.compile(r"\byesterday\b")),
    (
        "since_weekday",
        re.compile(
            r"\b(?:since|after|starting)\s+(?:last\s+)?(monday|tuesday|wednesday|thursday|friday|"
            r"saturday|sunday)\b"
        ),
    ),
    (
        "weekday",
        re.compile(r"\b(?:on\s+|last\s+|this\s+past\s+)?(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"),
    ),
    ("today", re.compile(r"\btoday\b")),
    ("quarter", re.compile(r"\bq([1-4])(?:\s+(20\d\d))?\b")),
    ("month", re.compile(rf"\b(?:(?:in|during|for|of|since)\s+{_MONTH}|{_FULL_MONTH})(?:\s+(20\d\d))?\b")),
    ("year", re.compile(r"\b(?:in|for|during|of|across)\s+(?:all\s+of\s+|the\s+whole\s+of\s+)?(20\d\d)\b")),
    # A short month name set against another ("nov vs oct", "compare aug to oct"): alone, "may"
    # or "mar" is a word, so only as a pair (two periods, read by `find`).
    (
        "month_pair",
        re.compile(rf"\b{_MONTH}\.?\s*(?:vs\.?|versus|against|compared\s+(?:to|with)|to|and)\s+{_MONTH}\b"),
    ),
    # "this month compared to last": the one before the unit said just before
    (
        "last_alone",
        re.compile(
            r"\b(?:compared\s+(?:to|with)|vs\.?|versus|against|than|over)\s+(?:the\s+)?(?:last|previous|prior)"
            r"(?:\s+one)?\b(?!\s*(?:\d|week|month|quarter|year|day|fortnight|few|couple|several|one|two|three))"
        ),
    ),
]
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SHORT = {"wtd": "week", "mtd": "month", "qtd": "quarter", "ytd": "year"}


def find(text: str, today: dt.date, now: dt.datetime | None = None) -> list[Found]:
    """Every period the (lowercased, names masked) text names, in order of appearance; spans
    within a day are placed by `now` (UTC; None: noon of `today`)."""
    now = now or dt.datetime.combine(today, dt.time(12), dt.timezone.utc)
    taken: list[tuple[int, int]] = []
    found: list[Found] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            if kind == "month_pair":
                taken.append((m.start(), m.end()))
                found += [Found(m.start(i), m.end(i), month_period(m.group(i), None, today)) for i in (1, 2)]
                continue
            item = _within_day(kind, m, now) if kind in _WITHIN_DAY else _read(kind, m, today)
            if item is not None:
                taken.append((m.start(), m.end()))
                found.append(item)
    found.sort(key=lambda f: f.at)
    for i, item in enumerate(found):  # "last" alone is the unit said before it
        if item.relation == "before" and item.unit is None and item.days is None and i:
            unit = next((f.unit for f in reversed(found[:i]) if f.unit), None)
            found[i] = dataclasses.replace(item, unit=unit, days=_UNIT_DAYS.get(unit) if unit == "week" else None)
    return found


def _read(kind: str, m: re.Match, today: dt.date) -> Found | None:
    g = m.groups()
    one = dt.timedelta(days=1)
    at, end = m.start(), m.end()
    if kind == "range":
        first, last = _date(g[:9], today), _date(g[9:], today)
        if not first or not last:
            return None
        if first > last:  # "Dec 20 to Jan 5" without years: the first is last year's
            first = first.replace(year=first.year - 1) if first.replace(year=first.year - 1) <= last else first
        if first > last:
            return None
        return Found(at, end, Period(first, last + one, f"{_day_label(first)} to {_day_label(last)}"))
    if kind == "since_date":
        day = _date(g, today)
        return Found(at, end, Period(day, today + one, f"since {_day_label(day)}")) if day and day <= today else None
    if kind == "since_last":
        return Found(at, end, calendar(g[0], today, 1), "last", g[0])
    if kind == "since_day_of_month":
        day = _day_of_month(int(g[0]), today)
        return Found(at, end, Period(day, today + one, f"since {_day_label(day)}")) if day else None
    if kind == "last_alone":
        return Found(at, end, None, "before")
    if kind == "day_of_month":
        day = _day_of_month(int(g[0]), today)
        return Found(at, end, Period(day, day + one, _day_label(day))) if day else None
    if kind == "date":
        day = _date(g, today)
        return Found(at, end, Period(day, day + one, _day_label(day))) if day and day <= today else None
    if kind == "rolling":
        count, unit = number(g[0]), g[1].rstrip("s")
        days = max(1, min(count * _UNIT_DAYS[unit], 731))
        return Found(at, end, rolling(today, days, f"the last {count} {g[1]}"))
    if kind == "n_before":
        return Found(at, end, None, "before", None, number(g[0]) * _UNIT_DAYS[g[1].rstrip("s")])
    if kind == "same":
        return Found(at, end, None, "same", g[0])
    if kind == "before":
        unit = g[0] or g[1]
        return Found(
            at,
            end,
            None,
            "before",
            unit if unit in ("week", "month", "quarter", "year") else None,
            _UNIT_DAYS.get(unit),
        )
    if kind == "over":
        unit = g[0] or {"wow": "week", "mom": "month"}[g[1]]
        return Found(at, end, rolling(today, _UNIT_DAYS[unit]), "over", unit)
    if kind == "past_unit":
        return Found(at, end, rolling(today, _UNIT_DAYS[g[0]], f"the past {g[0]}"))
    if kind == "last_unit":
        return Found(at, end, calendar(g[0], today, 1), "last", g[0])
    if kind == "this_unit":
        return Found(at, end, calendar(g[0], today), unit=g[0])
    if kind == "to_date":
        unit = g[0] or _SHORT[g[1]]
        return Found(at, end, calendar(unit, today), unit=unit)
    if kind == "month_end":
        return Found(at, end, calendar("month", today), unit="month")
    if kind == "yesterday":
        return Found(at, end, calendar("day", today, 1), "last", "day")
    if kind == "since_weekday":  # from the latest one before today to today
        back = (today.weekday() - _WEEKDAYS.index(g[0])) % 7 or 7
        day = today - dt.timedelta(days=back)
        return Found(at, end, Period(day, today + one, f"since {day.strftime('%A %b %-d')}"))
    if kind == "weekday":  # the latest one before today
        back = (today.weekday() - _WEEKDAYS.index(g[0])) % 7 or 7
        day = today - dt.timedelta(days=back)
        return Found(at, end, Period(day, day + one, day.strftime("%A %b %-d")))
    if kind == "today":
        return Found(at, end, calendar("day", today), unit="day")
    if kind == "quarter":
        return _named(at, end, quarter_period(int(g[0]), g[1], today), g[1], today)
    if kind == "month":
        name = g[0] or g[1]
        return _named(at, end, month_period(name, g[2], today), g[2], today)
    if kind == "rest_of_month":
        month = month_period(g[0], None, today)
        if month.start <= today < month.end:
            return Found(
                at, end, Period(today + one, upcoming("month", today, 0).end, f"the rest of {month.label}"), "future"
            )
        return _named(at, end, month, None, today)
    if kind == "month_alone":
        return _named(at, end, month_period(g[0], None, today), None, today)
    if kind == "year":
        year = int(g[0])
        if year > today.year:
            return Found(at, end, Period(dt.date(year, 1, 1), dt.date(year + 1, 1, 1), str(year)), "future", "year")
        back = today.year - year
        return Found(at, end, calendar("year", today, back) if back else calendar("year", today), unit="year")
    if kind == "next_named":
        year = str(today.year + 1)
        named = quarter_period(int(g[0]), year, today) if g[0] else month_period(g[1], year, today)
        return _named(at, end, named, year, today)
    if kind == "next_n":
        count, unit = number(g[0]), g[1].rstrip("s")
        days = max(1, min(count * _UNIT_DAYS[unit], 731))
        ahead = Period(today + one, today + one + dt.timedelta(days=days), f"the next {count} {g[1]}")
        return Found(at, end, ahead, "future")
    if kind == "next_unit":
        return Found(at, end, upcoming(g[0], today), "future", g[0])
    if kind == "rest_of":
        whole = upcoming(g[0], today, 0)
        return Found(at, end, Period(today + one, whole.end, f"the rest of this {g[0]}"), "future", g[0])
    raise AssertionError(kind)


_WITHIN_DAY = ("hours", "last_hour", "part_of_day")
# The parts of a day, in UTC hours: [start, end).
PARTS = {"night": (0, 6), "morning": (6, 12), "afternoon": (12, 18), "evening": (18, 24)}


def _within_day(kind: str, m: re.Match, now: dt.datetime) -> Found | None:
    g = m.groups()
    at, end = m.start(), m.end()
    if kind in ("hours", "last_hour"):
        hours = 1 if kind == "last_hour" else number(g[0]) if g[0] else int(g[1])
        if not 0 < hours <= 24 * 14:
            return None
        label = "the last hour" if hours == 1 else f"the last {hours} hours"
        return Found(at, end, Period(now - dt.timedelta(hours=hours), now, label), unit="hour")
    part = g[1] or "night"
    day = now.date() - dt.timedelta(days=1 if (g[0] or "").startswith("yesterday") else 0)
    first, last = PARTS[part]
    start = dt.datetime.combine(day, dt.time(0), dt.timezone.utc) + dt.timedelta(hours=first)
    stop = min(start + dt.timedelta(hours=last - first), now)
    if stop <= start:  # "this evening" in the morning: not yet begun
        return None
    words = "last night" if g[2] else f"{'yesterday' if day < now.date() else 'this'} {part}"
    return Found(at, end, Period(start, stop, words + (" so far" if stop == now else "")), unit="hour")


def upcoming(unit: str, today: dt.date, ahead: int = 1) -> Period:
    """The whole calendar week/month/quarter/year `ahead` units after the current one (0: the
    current one, to its end)."""
    if unit == "week":
        start = today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=7 * ahead)
        return Period(start, start + dt.timedelta(days=7), "next week" if ahead == 1 else f"the week of {start:%b %-d}")
    if unit == "year":
        start = dt.date(today.year + ahead, 1, 1)
        return Period(start, dt.date(start.year + 1, 1, 1), str(start.year))
    size = 3 if unit == "quarter" else 1
    index = today.year * 12 + (today.month - 1) // size * size + size * ahead
    start, after = dt.date(index // 12, index % 12 + 1, 1), index + size
    end = dt.date(after // 12, after % 12 + 1, 1)
    label = f"Q{(start.month - 1) // 3 + 1} {start.year}" if unit == "quarter" else start.strftime("%B %Y")
    return Period(start, end, label)


def _named(at: int, end: int, period: Period, year: str | None, today: dt.date) -> Found:
    """A named month or quarter: still to come when its year puts it after today (whole, not
    cut at today), movable when no year was said."""
    if period.start > today:
        months = 3 if period.label.startswith("Q") else 1
        index = period.start.year * 12 + period.start.month - 1 + months
        whole = Period(period.start, dt.date(index // 12, index % 12 + 1, 1), period.label)
        return Found(at, end, whole, "future")
    return Found(at, end, period, movable=year is None)


def next_occurrence(found: Found, today: dt.date) -> Period | None:
    """A movable month or quarter that has passed this year, a year on ("January" in December
    is January next year); None when it has not passed."""
    period = found.period
    if not found.movable or period is None or period.end > today:
        return None
    start, end = period.start.replace(year=period.start.year + 1), period.end.replace(year=period.end.year + 1)
    return Period(start, end, f"{period.label.split()[0]} {start.year}")


def same_period(period: Period, unit: str | None) -> Period:
    """The same days one week, month or year earlier ("the same period last month")."""
    if unit == "week":
        week = dt.timedelta(days=7)
        return Period(period.start - week, period.end - week, "the same days last week")
    back = 12 if unit == "year" else 1

    def earlier(day: dt.date) -> dt.date:
        index = day.year * 12 + day.month - 1 - back
        year, month = index // 12, index % 12 + 1
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        return min(dt.date(year, month, 1) + dt.timedelta(days=day.day - 1), following)

    return Period(earlier(period.start), earlier(period.end), f"the same days last {unit or 'month'}")


def before(period: Period) -> Period:
    """What a change compares `period` with: the calendar month, quarter or year before a
    whole one ("last month" against the month before it), else the days just before."""
    months = (period.end.year * 12 + period.end.month) - (period.start.year * 12 + period.start.month)
    if period.start.day == 1 and period.end.day == 1 and months in (1, 3, 12):
        unit = {1: "month", 3: "quarter", 12: "year"}[months]
        return shifted(period, Found(0, 0, None, "before", unit))
    return period.previous()


def shifted(period: Period, found: Found) -> Period:
    """The period `found` ("the week before", "the month before") names relative to `period`."""
    if found.unit in ("month", "quarter", "year") and period.start.day == 1:
        size = {"month": 1, "quarter": 3, "year": 12}[found.unit]
        index = period.start.year * 12 + period.start.month - 1 - size
        start = dt.date(index // 12, index % 12 + 1, 1)
        return Period(start, period.start, f"the {found.unit} before")
    if found.days:
        start = period.start - dt.timedelta(days=found.days)
        return Period(start, period.start, f"the {found.days} days before")
    return period.previous()
