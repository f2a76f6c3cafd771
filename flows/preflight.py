"""What a command needs before it starts, checked without writing anything.

A command run too early (``fez check`` on a fresh data dir, ``fez reparse`` with nothing
archived) or pointed at something missing (``--replay /nowhere``) gets one line saying what
to run or fix, before the data dir, the run lock or the warehouse is created.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb

from sources.fetch.archive import warc_files


class NotReadyError(RuntimeError):
    """The data dir lacks what this command works on; the message says what to run first."""


class ReplaySourceError(ValueError):
    """``--replay PATH`` names nothing that can answer requests."""


def require_warehouse(warehouse: Path) -> None:
    if not warehouse.exists():
        raise NotReadyError(f"no warehouse yet at {warehouse}: run `fez run` first")


def existing_relations(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Every table and view of the warehouse as ``schema.name``."""
    rows = con.execute("select table_schema, table_name from information_schema.tables")
    return {f"{schema}.{name}" for schema, name in rows.fetchall()}


def require_relations(warehouse: Path, relations: Iterable[str]) -> None:
    """The marts (``schema.table``) must be built; a warehouse busy with a run is not judged
    here (the run lock answers for it)."""
    require_warehouse(warehouse)
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return
    with con:
        present = existing_relations(con)
    missing = [r for r in relations if r not in present]
    if missing:
        more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        raise NotReadyError(
            f"the marts are not built yet (no {missing[0]}{more}): run `fez transform` first"
        )


def require_archive(raw_dir: Path) -> None:
    if not raw_dir.is_dir() or not warc_files([raw_dir]):
        raise NotReadyError(f"nothing archived yet under {raw_dir}: run `fez fetch` first")


def check_replay_source(path: Path) -> None:
    """The checks of ``open_replay``, made before anything is written."""
    if not path.exists():
        raise ReplaySourceError(f"replay source {path} does not exist")
    if path.is_dir() and any(path.glob("*/manifest.yaml")):
        return
    if not warc_files([path]):
        raise ReplaySourceError(
            f"replay source {path} holds no */manifest.yaml and no .warc.gz file"
        )
