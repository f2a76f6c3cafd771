"""``changes.json``: per dataset, the rows added, changed and removed against the release
before, matched on the primary key and compared without the volatile bookkeeping columns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from flows.release.datasets import VOLATILE_COLUMNS, Dataset

MAX_KEYS = 1000


def _quoted(columns: list[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def dataset_changes(dataset: Dataset, new: Path, old: Path | None) -> dict[str, Any]:
    """Counts and keys (at most ``MAX_KEYS`` each) of added, changed and removed rows."""
    key = list(dataset.primary_key)
    columns = [c for c in pq.read_schema(new).names if c not in VOLATILE_COLUMNS]
    with duckdb.connect() as con:
        if old is None:
            rows = con.execute(f"select {_quoted(key)} from read_parquet(?)", [str(new)])
            return _summary(rows.fetchall(), [], [])
        old_columns = set(pq.read_schema(old).names)
        if not set(key) <= old_columns:
            added = con.execute(f"select {_quoted(key)} from read_parquet(?)", [str(new)])
            return _summary(added.fetchall(), [], [])
        compared = [c for c in columns if c in old_columns]
        row = f"hash(struct_pack({_quoted(compared)}))"
        diff = con.execute(
            f"""
            with n as (select {_quoted(key)}, {row} as h from read_parquet(?)),
                 o as (select {_quoted(key)}, {row} as h from read_parquet(?))
            select {", ".join(f'coalesce(n."{k}", o."{k}")' for k in key)},
                case when o.h is null then 'added' when n.h is null then 'removed'
                     else 'changed' end as change
            from n full outer join o on {" and ".join(f'n."{k}" = o."{k}"' for k in key)}
            where n.h is distinct from o.h or {len(columns) != len(compared)}
            order by all
            """,
            [str(new), str(old)],
        ).fetchall()
    by_kind: dict[str, list] = {"added": [], "changed": [], "removed": []}
    for *keys, kind in diff:
        by_kind[kind].append(keys)
    return _summary(by_kind["added"], by_kind["changed"], by_kind["removed"])


def no_changes() -> dict[str, Any]:
    return _summary([], [], [])


def _summary(added: list, changed: list, removed: list) -> dict[str, Any]:
    def keys(rows: list) -> list:
        return [r[0] if len(r) == 1 else list(r) for r in rows[:MAX_KEYS]]

    return {
        "added": len(added),
        "changed": len(changed),
        "removed": len(removed),
        "added_keys": keys(added),
        "changed_keys": keys(changed),
        "removed_keys": keys(removed),
    }
