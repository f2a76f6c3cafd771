"""The published datasets: the mart each comes from, its primary key, and which runs touch it."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb


@dataclass(frozen=True)
class Dataset:
    name: str
    relation: str
    primary_key: tuple[str, ...]
    # The record type whose sources feed it; None for the seeded dimensions, which every
    # dbt build rebuilds from the seeds.
    record_type: str | None = None


DATASETS: tuple[Dataset, ...] = (
    Dataset("announcements", "main.fct_announcement", ("announcement_id",), "announcement"),
    Dataset("open_calls", "main.mart_open_calls", ("programme_id",), "announcement"),
    Dataset(
        "indicator_observations",
        "main.fct_indicator_observation",
        ("observation_id",),
        "observation",
    ),
    Dataset("zone_monthly", "main.mart_zone_monthly", ("observation_id",), "observation"),
    Dataset(
        "industrial_complex_monthly",
        "main.mart_industrial_complex_monthly",
        ("observation_id",),
        "observation",
    ),
    Dataset("institutions", "main.dim_institution", ("institution_id",)),
    Dataset("regions", "main.dim_region", ("region_code",)),
    Dataset("indicators", "main.dim_indicator", ("indicator_id",)),
    Dataset("announcement_categories", "main.dim_announcement_category", ("category",)),
)

# Bookkeeping columns that move on every run that sees a row again (and the moment statuses
# were computed for): they are published but left out of the content hash, so a run that only
# re-saw the same rows cuts no release.
VOLATILE_COLUMNS = frozenset({"last_seen_at", "loaded_at", "status_as_of"})


def touched_datasets(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    record_types: dict[str, str],
    datasets: tuple[Dataset, ...] = DATASETS,
) -> set[str] | None:
    """The datasets this run's sources feed (from ``raw.source_runs`` of the run), with the
    seeded dimensions; None when the run fetched nothing (a ``transform``/``publish`` run
    publishes the whole warehouse). ``record_types`` maps source name → record type."""
    rows = con.execute(
        "select distinct source from raw.source_runs where run_id = ?", [run_id]
    ).fetchall()
    if not rows:
        return None
    fed = {record_types.get(source) for (source,) in rows}
    return {d.name for d in datasets if d.record_type is None or d.record_type in fed}
