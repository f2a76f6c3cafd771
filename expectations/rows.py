"""Row-level validation (pandera) of parsed records before they are loaded.

Types are coerced here first, one column at a time, so that a value that cannot be typed is
reported for its own row instead of hiding the column's other failures (pandera's coercion
fails a whole column). Rows that fail any rule go to quarantine with the rule and the reason;
the others continue.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pandera.pandas as pa

from sources.parsers.observations import MISSING

ANNOUNCEMENT_COLUMNS = [
    "source", "institution", "post_id", "url", "title", "posted_date", "department",
    "category_hint", "apply_start", "apply_end", "status_hint", "body_text", "attachments",
    "raw_payload", "fetch_id",
    # read by sources/parsers/periods.py and programmes.py (issue #12)
    "apply_rolling", "apply_extended", "period_evidence", "period_origin", "programme_title",
]  # fmt: skip
ANNOUNCEMENT_FLAGS = ["apply_rolling", "apply_extended"]
OBSERVATION_COLUMNS = [
    "source", "table_id", "indicator_id", "indicator_name", "region_code", "region_name",
    "period", "period_type", "value", "unit", "as_of", "fetch_id",
]  # fmt: skip

MISSING_VALUES = MISSING | {"nan", "None"}
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
PERIOD_PATTERNS = {
    "year": r"^\d{4}$",
    "half": r"^\d{4}-H[12]$",
    "quarter": r"^\d{4}-Q[1-4]$",
    "month": r"^\d{4}-(0[1-9]|1[0-2])$",
    "day": r"^\d{4}-\d{2}-\d{2}$",
}

ANNOUNCEMENT_SCHEMA = pa.DataFrameSchema(
    {
        "source": pa.Column(str, pa.Check.str_length(min_value=1)),
        "post_id": pa.Column(str, pa.Check.str_length(min_value=1)),
        "title": pa.Column(str, pa.Check.str_length(min_value=2)),
        "url": pa.Column(str, pa.Check.str_matches(r"^https?://")),
        "posted_date": pa.Column("datetime64[us]", nullable=True),
        "apply_start": pa.Column("datetime64[us, Asia/Seoul]", nullable=True),
        "apply_end": pa.Column("datetime64[us, Asia/Seoul]", nullable=True),
        # issue #12: the period reader's flags, evidence and where it read the period
        "apply_rolling": pa.Column(bool),
        "apply_extended": pa.Column(bool),
        "period_origin": pa.Column(
            object, pa.Check.isin(["field", "title", "body"]), nullable=True
        ),
    },
    checks=[
        pa.Check(
            lambda df: (
                df["apply_end"].isna()
                | df["apply_start"].isna()
                | (df["apply_end"] >= df["apply_start"])
            ),
            name="period_ends_after_start",
            error="period_ends_after_start: the application period ends before it starts",
        )
    ],
)

OBSERVATION_SCHEMA = pa.DataFrameSchema(
    {
        "source": pa.Column(str, pa.Check.str_length(min_value=1)),
        "table_id": pa.Column(str, pa.Check.str_length(min_value=1)),
        "indicator_id": pa.Column(str, pa.Check.str_length(min_value=1)),
        "region_code": pa.Column(str, pa.Check.str_matches(r"^\d{5}$")),
        "period_type": pa.Column(str, pa.Check.isin(list(PERIOD_PATTERNS))),
        "period": pa.Column(str),
        "value": pa.Column(float, nullable=True),
        "unit": pa.Column(str, pa.Check.str_length(min_value=1)),
    },
    checks=[
        pa.Check(
            lambda df: pd.Series(
                [
                    bool(re.match(PERIOD_PATTERNS.get(t, "^$"), p))
                    for t, p in zip(df["period_type"], df["period"], strict=True)
                ],
                index=df.index,
            ),
            name="period_matches_type",
            error="period_matches_type: the period is not written as its period type requires",
        )
    ],
)


@dataclass
class Validated:
    good: pd.DataFrame
    quarantined: list[dict[str, Any]] = field(default_factory=list)


def _json_default(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _quarantine_row(record: dict[str, Any], rule: str, reason: str) -> dict[str, Any]:
    return {
        "source": record.get("source"),
        "fetch_id": record.get("fetch_id"),
        "record": json.dumps(record, ensure_ascii=False, default=_json_default, sort_keys=True),
        "rule": rule,
        "reason": reason,
    }


def parse_number(value: Any) -> tuple[float | None, bool]:
    """A figure as a float: ``(value, ok)``; '-' and empty cells are missing, not zero."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None, True
    if isinstance(value, int | float):
        return float(value), True
    text = str(value).strip().replace(",", "")
    if text in MISSING_VALUES:
        return None, True
    if _NUMBER.match(text):
        return float(text), True
    return None, False


def _as_text(frame: pd.DataFrame, columns: list[str]) -> None:
    """Text columns as Python strings with None for missing (never NaN, never 'nan')."""
    for column in columns:
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)


def _coerce_announcements(records: list[dict[str, Any]]) -> tuple[pd.DataFrame, list[dict]]:
    frame = pd.DataFrame(records).reindex(columns=ANNOUNCEMENT_COLUMNS)
    failures = []
    for column in ("apply_start", "apply_end"):
        typed = pd.to_datetime(frame[column], errors="coerce", utc=True).dt.tz_convert("Asia/Seoul")
        for index in frame.index[typed.isna() & frame[column].notna()]:
            failures.append((index, f"{column}_is_datetime", f"{column} is not a date and time"))
        frame[column] = typed.astype("datetime64[us, Asia/Seoul]")
    posted = pd.to_datetime(frame["posted_date"], errors="coerce")
    for index in frame.index[posted.isna() & frame["posted_date"].notna()]:
        failures.append((index, "posted_date_is_date", "posted_date is not a date"))
    frame["posted_date"] = posted.astype("datetime64[us]")
    for column in ANNOUNCEMENT_FLAGS:
        frame[column] = pd.Series(
            [bool(v) if v is not None and not pd.isna(v) else False for v in frame[column]],
            index=frame.index,
            dtype=bool,
        )
    for column in ("attachments", "raw_payload"):
        frame[column] = frame[column].map(
            lambda v: (
                json.dumps(v, ensure_ascii=False, default=str) if isinstance(v, list | dict) else v
            )
        )
    _as_text(frame, [c for c in ANNOUNCEMENT_COLUMNS if frame[c].dtype.kind not in "Mmb"])
    for column in ("source", "post_id", "title", "url"):
        frame[column] = frame[column].map(lambda v: "" if v is None else str(v).strip())
    return frame, failures


def _coerce_observations(records: list[dict[str, Any]]) -> tuple[pd.DataFrame, list[dict]]:
    frame = pd.DataFrame(records).reindex(columns=OBSERVATION_COLUMNS)
    failures = []
    parsed = [parse_number(v) for v in frame["value"]]
    for index, (_, ok) in zip(frame.index, parsed, strict=True):
        if not ok:
            failures.append(
                (index, "value_is_number", f"value {frame.at[index, 'value']!r} is not a number")
            )
    frame["value"] = pd.Series([v for v, _ in parsed], index=frame.index, dtype=float)
    _as_text(frame, [c for c in OBSERVATION_COLUMNS if c not in ("value", "as_of")])
    for column in ("source", "table_id", "indicator_id", "region_code", "period", "period_type"):
        frame[column] = frame[column].map(lambda v: "" if v is None else str(v).strip())
    frame["unit"] = frame["unit"].map(lambda v: "" if v is None else str(v).strip())
    frame["as_of"] = pd.to_datetime(frame["as_of"], errors="coerce").dt.date
    return frame, failures


COERCERS = {"announcement": _coerce_announcements, "observation": _coerce_observations}
SCHEMAS = {"announcement": ANNOUNCEMENT_SCHEMA, "observation": OBSERVATION_SCHEMA}


def validate_records(record_type: str, records: list[dict[str, Any]]) -> Validated:
    """Type and check ``records``; return the good rows and the quarantined ones."""
    if not records:
        return Validated(pd.DataFrame(columns=COERCERS[record_type]([])[0].columns))
    frame, failures = COERCERS[record_type](records)
    bad: dict[int, tuple[str, str]] = {index: (rule, reason) for index, rule, reason in failures}
    try:
        SCHEMAS[record_type].validate(frame.drop(index=list(bad)), lazy=True)
    except pa.errors.SchemaErrors as exc:
        for case in exc.failure_cases.itertuples():
            if pd.isna(case.index):
                continue
            if case.schema_context == "DataFrameSchema":
                rule, reason = str(case.check), str(case.check)
            else:
                rule = f"{case.column}:{case.check}"
                reason = f"{case.column} failed {case.check} (value {case.failure_case!r})"
            bad.setdefault(int(case.index), (rule, reason))
    quarantined = [_quarantine_row(records[i], *bad[i]) for i in sorted(bad)]
    return Validated(frame.drop(index=list(bad)).reset_index(drop=True), quarantined)
