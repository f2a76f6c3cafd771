"""The table of SAMPLE notices (tests/fixtures/notices/*.yaml) and how to score a reading.

Each notice is written like the zone's boards write them (see calls.yaml); the expected
category, deadline and rolling flag are what an analyst reading the post would record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import yaml

from sources.parsers.dates import KST
from sources.parsers.periods import END_OF_DAY, Period

FOLDER = Path(__file__).parent / "fixtures" / "notices"
DEFAULT_POSTED = date(2025, 11, 20)


@dataclass(frozen=True)
class Notice:
    key: str
    title: str
    body: str | None
    field: str | None
    posted: date
    hint: str | None
    category: str
    start: datetime | None
    end: datetime | None
    check_start: bool
    rolling: bool
    closed: bool


def _moment(value: object, end: bool) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=KST)
    if isinstance(value, date):
        return datetime.combine(value, END_OF_DAY if end else time(0), KST)
    return datetime.fromisoformat(str(value)).replace(tzinfo=KST)


def load_notices() -> list[Notice]:
    notices = []
    for path in sorted(FOLDER.glob("*.yaml")):
        for index, row in enumerate(yaml.safe_load(path.read_text(encoding="utf-8"))):
            notices.append(
                Notice(
                    key=f"{path.stem}-{index + 1:03d}",
                    title=row["t"],
                    body=row.get("b"),
                    field=row.get("f"),
                    posted=row.get("p", DEFAULT_POSTED),
                    hint=row.get("hint"),
                    category=row["cat"],
                    start=_moment(row.get("start"), end=False),
                    end=_moment(row.get("end"), end=True),
                    check_start="start" in row,
                    rolling=row.get("rolling", False),
                    closed=row.get("closed", False),
                )
            )
    return notices


def deadline_right(notice: Notice, period: Period) -> bool:
    """The deadline (or its absence) as expected, a rolling call read as rolling, and the
    start as expected where the table gives one."""
    if period.end != notice.end or (notice.rolling and not period.rolling):
        return False
    return not notice.check_start or period.start == notice.start
