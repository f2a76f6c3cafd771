"""Source health over runs, read from ``raw.source_runs``.

A source that failed ``FEZ_UNHEALTHY_AFTER`` runs in a row (default 3) is ``unhealthy``: one
bad run is weather, three are a broken source that needs a person. A run counts as failed
when the source gave nothing usable (``failing``) or its layout changed; a source skipped for
a missing key neither fails nor succeeds, so it leaves the count where it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

FAILED_STATUSES = ("failing", "layout_changed")
SUCCESS_STATUSES = ("ok", "partial", "no_data")


@dataclass(frozen=True)
class SourceHealth:
    source: str
    health: str
    failures_in_a_row: int
    last_status: str
    last_success: datetime | None


def source_health(con: duckdb.DuckDBPyConnection, unhealthy_after: int) -> dict[str, SourceHealth]:
    """Each source that has run: ``healthy`` or ``unhealthy``, with its current failure streak."""
    failed = ", ".join(f"'{s}'" for s in FAILED_STATUSES)
    succeeded = ", ".join(f"'{s}'" for s in SUCCESS_STATUSES)
    rows = con.execute(
        f"""
        with runs as (
            select source, status, finished_at,
                   row_number() over (partition by source order by finished_at desc) as n
            from raw.source_runs
            where status <> 'skipped'
        )
        select source,
               coalesce(min(n) filter (where status not in ({failed})) - 1, max(n)) as streak,
               arg_min(status, n) as last_status,
               max(finished_at) filter (where status in ({succeeded})) as last_success
        from runs
        group by source
        order by source
        """
    ).fetchall()
    return {
        source: SourceHealth(
            source=source,
            health="unhealthy" if streak >= unhealthy_after else "healthy",
            failures_in_a_row=streak,
            last_status=last_status,
            last_success=last_success,
        )
        for source, streak, last_status, last_success in rows
    }
