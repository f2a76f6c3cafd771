"""Row-level validation (pandera) of parsed records before they are loaded.

The rules are the record models of ``expectations/contract.py``. Types are coerced here
first, one column at a time, so that a value that cannot be typed is reported for its own row
instead of hiding the column's other failures (pandera's coercion fails a whole column). Rows
that fail any rule go to quarantine with the rule and the reason; the others continue.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pandera.pandas as pa

from expectations.contract import (
    Announcement,
    Attachment,
    IndustrialComplexFigure,
    Observation,
    is_complex_figure,
    record_fields,
)
from sources.parsers.observations import MISSING

ANNOUNCEMENT_COLUMNS = record_fields("announcement")
OBSERVATION_COLUMNS = record_fields("observation")
ATTACHMENT_COLUMNS = record_fields("attachment")
ANNOUNCEMENT_FLAGS = ["apply_rolling", "apply_extended"]
MISSING_VALUES = MISSING | {"nan", "None"}
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


@dataclass
class Validated:
    good: pd.DataFrame
    quarantined: list[dict[str, Any]] = field(default_factory=list)
    held: list[int] = field(default_factory=list)  # positions of the quarantined records


def _json_default(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _quarantine_row(
    record_type: str, record: dict[str, Any], rule: str, reason: str
) -> dict[str, Any]:
    return {
        "source": record.get("source"),
        "fetch_id": record.get("fetch_id"),
        "record_type": record_type,
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
    as_of = pd.to_datetime(frame["as_of"], errors="coerce")
    frame["as_of"] = pd.Series(
        [None if pd.isna(day) else day.date() for day in as_of], index=frame.index, dtype=object
    )
    return frame, failures


COERCERS = {"announcement": _coerce_announcements, "observation": _coerce_observations}


def _failures(
    model: type[pa.DataFrameModel], frame: pd.DataFrame, prefix: str = ""
) -> dict[int, tuple[str, str]]:
    """The first failed check of each failing row of ``frame``: ``index → (rule, reason)``."""
    bad: dict[int, tuple[str, str]] = {}
    try:
        model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        for case in exc.failure_cases.itertuples():
            if pd.isna(case.index):
                continue
            if case.schema_context == "DataFrameSchema":
                rule, reason = str(case.check).split(":", 1)[0], str(case.check)
            else:
                rule = f"{prefix}{case.column}:{str(case.check).split('(', 1)[0]}"
                reason = f"{prefix}{case.column} failed {case.check} (value {case.failure_case!r})"
            bad.setdefault(int(case.index), (rule, reason))
    return bad


def _attachment_failures(records: list[dict[str, Any]]) -> dict[int, tuple[str, str]]:
    """Posts whose attachments break the attachment model (each post is checked whole)."""
    rows, owners = [], []
    for index, record in enumerate(records):
        attachments = record.get("attachments") or []
        if not isinstance(attachments, list):
            attachments = [attachments]
        for attachment in attachments:
            item = attachment if isinstance(attachment, dict) else {"name": attachment}
            rows.append({c: item.get(c) for c in ATTACHMENT_COLUMNS})
            owners.append(index)
    if not rows:
        return {}
    frame = pd.DataFrame(rows, columns=ATTACHMENT_COLUMNS).astype(object)
    _as_text(frame, ATTACHMENT_COLUMNS)
    bad: dict[int, tuple[str, str]] = {}
    for row, failure in _failures(Attachment, frame, prefix="attachments.").items():
        bad.setdefault(owners[row], failure)
    return bad


def _rule_failures(record_type: str, frame: pd.DataFrame, records: list) -> dict:
    if record_type == "announcement":
        return {**_attachment_failures(records), **_failures(Announcement, frame)}
    complex_rows = frame["indicator_id"].map(is_complex_figure).astype(bool)
    return {
        **_failures(Observation, frame[~complex_rows]),
        **_failures(IndustrialComplexFigure, frame[complex_rows]),
    }


def validate_records(record_type: str, records: list[dict[str, Any]]) -> Validated:
    """Type and check ``records`` against their record model; return the good rows and the
    quarantined ones (one row each, with the first rule it failed)."""
    if not records:
        return Validated(pd.DataFrame(columns=COERCERS[record_type]([])[0].columns))
    frame, failures = COERCERS[record_type](records)
    bad: dict[int, tuple[str, str]] = {index: (rule, reason) for index, rule, reason in failures}
    for index, failure in _rule_failures(record_type, frame.drop(index=list(bad)), records).items():
        bad.setdefault(index, failure)
    held = sorted(bad)
    quarantined = [_quarantine_row(record_type, records[i], *bad[i]) for i in held]
    return Validated(frame.drop(index=held).reset_index(drop=True), quarantined, held)


def validate_batches(record_type: str, batches: list[list[dict[str, Any]]]) -> list[Validated]:
    """``validate_records`` of each batch, validated together: pandera's cost is mostly per
    call, not per row, and every rule is a row's own, so one call for a run's sources gives
    each source what a call of its own would."""
    whole = validate_records(record_type, [record for batch in batches for record in batch])
    owners = [number for number, batch in enumerate(batches) for _ in batch]
    held = dict(zip(whole.held, whole.quarantined, strict=True))
    kept = pd.Series([owner for index, owner in enumerate(owners) if index not in held])
    split, start = [], 0
    for number, batch in enumerate(batches):
        mine = [index for index in held if start <= index < start + len(batch)]
        good = whole.good[(kept == number).to_numpy()].reset_index(drop=True)
        split.append(Validated(good, [held[i] for i in mine], [i - start for i in mine]))
        start += len(batch)
    return split
