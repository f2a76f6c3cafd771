"""One dataset as Parquet (zstd), CSV (UTF-8 with BOM) and JSON, byte for byte the same for
the same content: rows sorted by the primary key, columns in the mart's order, timestamps in
KST with their offset (+09:00)."""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from flows.release.datasets import VOLATILE_COLUMNS, Dataset

KST = "+09:00"
FORMATS = ("parquet", "csv", "json")


def read_dataset(con: duckdb.DuckDBPyConnection, dataset: Dataset, empty: bool = False) -> pa.Table:
    """The dataset's rows sorted by its primary key (then every other column, so even a
    duplicate key sorts the same way), timestamps converted to KST. ``empty``: its schema only."""
    columns = [row[0] for row in con.execute(f"describe {dataset.relation}").fetchall()]
    order = [*dataset.primary_key, *(c for c in columns if c not in dataset.primary_key)]
    order_by = ", ".join(f'"{c}" nulls first' for c in order)
    where = " where false" if empty else ""
    table = con.sql(f"select * from {dataset.relation}{where} order by {order_by}").to_arrow_table()
    return in_kst(table)


def in_kst(table: pa.Table) -> pa.Table:
    """Timestamps with a time zone shown at +09:00 (the same instants)."""
    for index, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type) and field.type.tz is not None:
            kst = pa.timestamp(field.type.unit, tz=KST)
            column = pc.cast(table.column(index), kst)
            table = table.set_column(index, pa.field(field.name, kst, field.nullable), column)
    return table.combine_chunks()


def content_hash(table: pa.Table) -> str:
    """sha256 of the rows and schema without the volatile bookkeeping columns.

    Hashed as uncompressed Parquet: Arrow's own buffers may hold any bytes under a null,
    Parquet writes only the values."""
    kept = table.drop_columns([c for c in table.column_names if c in VOLATILE_COLUMNS])
    sink = pa.BufferOutputStream()
    pq.write_table(kept, sink, compression="none")
    return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()


def _text(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(_text(value))


def write_dataset(table: pa.Table, directory: Path, name: str) -> list[Path]:
    """Write ``name``.parquet/.csv/.json into ``directory``; returns the files written."""
    parquet = directory / f"{name}.parquet"
    pq.write_table(table, parquet, compression="zstd")
    rows = table.to_pylist()
    with (directory / f"{name}.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(table.column_names)
        writer.writerows([_csv_cell(v) for v in row.values()] for row in rows)
    lines = (
        json.dumps({k: _text(v) for k, v in row.items()}, ensure_ascii=False, allow_nan=False)
        for row in rows
    )
    (directory / f"{name}.json").write_text(
        "[\n" + ",\n".join(lines) + ("\n" if rows else "") + "]\n", encoding="utf-8"
    )
    return [directory / f"{name}.{suffix}" for suffix in FORMATS]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
