"""Dates as Korean public-sector sites write them; all local times are KST.

Application periods and deadlines are read by ``sources.parsers.periods``.
"""

from __future__ import annotations

import re
from datetime import date, timedelta, timezone

KST = timezone(timedelta(hours=9), "KST")

_DATE = re.compile(
    r"(?P<y>\d{4}|\d{2})\s*[.\-/년]\s*(?P<m>\d{1,2})\s*[.\-/월]\s*(?P<d>\d{1,2})\s*[.일]?"
)
_COMPACT = re.compile(r"\b(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})\b")


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
