"""What the flow asks of dbt besides ``build``: source freshness, quarantine counts, docs.

Freshness comes from dbt's own ``sources.json`` (a stale source is a result, not a failure of
the command); quarantine counts from ``raw.quarantine`` (records held back by the record
contract, attributed to a run id); docs are ``dbt docs generate`` output
copied where the release can pick them up.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import duckdb

from flows.transform import DbtFailedError, run_dbt

NO_DATA = "no data"
DOCS_FILES = ("index.html", "static_index.html", "manifest.json", "catalog.json")


class Freshness(NamedTuple):
    source: str
    status: str
    max_loaded_at: datetime | None


def _target_dir(data_dir: Path) -> Path:
    return data_dir.absolute() / "dbt" / "target"


def source_freshness(warehouse: Path, data_dir: Path) -> list[Freshness]:
    """Each raw table's freshness and its newest load.

    The status is dbt's (pass, warn, error, runtime error), or ``no data`` for a table (or a
    cadence of figures) that holds no rows yet.
    """
    results_file = _target_dir(data_dir) / "sources.json"
    results_file.unlink(missing_ok=True)
    try:
        run_dbt(["source", "freshness"], warehouse, data_dir, log_level="none")
    except DbtFailedError:
        if not results_file.exists():
            raise
    results = json.loads(results_file.read_text())["results"]
    rows = []
    for result in results:
        loaded = (
            datetime.fromisoformat(result["max_loaded_at"]) if result.get("max_loaded_at") else None
        )
        empty = loaded is None or loaded.year == 1  # dbt's answer for a table with no rows
        rows.append(
            Freshness(
                source=result["unique_id"].removeprefix("source.fez."),
                status=NO_DATA if empty else result["status"],
                max_loaded_at=None if empty else loaded,
            )
        )
    return sorted(rows)


def quarantine_counts(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    """Records quarantined in a run (by the record contract), per source."""
    rows = con.execute(
        "select coalesce(source, '?'), count(*) from raw.quarantine where run_id = ? "
        "group by 1 order by 1",
        [run_id],
    ).fetchall()
    return dict(rows)


def generate_docs(warehouse: Path, data_dir: Path, out_dir: Path) -> Path:
    """Run ``dbt docs generate`` and copy the site (and its single-file variant) to ``out_dir``.

    ``--no-compile``: the site shows each model's SQL as written, its lineage, descriptions
    and the catalog's columns; compiling every node again only for the docs' "compiled"
    tab costs a few seconds of every release."""
    run_dbt(["docs", "generate", "--static", "--no-compile"], warehouse, data_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = _target_dir(data_dir)
    for name in DOCS_FILES:
        if (target / name).exists():
            shutil.copy2(target / name, out_dir / name)
    return out_dir
