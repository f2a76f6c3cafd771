"""The DuckDB warehouse: opening it with clear errors, the ``raw`` schema, idempotent loads.

The ``raw`` tables' DDL is generated from the record contract (``expectations/contract.py``).

Loads merge on natural keys plus a content hash: the same record seen again only moves its
``last_seen``; an edited post or a revised figure is a new version row. Each source is loaded
in one transaction with its ``source_runs`` row, so a failure (or a kill) leaves nothing
half-written.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from expectations.contract import missing_columns_ddl, raw_ddl

ANNOUNCEMENT_CONTENT = [
    "url", "title", "posted_date", "department", "category_hint", "apply_start", "apply_end",
    "status_hint", "body_text", "attachments",
    "apply_rolling", "apply_extended", "period_evidence", "period_origin", "programme_title",
]  # fmt: skip
OBSERVATION_CONTENT = ["value", "unit", "as_of"]

_LOCK_PID = re.compile(r"PID (\d+)")


class WarehouseLockedError(RuntimeError):
    """Another process holds DuckDB's write lock on the warehouse file."""


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-write, naming the lock holder if another process has it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path))
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            raise
        pid = _LOCK_PID.search(str(exc))
        holder = f" by process {pid.group(1)}" if pid else ""
        raise WarehouseLockedError(
            f"the warehouse {path} is locked{holder}; DuckDB allows one writer at a time"
        ) from None
    con.execute("set autoinstall_known_extensions = false")
    create_raw_schema(con)
    return con


def create_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """The ``raw`` tables as the record contract defines them; a warehouse made by an earlier
    version gains the columns added since (nullable, empty for the rows it holds)."""
    con.execute(raw_ddl())
    existing: dict[str, set[str]] = {}
    for table, column in con.execute(
        "select table_name, column_name from information_schema.columns where table_schema = 'raw'"
    ).fetchall():
        existing.setdefault(table, set()).add(column)
    for statement in missing_columns_ddl(existing):
        con.execute(statement)


def _hash(row: dict[str, Any], columns: Iterable[str]) -> str:
    def plain(value: Any) -> Any:
        if value is None or (not isinstance(value, str | list | dict) and pd.isna(value)):
            return None
        return value.isoformat() if hasattr(value, "isoformat") else value

    payload = json.dumps({c: plain(row.get(c)) for c in columns}, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def with_hash(frame: pd.DataFrame, column: str, content: list[str]) -> pd.DataFrame:
    frame = frame.copy()
    frame[column] = [_hash(row, content) for row in frame.to_dict("records")]
    return frame


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Everything inside commits together, or (on an error, or a kill) not at all."""
    con.execute("begin transaction")
    try:
        yield
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def load_source(con: duckdb.DuckDBPyConnection, **rows: Any) -> int:
    """``merge_source`` in a transaction of its own: one source's rows (with its
    ``source_runs`` row, when given) all written, or none."""
    with transaction(con):
        return merge_source(con, **rows)


def merge_source(
    con: duckdb.DuckDBPyConnection,
    *,
    run_id: str,
    record_type: str,
    good: pd.DataFrame,
    quarantined: list[dict[str, Any]],
    fetch_rows: list[dict[str, Any]],
    loaded_at: datetime,
    removals: list[dict[str, Any]] | None = None,
    source_run: dict[str, Any] | None = None,
) -> int:
    """Merge one source's rows, inside the caller's transaction; return how many records
    gained a version (a record met twice in one run counts once). ``removals`` are the
    crawler's tombstones (source, post_id, reason, fetch_id). ``source_run``: the source's
    ``raw.source_runs`` row, written with its ``new_records``, so a run killed in between
    never leaves versions that no run counted."""
    if fetch_rows:
        fetches = pd.DataFrame(fetch_rows)  # noqa: F841 (read by DuckDB below)
        con.execute("insert or ignore into raw.fetch_log by name select * from fetches")
    if quarantined:
        rows = pd.DataFrame(quarantined).assign(run_id=run_id, quarantined_at=loaded_at)  # noqa: F841
        con.execute("insert into raw.quarantine by name select * from rows")
    if removals:
        gone = pd.DataFrame(removals).assign(removed_at=loaded_at, run_id=run_id)  # noqa: F841
        con.execute("insert or ignore into raw.announcement_removals by name select * from gone")
    new = _merge(con, record_type, good, run_id, loaded_at) if len(good) else 0
    if source_run is not None:
        record_source_run(con, {**source_run, "new_records": new})
    return new


def _merge(con, record_type: str, good: pd.DataFrame, run_id: str, loaded_at: datetime) -> int:
    if record_type == "announcement":
        table, key, content, hash_column = (
            "raw.announcements",
            ["source", "post_id"],
            ANNOUNCEMENT_CONTENT,
            "content_hash",
        )
    else:
        table, key, content, hash_column = (
            "raw.observations",
            ["source", "table_id", "indicator_id", "region_code", "period"],
            OBSERVATION_CONTENT,
            "version_hash",
        )
    rows = with_hash(good, hash_column, content).drop_duplicates([*key, hash_column], keep="last")
    rows = rows.assign(first_seen=loaded_at, last_seen=loaded_at, run_id=run_id)
    conflict = ", ".join([*key, hash_column])
    # New records, not new rows: two versions of one record met in the same run count once.
    distinct_keys = f"count(distinct ({', '.join(key)}))"
    new = con.execute(
        f"select {distinct_keys} from rows anti join {table} using ({conflict})"
    ).fetchone()[0]
    con.execute(
        f"insert into {table} by name select * from rows on conflict ({conflict}) "
        "do update set last_seen = excluded.last_seen, fetch_id = excluded.fetch_id, "
        "run_id = excluded.run_id"
    )
    return new


def record_source_run(con: duckdb.DuckDBPyConnection, row: dict[str, Any]) -> None:
    frame = pd.DataFrame([row])  # noqa: F841
    con.execute("insert or replace into raw.source_runs by name select * from frame")
