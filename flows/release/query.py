"""``fez query``: read-only SQL on the latest release's files or on the warehouse, with the
project's own DuckDB (no separately installed CLI).

On a release, each dataset's Parquet file is loaded into an in-memory table named after the
dataset; then the connection loses access to every file, so a query can neither change the
release nor write elsewhere. The warehouse is opened read-only, also without file access.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from flows.release.store import PublishError, latest_id


class QueryError(PublishError):
    pass


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]


def _locked_down(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("set TimeZone = 'Asia/Seoul'")
    con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")


def release_connection(published: Path) -> duckdb.DuckDBPyConnection:
    latest = latest_id(published)
    if latest is None:
        raise QueryError(
            f"no release exists yet in {published} (query the warehouse with --warehouse)"
        )
    release = published / "latest"
    con = duckdb.connect()
    for parquet in sorted(release.glob("*.parquet")):
        con.execute(
            f'create table "{parquet.stem}" as select * from read_parquet(?)', [str(parquet)]
        )
    _locked_down(con)
    return con


def warehouse_connection(warehouse: Path) -> duckdb.DuckDBPyConnection:
    if not warehouse.exists():
        raise QueryError(f"no warehouse at {warehouse} yet (run `fez run` first)")
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.IOException as exc:
        raise QueryError(
            f"cannot open the warehouse read-only: {str(exc).splitlines()[0]}"
        ) from None
    _locked_down(con)
    return con


def run_query(con: duckdb.DuckDBPyConnection, sql: str) -> QueryResult:
    try:
        cursor = con.execute(sql)
        rows = cursor.fetchall()
    except duckdb.Error as exc:
        raise QueryError(" ".join(str(exc).split())) from None
    columns = [d[0] for d in cursor.description or []]
    return QueryResult(columns, rows)
