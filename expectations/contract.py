"""The record contract: one pandera model per record type, and the raw tables built from them.

Each record type (announcement, attachment, observation, industrial-complex figure) is a
pandera ``DataFrameModel``: its fields name the record's keys, its checks are the row rules.
Parsers build records with these fields (``record_fields``), ``expectations.rows`` validates
and quarantines against them, and the warehouse's ``raw`` DDL (``raw_ddl``) and the dbt
``sources.yml`` column docs (``expectations.sources_yml``) are generated from them. The SQL
type of a field follows its pandas type unless its metadata names one (``{"sql": "date"}``).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import pandas as pd
import pandera.pandas as pa
from pandera.engines import pandas_engine
from pandera.typing import Series

from sources.parsers.observations import period_start
from sources.parsers.regions import REGION_CODES_CSV, region_codes

KST = ZoneInfo("Asia/Seoul")
SEEDS = Path(__file__).parents[1] / "dbt_project" / "seeds"
COMPLEX_SCHEME = "kicox_complex"
PERIOD_PATTERNS = {
    "year": r"^\d{4}$",
    "half": r"^\d{4}-H[12]$",
    "quarter": r"^\d{4}-Q[1-4]$",
    "month": r"^\d{4}-(0[1-9]|1[0-2])$",
    "day": r"^\d{4}-\d{2}-\d{2}$",
}
PERIOD_ORIGINS = ("field", "title", "body")
# The day after tomorrow in KST: a post dated later than that is a misread date.
POSTED_DATE_SLACK = timedelta(days=1)

Text = Series[str]
Moment = Series[Annotated[pd.DatetimeTZDtype, "us", "Asia/Seoul"]]


def _doc(description: str, sql: str | None = None, **kwargs) -> object:
    return pa.Field(description=description, metadata={"sql": sql} if sql else None, **kwargs)


@cache
def known_units() -> frozenset[str]:
    """The units of the ``units`` seed: a figure in any other unit is quarantined."""
    with (SEEDS / "units.csv").open(encoding="utf-8", newline="") as handle:
        return frozenset(row["unit"] for row in csv.DictReader(handle))


def _valid_period(period_type: str, period: str) -> bool:
    if not re.match(PERIOD_PATTERNS.get(period_type, "^$"), period):
        return False
    if period_type == "day":
        try:
            date.fromisoformat(period)
        except ValueError:
            return False
    return True


class Announcement(pa.DataFrameModel):
    """A post on an institution's board, API or feed, as its parser reads it."""

    source: Text = _doc("The declared source (a file in `sources/`).", str_length={"min_value": 1})
    institution: Text = _doc("The institution that published it.", nullable=True)
    post_id: Text = _doc("The post's id on its site.", str_length={"min_value": 1})
    url: Text = _doc("Link to the post on its site.", str_matches=r"^https?://")
    title: Text = _doc("Full title as the site gives it.", str_length={"min_value": 2})
    posted_date: Series[pd.Timestamp] = _doc(
        "Date the post was published (KST).", "date", nullable=True
    )
    department: Text = _doc("Department or host agency named by the site.", nullable=True)
    category_hint: Text = _doc("The site's own category, if any.", nullable=True)
    apply_start: Moment = _doc("Start of the application period (KST), if given.", nullable=True)
    apply_end: Moment = _doc("End of the application period (KST), if given.", nullable=True)
    status_hint: Text = _doc("The site's own status (e.g. 마감), if any.", nullable=True)
    body_text: Text = _doc("The post's text.", nullable=True)
    attachments: Text = _doc(
        "Attachments (name, url, size) as a JSON array.", "json", nullable=True
    )
    raw_payload: Text = _doc("The API's item as received, for API sources.", "json", nullable=True)
    fetch_id: Text = _doc("The HTTP exchange the record was read from.", nullable=True)
    # the application period as sources/parsers/periods.py reads it (issue #12)
    apply_rolling: Series[bool] = _doc(
        "True for an open-ended call (상시 접수, 예산 소진 시까지) that states no deadline."
    )
    apply_extended: Series[bool] = _doc("True when the deadline was read from an extension.")
    period_evidence: Text = _doc("The text the period was read from.", nullable=True)
    period_origin: Text = _doc(
        "Where the period was read: field (the source's own), title or body.",
        isin=list(PERIOD_ORIGINS),
        nullable=True,
    )
    programme_title: Text = _doc(
        "The programme's title without year and round, linking copies and re-posts.", nullable=True
    )

    @pa.dataframe_check(
        name="period_ends_after_start",
        error="period_ends_after_start: the application period ends before it starts",
    )
    def period_ends_after_start(cls, df: pd.DataFrame) -> pd.Series:
        return (
            df["apply_end"].isna()
            | df["apply_start"].isna()
            | (df["apply_end"] >= df["apply_start"])
        )

    @pa.dataframe_check(
        name="posted_date_not_future",
        error="posted_date_not_future: the post is dated after tomorrow (KST)",
    )
    def posted_date_not_future(cls, df: pd.DataFrame) -> pd.Series:
        latest = pd.Timestamp(datetime.now(KST).date() + POSTED_DATE_SLACK)
        return df["posted_date"].isna() | (df["posted_date"] <= latest)


class Attachment(pa.DataFrameModel):
    """A file attached to a post; a post with a bad attachment is quarantined whole."""

    name: Text = _doc("File name as the site shows it.", str_length={"min_value": 1})
    url: Text = _doc("Download link.", str_matches=r"^https?://")
    size: Text = _doc("Size as the site writes it (e.g. 120KB), if shown.", nullable=True)


class Observation(pa.DataFrameModel):
    """One statistical figure: a value of an indicator for a region and a period."""

    source: Text = _doc("The declared source.", str_length={"min_value": 1})
    table_id: Text = _doc(
        "The source's table (KOSIS tblId, ECOS code, data.go.kr dataset).",
        str_length={"min_value": 1},
    )
    indicator_id: Text = _doc("Table id and item id joined by a dot.", str_length={"min_value": 1})
    indicator_name: Text = _doc("The indicator's name as the source gives it.", nullable=True)
    region_code: Text = _doc("Five-digit administrative code.", str_matches=r"^\d{5}$")
    region_name: Text = _doc("The region's name as the source gives it.", nullable=True)
    period: Text = _doc("The period: 2025, 2025-H1, 2025-Q3, 2025-09 or 2025-09-30.")
    period_type: Text = _doc("year, half, quarter, month or day.", isin=list(PERIOD_PATTERNS))
    value: Series[float] = _doc(
        "The figure; null where the source marks it missing.", nullable=True
    )
    unit: Text = _doc("The unit, one of the `units` seed.", isin=sorted(known_units()))
    as_of: Series[pandas_engine.Date] = _doc(
        "The source's revision date of the figure, if given.", "date", nullable=True
    )
    note: Text = _doc(
        "The publisher's note on the figure (e.g. how it was verified).", nullable=True
    )
    fetch_id: Text = _doc("The HTTP exchange the record was read from.", nullable=True)

    @pa.dataframe_check(
        name="period_matches_type",
        error="period_matches_type: the period is not written as its period type requires",
    )
    def period_matches_type(cls, df: pd.DataFrame) -> pd.Series:
        pairs = zip(df["period_type"], df["period"], strict=True)
        return pd.Series([_valid_period(t, p) for t, p in pairs], index=df.index)


@cache
def complex_slugs() -> frozenset[str]:
    """The industrial complexes: ``kicox_complex`` codes of the region_codes seed."""
    with REGION_CODES_CSV.open(encoding="utf-8", newline="") as handle:
        return frozenset(
            r["source_code"] for r in csv.DictReader(handle) if r["scheme"] == COMPLEX_SCHEME
        )


def is_complex_figure(indicator_id: str) -> bool:
    """An industrial-complex figure's indicator id ends in ``.<complex slug>``."""
    return "." in indicator_id and indicator_id.rsplit(".", 1)[-1] in complex_slugs()


def _in_complex_region(indicator_id: str, region_code: str, period: str) -> bool:
    try:
        start = period_start(period)
    except ValueError:
        return False
    slug = indicator_id.rsplit(".", 1)[-1]
    return region_codes().lookup(COMPLEX_SCHEME, slug, start) == region_code


class IndustrialComplexFigure(Observation):
    """A figure of one industrial complex (KICOX): an observation whose indicator id ends in a
    complex's slug, placed in the 시군구 the region_codes seed gives that complex for the
    period (the same convention `int_observations__complexes` joins on)."""

    @pa.dataframe_check(
        name="complex_in_its_region",
        error="complex_in_its_region: the complex's figure is not in the region the seed gives it",
    )
    def complex_in_its_region(cls, df: pd.DataFrame) -> pd.Series:
        rows = zip(df["indicator_id"], df["region_code"], df["period"], strict=True)
        return pd.Series([_in_complex_region(*row) for row in rows], index=df.index)


class RawAnnouncement(Announcement):
    """raw.announcements: an announcement record plus what the load adds."""

    content_hash: Text = _doc("Hash of the post's content; a new hash is a new version.")
    first_seen: Moment = _doc("When the pipeline first saw this version.", "timestamptz")
    last_seen: Moment = _doc("When the pipeline last saw this version.", "timestamptz")
    run_id: Text = _doc("The run that last saw this version.")


class RawObservation(Observation):
    """raw.observations: an observation record plus what the load adds."""

    version_hash: Text = _doc("Hash of value, unit and revision date; a new hash is a new version.")
    first_seen: Moment = _doc("When the pipeline first saw this version.", "timestamptz")
    last_seen: Moment = _doc("When the pipeline last saw this version.", "timestamptz")
    run_id: Text = _doc("The run that last saw this version.")


class AnnouncementRemoval(pa.DataFrameModel):
    """raw.announcement_removals: the crawler's tombstone of a post that is gone."""

    source: Text = _doc("The declared source.")
    post_id: Text = _doc("The removed post's id on its site.")
    removed_at: Moment = _doc("When the pipeline loaded the removal.", "timestamptz")
    reason: Text = _doc(
        "What said the post was gone (`HTTP 404`, `HTTP 410`, `deleted post page`).", nullable=True
    )
    fetch_id: Text = _doc("The HTTP exchange that showed the removal.", nullable=True)
    run_id: Text = _doc("The run that saw the removal.")


class Quarantined(pa.DataFrameModel):
    """raw.quarantine: a record held back by a rule, until it is released."""

    source: Text = _doc("The declared source.", nullable=True)
    fetch_id: Text = _doc(
        "The HTTP exchange the record was read from (see fetch_log).", nullable=True
    )
    record_type: Text = _doc("announcement or observation.", nullable=True)
    record: Text = _doc("The record as its parser returned it, as JSON.", "json")
    rule: Text = _doc("The check it failed (`column:check` or the rule's name).")
    reason: Text = _doc("Why, in words, with the failing value.")
    run_id: Text = _doc("The run that quarantined it.")
    quarantined_at: Moment = _doc("When it was quarantined.", "timestamptz")
    released_at: Moment = _doc(
        "When `fez quarantine --release` loaded it after a rule was fixed.",
        "timestamptz",
        nullable=True,
    )


class FetchLog(pa.DataFrameModel):
    """raw.fetch_log: one HTTP exchange and its place in the WARC archive."""

    fetch_id: Text = _doc("Id of the exchange, also on every record it produced.")
    run_id: Text = _doc("The run that made it.")
    source: Text = _doc("The declared source.")
    method: Text = _doc("HTTP method.", nullable=True)
    url: Text = _doc("The URL asked for (secrets redacted).")
    fetched_at: Moment = _doc("When the answer arrived.", "timestamptz")
    status: Series[pd.Int32Dtype] = _doc("HTTP status.", nullable=True)
    bytes: Series[pd.Int64Dtype] = _doc("Size of the body.", nullable=True)
    sha256: Text = _doc("SHA-256 of the body.", nullable=True)
    duration_ms: Series[float] = _doc("Time to the whole answer.", nullable=True)
    error: Text = _doc("Why the exchange failed, if it did.", nullable=True)
    warc_file: Text = _doc("The WARC file holding the answer.", nullable=True)
    warc_offset: Series[pd.Int64Dtype] = _doc(
        "Offset of its record in the WARC file.", nullable=True
    )
    request_kind: Text = _doc("list, detail, data or robots.", nullable=True)
    attempt: Series[pd.Int32Dtype] = _doc("Attempt number (retries count up).", nullable=True)
    outcome: Text = _doc("What the crawler made of the answer.", nullable=True)
    not_modified: Series[pd.BooleanDtype] = _doc(
        "True when the server answered 304.", nullable=True
    )
    deferred: Series[pd.BooleanDtype] = _doc(
        "True when the request was put off to a later run.", nullable=True
    )


class SourceRun(pa.DataFrameModel):
    """raw.source_runs: one source in one run, with its outcome."""

    run_id: Text = _doc("The run.")
    source: Text = _doc("The declared source.")
    started_at: Moment = _doc("When the source's crawl started.", "timestamptz")
    finished_at: Moment = _doc("When its rows were loaded.", "timestamptz")
    status: Text = _doc("ok, partial, failing, no_data, layout_changed or skipped.")
    fetched: Series[pd.Int32Dtype] = _doc("HTTP exchanges made.", nullable=True)
    records: Series[pd.Int32Dtype] = _doc("Records that passed validation.", nullable=True)
    new_records: Series[pd.Int32Dtype] = _doc("New versions loaded.", nullable=True)
    quarantined: Series[pd.Int32Dtype] = _doc("Records quarantined.", nullable=True)
    message: Text = _doc("The first error or warning, if any.", nullable=True)


RECORD_MODELS: dict[str, type[pa.DataFrameModel]] = {
    "announcement": Announcement,
    "attachment": Attachment,
    "observation": Observation,
    "industrial_complex_figure": IndustrialComplexFigure,
}


@dataclass(frozen=True)
class RawTable:
    """A table of the warehouse's ``raw`` schema and the model it is generated from."""

    name: str
    model: type[pa.DataFrameModel]
    primary_key: tuple[str, ...] = ()


RAW_TABLES = (
    RawTable("fetch_log", FetchLog, ("fetch_id",)),
    RawTable("announcements", RawAnnouncement, ("source", "post_id", "content_hash")),
    RawTable("announcement_removals", AnnouncementRemoval, ("source", "post_id", "removed_at")),
    RawTable(
        "observations",
        RawObservation,
        ("source", "table_id", "indicator_id", "region_code", "period", "version_hash"),
    ),
    RawTable("quarantine", Quarantined),
    RawTable("source_runs", SourceRun, ("run_id", "source")),
)
_SQL_TYPES = {
    "float64": "double",
    "Int32": "integer",
    "Int64": "bigint",
    "boolean": "boolean",
    "bool": "boolean",
    "date": "date",
}


def record_fields(record_type: str) -> list[str]:
    """The keys of a record of ``record_type``, in the model's order."""
    return list(RECORD_MODELS[record_type].to_schema().columns)


def sql_type(column: pa.Column) -> str:
    """The DuckDB type of a model's column: its metadata's ``sql``, else from its pandas type."""
    if column.metadata and column.metadata.get("sql"):
        return column.metadata["sql"]
    dtype = str(column.dtype)
    if dtype.startswith("datetime64") and "," in dtype:
        return "timestamptz"
    if "str" in dtype:
        return "varchar"
    return _SQL_TYPES[dtype]


def table_columns(table: RawTable) -> list[tuple[str, str, bool, str]]:
    """``(name, sql type, nullable, description)`` of each column of a raw table."""
    return [
        (name, sql_type(column), column.nullable, column.description or "")
        for name, column in table.model.to_schema().columns.items()
    ]


def raw_ddl() -> str:
    """``create schema`` and one ``create table if not exists`` per raw table."""
    statements = ["create schema if not exists raw;"]
    for table in RAW_TABLES:
        lines = [
            f"    {name} {kind}{'' if nullable else ' not null'}"
            for name, kind, nullable, _ in table_columns(table)
        ]
        if table.primary_key:
            lines.append(f"    primary key ({', '.join(table.primary_key)})")
        body = ",\n".join(lines)
        statements.append(f"create table if not exists raw.{table.name} (\n{body}\n);")
    return "\n".join(statements) + "\n"


def missing_columns_ddl(existing: dict[str, set[str]]) -> list[str]:
    """``alter table`` statements adding the model columns a warehouse made by an earlier
    version lacks (``existing``: table → its columns); added columns are nullable."""
    return [
        f"alter table raw.{table.name} add column {name} {kind}"
        for table in RAW_TABLES
        for name, kind, _, _ in table_columns(table)
        if table.name in existing and name not in existing[table.name]
    ]
