"""One dataset as Parquet (zstd), CSV (UTF-8 with BOM) and JSON, byte for byte the same for
the same content: rows sorted by the primary key, columns in the mart's order, timestamps in
KST with their offset (+09:00)."""

from __future__ import annotations

import codecs
import hashlib
import shutil
from pathlib import Path

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


def _text_columns(schema: pa.Schema) -> str:
    """The select list for the text formats: timestamps as ISO 8601 in KST with their offset
    (``2025-10-01T09:00:00+09:00``; fractions of a second only when there are any)."""
    columns = []
    for field in schema:
        name = f'"{field.name}"'
        if pa.types.is_timestamp(field.type) and field.type.tz is not None:
            text = f"regexp_replace(strftime({name}, '%Y-%m-%dT%H:%M:%S.%f'), '\\.?0+$', '')"
            columns.append(f"{text} || '{KST}' as {name}")
        else:
            columns.append(name)
    return ", ".join(columns)


def write_dataset(table: pa.Table, directory: Path, name: str) -> list[Path]:
    """Write ``name``.parquet/.csv/.json into ``directory``; returns the files written.

    DuckDB writes the CSV and JSON in the table's order: column by column, fast enough for
    millions of rows."""
    pq.write_table(table, directory / f"{name}.parquet", compression="zstd")
    csv_path, plain = directory / f"{name}.csv", directory / f".{name}.csv.plain"
    json_path = directory / f"{name}.json"
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'Asia/Seoul'")
        con.register("dataset", table)
        rows = f"select {_text_columns(table.schema)} from dataset"
        con.execute(f"copy ({rows}) to '{plain}' (format csv, header true)")
        con.execute(f"copy ({rows}) to '{json_path}' (format json, array true)")
    try:
        with plain.open("rb") as source, csv_path.open("wb") as target:
            target.write(codecs.BOM_UTF8)
            shutil.copyfileobj(source, target, 1 << 20)
    finally:
        plain.unlink(missing_ok=True)
    return [directory / f"{name}.{suffix}" for suffix in FORMATS]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
