"""Whether a run may skip ``dbt build`` and the quality gate: nothing new since the last
good build.

A build is marked (``raw.build_marks``) only after ``dbt build`` succeeded, the quality gate
passed and the run's release (if it publishes) is out, with the moment statuses were
computed for, the scope built and a hash of the dbt project. A later run skips both steps
when, since that mark, no raw row was loaded (versions, removals, quarantined or released
rows), the project is unchanged, and no announcement's status or days left can have moved
between the two moments: the KST day is the same and no ``apply_start``, ``apply_end`` or
``apply_end − 3 days`` lies between them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path

import duckdb

KST = timezone(timedelta(hours=9))
PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"
_PROJECT_PARTS = ("dbt_project.yml", "macros", "models", "seeds", "snapshots", "tests")
# Every raw timestamp that a new version, a removal or a quarantine (and its release) writes.
_LOADS = (
    ("announcements", "first_seen"),
    ("observations", "first_seen"),
    ("announcement_removals", "removed_at"),
    ("quarantine", "quarantined_at"),
    ("quarantine", "released_at"),
)
# A version seen again is no change unless it was not the newest: it is current again.
_VERSION_KEYS = {
    "announcements": ("source", "post_id"),
    "observations": ("source", "table_id", "indicator_id", "region_code", "period"),
}
# The scopes whose build covers a given scope's models.
_COVERING = {"all": ("all",), "announcements": ("announcements", "all")}
_COVERING["statistics"] = ("statistics", "all")


@dataclass(frozen=True)
class BuildMark:
    run_id: str
    scope: str
    as_of: datetime
    loaded_before: datetime
    project_hash: str


def as_of_moment(as_of: date | None, now: datetime | None = None) -> datetime:
    """The moment a build computes statuses for: 00:00 KST of ``as_of``, else now."""
    if as_of is not None:
        return datetime.combine(as_of, time(), KST)
    return now or datetime.now(UTC)


def project_hash(project_dir: Path = PROJECT_DIR) -> str:
    """sha256 over the dbt project's sources (a changed model must be built)."""
    digest = hashlib.sha256()
    for part in _PROJECT_PARTS:
        root = project_dir / part
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for path in files:
            if path.is_file():
                digest.update(str(path.relative_to(project_dir)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _ensure(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw")
    con.execute(
        "create table if not exists raw.build_marks (run_id varchar primary key, "
        "scope varchar, as_of timestamptz, loaded_before timestamptz, project_hash varchar)"
    )


def record_build(con: duckdb.DuckDBPyConnection, mark: BuildMark) -> None:
    """Remember a good build (call only after dbt and the gate succeeded)."""
    _ensure(con)
    con.execute(
        "insert or replace into raw.build_marks values (?, ?, ?, ?, ?)",
        [mark.run_id, mark.scope, mark.as_of, mark.loaded_before, mark.project_hash],
    )


def last_build(con: duckdb.DuckDBPyConnection, scope: str) -> BuildMark | None:
    """The latest good build whose scope covers ``scope``."""
    _ensure(con)
    covering = list(_COVERING.get(scope, ("all",)))
    row = con.execute(
        "select run_id, scope, as_of, loaded_before, project_hash from raw.build_marks "
        f"where scope in ({', '.join('?' * len(covering))}) "
        "order by loaded_before desc limit 1",
        covering,
    ).fetchone()
    return BuildMark(*row) if row else None


def judged_until(con: duckdb.DuckDBPyConnection, scope: str) -> datetime | None:
    """Up to when the quality gate has passed what was loaded for ``scope``: the last good
    build's ``loaded_before`` (None without one). A version first seen since then was loaded
    by a run whose gate has not passed: this run, or one killed or blocked before."""
    try:
        mark = last_build(con, scope)
    except duckdb.Error:
        return None
    return mark.loaded_before if mark else None


def _loaded_since(con: duckdb.DuckDBPyConnection, moment: datetime) -> bool:
    for table, column in _LOADS:
        found = con.execute(
            f"select 1 from raw.{table} where {column} >= ? limit 1", [moment]
        ).fetchone()
        if found:
            return True
    for table, key in _VERSION_KEYS.items():
        found = con.execute(
            f"select 1 from raw.{table} as seen join raw.{table} as newer "
            f"using ({', '.join(key)}) where seen.last_seen >= ? "
            "and newer.first_seen > seen.first_seen limit 1",
            [moment],
        ).fetchone()
        if found:
            return True
    return False


def _status_can_move(con: duckdb.DuckDBPyConnection, before: datetime, now: datetime) -> bool:
    if before.astimezone(KST).date() != now.astimezone(KST).date():
        return True
    low, high = min(before, now), max(before, now)
    found = con.execute(
        "select 1 from main.fct_announcement where apply_start between ? and ? "
        "or apply_end between ? and ? or apply_end - interval 3 day between ? and ? limit 1",
        [low, high] * 3,
    ).fetchone()
    return found is not None


def nothing_new(con: duckdb.DuckDBPyConnection, scope: str, as_of: datetime) -> bool:
    """Whether the last good build covering ``scope`` is still exactly what a build now
    would make. Any doubt (no mark, a missing table) means build."""
    try:
        mark = last_build(con, scope)
        if mark is None or mark.project_hash != project_hash():
            return False
        return not _loaded_since(con, mark.loaded_before) and not _status_can_move(
            con, mark.as_of, as_of
        )
    except duckdb.CatalogException:
        return False


def built_with_this_project(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the last good build, of any scope, was of this dbt project. A scoped build
    (``flows.transform.SCOPE_DBT_SELECT``) leaves the seeds and what is built from them alone,
    so the first run after a change of the project builds all of it."""
    try:
        row = con.execute(
            "select project_hash from raw.build_marks order by loaded_before desc limit 1"
        ).fetchone()
    except duckdb.CatalogException:
        return False
    return row is not None and row[0] == project_hash()


def unchanged_since_build(warehouse: Path, scope: str, as_of: datetime) -> bool:
    """``nothing_new`` on its own connection to the warehouse (closed before dbt runs)."""
    from flows.warehouse import connect

    with connect(warehouse) as con:
        return nothing_new(con, scope, as_of)


def mark_build(warehouse: Path, mark: BuildMark) -> None:
    """``record_build`` on its own connection to the warehouse."""
    from flows.warehouse import connect

    with connect(warehouse) as con:
        record_build(con, mark)
