"""Observation records: values with units as numbers, periods, natural keys and revisions.

The natural key of a figure is (source, table_id, indicator_id, region_code, period); a
revised figure carries a later ``as_of`` and is a new version of the same key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from functools import cache
from typing import Any

MISSING = {"", "-", "－", "…", "...", "x", "X"}
UNIT_SUFFIX = re.compile(
    r"^(?P<number>[+-]?[\d,]*\.?\d+)\s*(?P<unit>백만원|천달러|천원|세대|명|개|원|%)$"
)
_PERIOD = re.compile(
    r"^(?P<y>\d{4})(?:-(?:H(?P<h>[12])|Q(?P<q>[1-4])|(?P<m>\d{2})(?:-(?P<d>\d{2}))?))?$"
)


@cache
def _fields() -> tuple[str, ...]:
    """The observation model's fields a parser fills (the crawler adds the fetch id)."""
    from expectations.contract import record_fields  # the contract reads period_start here

    return tuple(k for k in record_fields("observation") if k not in ("source", "fetch_id"))


def observation(source: str, **fields: Any) -> dict[str, Any]:
    """A record with every key of the observation model; keys not given are None."""
    unknown = set(fields) - set(_fields())
    if unknown:
        raise TypeError(f"not observation fields: {', '.join(sorted(unknown))}")
    return {"source": source, **{key: fields.get(key) for key in _fields()}}


def split_value(raw: Any, unit: str | None = None) -> tuple[float | str | None, str | None]:
    """A published cell as ``(number, unit)``: '1,234' → 1234.0; '72.5%' → (72.5, '%').

    '-', '…' and empty cells are missing (None), never zero. A cell that is not a number is
    returned unchanged so that row validation quarantines it with its text.
    """
    if raw is None:
        return None, unit
    if isinstance(raw, int | float):
        return float(raw), unit
    text = str(raw).strip()
    if text in MISSING:
        return None, unit
    match = UNIT_SUFFIX.match(text)
    if match:
        return float(match["number"].replace(",", "")), unit or match["unit"]
    try:
        return float(text.replace(",", "")), unit
    except ValueError:
        return text, unit


def period_start(period: str) -> date:
    """The first day of a period: '2025', '2025-H2', '2025-Q3', '2025-09' or '2025-09-30'."""
    match = _PERIOD.match(period)
    if not match:
        raise ValueError(f"not a period: {period!r}")
    year = int(match["y"])
    if match["h"]:
        return date(year, 1 + 6 * (int(match["h"]) - 1), 1)
    if match["q"]:
        return date(year, 1 + 3 * (int(match["q"]) - 1), 1)
    if match["m"]:
        return date(year, int(match["m"]), int(match["d"] or 1))
    return date(year, 1, 1)


def natural_key(record: dict[str, Any]) -> tuple[str, str, str, str, str]:
    return (
        record["source"], record["table_id"], record["indicator_id"],
        record["region_code"], record["period"],
    )  # fmt: skip


def current_versions(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The latest revision of each figure: the record with the latest ``as_of`` per key.

    Records without ``as_of`` count as older than any dated one; among equals the later
    record wins, as a re-fetch does.
    """
    latest: dict[tuple, dict[str, Any]] = {}
    for record in records:
        key = natural_key(record)
        held = latest.get(key)
        if held is None or (str(record.get("as_of") or "") >= str(held.get("as_of") or "")):
            latest[key] = record
    return list(latest.values())
