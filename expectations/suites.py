"""Dataset-level expectations on the marts, declared as data.

Each suite names a mart and its expectations (Great Expectations class name and keyword
arguments). ``critical`` suites block the release when they fail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Suite:
    name: str
    relation: str
    critical: bool
    expectations: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


SUITES = [
    Suite(
        name="fct_announcement",
        relation="main.fct_announcement",
        critical=True,
        expectations=[
            ("ExpectTableRowCountToBeBetween", {"min_value": 1}),
            ("ExpectColumnValuesToNotBeNull", {"column": "announcement_id"}),
            ("ExpectColumnValuesToBeUnique", {"column": "announcement_id"}),
            ("ExpectColumnValuesToNotBeNull", {"column": "title"}),
            ("ExpectColumnValueLengthsToBeBetween", {"column": "title", "min_value": 2}),
            ("ExpectColumnValuesToMatchRegex", {"column": "url", "regex": r"^https?://"}),
        ],
    ),
    Suite(
        name="fct_indicator_observation",
        relation="main.fct_indicator_observation",
        critical=True,
        expectations=[
            ("ExpectTableRowCountToBeBetween", {"min_value": 1}),
            ("ExpectColumnValuesToBeUnique", {"column": "observation_id"}),
            ("ExpectColumnValuesToMatchRegex", {"column": "region_code", "regex": r"^\d{5}$"}),
            ("ExpectColumnValuesToNotBeNull", {"column": "unit"}),
            (
                "ExpectColumnValuesToBeInSet",
                {"column": "period_type", "value_set": ["year", "half", "quarter", "month"]},
            ),
        ],
    ),
    Suite(
        name="mart_open_calls",
        relation="main.mart_open_calls",
        critical=True,
        expectations=[
            ("ExpectColumnValuesToBeUnique", {"column": "programme_id"}),
            ("ExpectColumnValuesToBeUnique", {"column": "announcement_id"}),
            # a rolling call has no deadline: days_left is null there, never negative
            ("ExpectColumnValuesToBeBetween", {"column": "days_left", "min_value": 0}),
            (
                "ExpectColumnValuesToBeInSet",
                {
                    "column": "status",
                    "value_set": ["open", "closing_soon", "rolling", "upcoming"],
                },
            ),
        ],
    ),
    Suite(
        name="mart_zone_monthly",
        relation="main.mart_zone_monthly",
        critical=False,
        expectations=[
            ("ExpectColumnValuesToBeUnique", {"column": "observation_id"}),
            ("ExpectColumnValuesToMatchRegex", {"column": "month", "regex": r"^\d{4}-\d{2}$"}),
        ],
    ),
]
