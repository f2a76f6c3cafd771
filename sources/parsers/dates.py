"""Dates and times as Korean public-sector sites write them; all local times are KST."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

KST = timezone(timedelta(hours=9), "KST")

_DATE = re.compile(
    r"(?P<y>\d{4}|\d{2})\s*[.\-/년]\s*(?P<m>\d{1,2})\s*[.\-/월]\s*(?P<d>\d{1,2})\s*[.일]?"
)
_COMPACT = re.compile(r"\b(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})\b")
_TIME = re.compile(r"(?P<h>\d{1,2}):(?P<mi>\d{2})")


def _find_date(text: str | None) -> tuple[date, int] | None:
    if not text:
        return None
    match = _DATE.search(text) or _COMPACT.search(text)
    if not match:
        return None
    year = int(match["y"])
    year += 2000 if year < 100 else 0
    try:
        return date(year, int(match["m"]), int(match["d"])), match.end()
    except ValueError:
        return None


def parse_date(text: str | None) -> date | None:
    """The first date in ``text`` (2025.10.01, 2025-10-01, 25.10.01, 2025. 9. 2.(수), 20251001)."""
    found = _find_date(text)
    return found[0] if found else None


def parse_datetime_kst(text: str | None, *, end_of_day: bool = False) -> datetime | None:
    """A date with an optional HH:MM after it, as an aware KST datetime.

    Without a time, the start of the day is taken, or its last second when ``end_of_day``
    (a deadline written as a bare date closes at the end of that day).
    """
    found = _find_date(text)
    if found is None:
        return None
    day, end = found
    clock = _TIME.search(text, end)
    if clock:
        moment = time(int(clock["h"]) % 24, int(clock["mi"]))
    else:
        moment = time(23, 59, 59) if end_of_day else time(0, 0)
    return datetime.combine(day, moment, tzinfo=KST)


def parse_period(text: str | None) -> tuple[datetime | None, datetime | None]:
    """``start ~ end`` (either side may carry a time); the end may omit the year."""
    if not text or "~" not in text:
        return None, None
    left, right = text.split("~", 1)
    start = parse_datetime_kst(left)
    end = parse_datetime_kst(right, end_of_day=True)
    if end is None and start is not None:
        short = re.search(r"(\d{1,2})\s*[.\-/월]\s*(\d{1,2})", right)
        if short:
            try:
                day = date(start.year, int(short[1]), int(short[2]))
            except ValueError:
                day = None
            if day:
                end = parse_datetime_kst(day.isoformat() + right[short.end() :], end_of_day=True)
    return start, end
