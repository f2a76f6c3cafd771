"""One region dimension for every source's region codes, with dated validity.

Sources name regions in their own schemes: KOSIS tables use either the 5-digit 행안부 codes
(41270) or KOSIS-internal ones (31090); industrial complexes have names. The mapping lives in
``dbt_project/seeds/region_codes.csv`` (also loaded as a dbt seed) with ``valid_from`` and
``valid_to``, because codes change: a district created on a date has no code before it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

REGION_CODES_CSV = Path(__file__).parents[2] / "dbt_project" / "seeds" / "region_codes.csv"


@dataclass(frozen=True)
class CodeMapping:
    scheme: str
    source_code: str
    region_code: str
    valid_from: date | None
    valid_to: date | None

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text.strip() else None


class RegionCodes:
    def __init__(self, mappings: list[CodeMapping]):
        self._by_code: dict[tuple[str, str], list[CodeMapping]] = {}
        for mapping in mappings:
            self._by_code.setdefault((mapping.scheme, mapping.source_code), []).append(mapping)

    @classmethod
    def from_csv(cls, path: Path = REGION_CODES_CSV) -> RegionCodes:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        return cls(
            [
                CodeMapping(
                    scheme=r["scheme"],
                    source_code=r["source_code"],
                    region_code=r["region_code"],
                    valid_from=_day(r["valid_from"]),
                    valid_to=_day(r["valid_to"]),
                )
                for r in rows
            ]
        )

    def lookup(self, scheme: str, source_code: str, on: date) -> str | None:
        """The 5-digit region code for ``source_code`` on the day ``on``, or None."""
        for mapping in self._by_code.get((scheme, source_code.strip()), []):
            if mapping.valid_on(on):
                return mapping.region_code
        return None


@cache
def region_codes() -> RegionCodes:
    return RegionCodes.from_csv()
