"""What the quality gate judges, measured in SQL: small frames, never copies of the marts.

A run changes the datasets of the record types its sources produce (a run of two boards
changes the announcement datasets only). For those, the gate reads:

* ``volume``: each changed dataset's row count now and in the release that is live (the
  previous release of the same dataset, from its manifest);
* ``freshness``: hours since each of the run's sources last succeeded, with its cadence;
* ``values``: the figures this run added or revised, with their unit's quantity;
* ``completeness``: per source, the share of the rows this run added that carry each field.

"Added by this run" includes every version first seen since the last good build: what a run
killed (or blocked) before its gate passed loaded is judged by the next run that sees it.

Row counts and ratios are aggregates computed by DuckDB; only the rows the run wrote are
read into pandas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from flows.build_marks import judged_until
from flows.release.datasets import DATASETS
from flows.release.store import latest_id, read_manifest, releases_dir

RELATIONS = {d.name: d.relation for d in DATASETS}
SUCCESS = ("ok", "partial", "no_data")


@dataclass(frozen=True)
class SourceInfo:
    record_type: str
    cadence: str
    lacks: tuple[str, ...] = ()


@dataclass
class GateInput:
    """The run judged, the datasets it changed and the frames the suites validate."""

    run_id: str | None
    changed: list[str] = field(default_factory=list)
    batches: dict[str, pd.DataFrame] = field(default_factory=dict)


def judged_run(con: duckdb.DuckDBPyConnection, run_id: str | None) -> str | None:
    """The run to judge: the one given, else the last run that loaded sources."""
    if run_id:
        return run_id
    row = con.execute(
        "select run_id from raw.source_runs order by finished_at desc limit 1"
    ).fetchone()
    return row[0] if row else None


def _previous_counts(published_dir: Path) -> dict[str, int]:
    """Row counts of the release ``latest`` points to (none before the first release)."""
    latest = latest_id(published_dir)
    if latest is None:
        return {}
    return read_manifest(releases_dir(published_dir) / latest).get("tables", {})


def _volume(con, changed: list[str], published_dir: Path) -> pd.DataFrame:
    previous = _previous_counts(published_dir)
    rows = []
    for dataset in changed:
        (count,) = con.execute(f"select count(*) from {RELATIONS[dataset]}").fetchone()
        before = previous.get(dataset)
        rows.append(
            {
                "dataset": dataset,
                "rows": count,
                "previous_rows": before,
                "volume_ratio": count / before if before else None,
            }
        )
    return pd.DataFrame(rows, columns=["dataset", "rows", "previous_rows", "volume_ratio"])


def _freshness(con, run_id: str, sources: dict[str, SourceInfo]) -> pd.DataFrame:
    rows = con.execute(
        "select source, max(finished_at) filter (where status in ?) "
        "from raw.source_runs where source in (select source from raw.source_runs "
        "where run_id = ?) group by source order by source",
        [list(SUCCESS), run_id],
    ).fetchall()
    now = datetime.now(UTC)
    frame = [
        {
            "source": source,
            "cadence": sources[source].cadence if source in sources else "unknown",
            # never succeeded: older than any SLA
            "hours_since_success": (now - last).total_seconds() / 3600 if last else float("inf"),
        }
        for source, last in rows
    ]
    return pd.DataFrame(frame, columns=["source", "cadence", "hours_since_success"])


# The scope whose good builds judged each raw table's versions.
_SCOPES = {"announcements": "announcements", "observations": "statistics"}


@dataclass(frozen=True)
class _NewVersions:
    """Versions this run wrote first (a version seen again keeps its first_seen), and every
    version first seen since the last good build: a run killed after loading and before its
    gate passed left those, and the run that sees them again must not let them through
    unjudged. ``since`` is read once per gate, per raw table."""

    run_id: str
    since: dict[str, datetime | None]

    @classmethod
    def of(cls, con: duckdb.DuckDBPyConnection, run_id: str) -> _NewVersions:
        return cls(run_id, {table: judged_until(con, scope) for table, scope in _SCOPES.items()})

    def query(self, table: str) -> tuple[str, dict[str, Any]]:
        """The subquery of ``raw.<table>``'s versions to judge, and its parameters."""
        query = f"(select * from raw.{table} where run_id = $run and first_seen = last_seen"
        since = self.since[table]
        if since is None:
            return query + ")", {"run": self.run_id}
        return query + " or first_seen >= $since)", {"run": self.run_id, "since": since}


def _values(con, new: _NewVersions) -> pd.DataFrame:
    observations, parameters = new.query("observations")
    return con.execute(
        "select o.indicator_id, split_part(o.indicator_id, '.', 1) as family, o.source, "
        "o.region_code, o.period, o.value, o.unit, coalesce(u.quantity, 'unknown') as quantity "
        f"from {observations} as o left join main.units as u using (unit)",
        parameters,
    ).df()


def _completeness(con, new: _NewVersions, sources: dict[str, SourceInfo]) -> pd.DataFrame:
    """Per source, the share of its new rows that carry each field; a field the source
    declares it does not publish (``lacks``) is left empty, so it is not expected."""
    new_announcements, parameters = new.query("announcements")
    announcements = con.execute(
        "select source, 'announcement' as record_type, count(*) as rows, "
        "avg((posted_date is not null)::int) as dated, "
        "avg((body_text is not null or raw_payload is not null)::int) as with_text, "
        "null::double as with_value "
        f"from {new_announcements} group by source",
        parameters,
    ).df()
    new_observations, parameters = new.query("observations")
    observations = con.execute(
        "select source, 'observation' as record_type, count(*) as rows, null::double as dated, "
        "null::double as with_text, avg((value is not null)::int) as with_value "
        f"from {new_observations} group by source",
        parameters,
    ).df()
    for column, field_name in (("dated", "posted_date"), ("with_text", "text")):
        lacking = [name for name, info in sources.items() if field_name in info.lacks]
        announcements.loc[announcements["source"].isin(lacking), column] = None
    frames = [f for f in (announcements, observations) if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else announcements


def _loaded_types(con: duckdb.DuckDBPyConnection, run_id: str) -> set[str]:
    """Record types the run loaded rows of (also for sources no longer declared)."""
    tables = {"announcement": "announcements", "observation": "observations"}
    return {
        kind
        for kind, table in tables.items()
        if con.execute(f"select 1 from raw.{table} where run_id = ? limit 1", [run_id]).fetchone()
    }


def gate_input(
    con: duckdb.DuckDBPyConnection,
    published_dir: Path,
    sources: dict[str, SourceInfo],
    run_id: str | None = None,
) -> GateInput:
    """Measure what the run ``run_id`` (default: the last one) changed."""
    judged = judged_run(con, run_id)
    if judged is None:
        return GateInput(None)
    names = [r[0] for r in con.execute(
        "select distinct source from raw.source_runs where run_id = ?", [judged]
    ).fetchall()]  # fmt: skip
    types = {sources[n].record_type for n in names if n in sources} | _loaded_types(con, judged)
    changed = [d.name for d in DATASETS if d.record_type in types]
    new = _NewVersions.of(con, judged)
    batches = {
        "volume": _volume(con, changed, published_dir),
        "freshness": _freshness(con, judged, sources),
        "values": _values(con, new) if "observation" in types else pd.DataFrame(),
        "completeness": _completeness(con, new, sources),
    }
    return GateInput(judged, changed, batches)
