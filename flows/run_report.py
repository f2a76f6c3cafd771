"""What a run tells its readers: changed-record counts, and Prefect artifacts on the flow run.

Each flow run carries two artifacts in the Prefect UI: ``fez-run`` (markdown: per source
fetched, new, changed, unchanged, quarantined, errors and duration; the quality gate's result;
the release id) and ``fez-source-health`` (a table: each source's health over runs).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:
    from flows.pipeline import RunSummary

KEYS = {
    "announcement": ("raw.announcements", "source, post_id"),
    "observation": ("raw.observations", "source, table_id, indicator_id, region_code, period"),
}


def count_changed(
    con: duckdb.DuckDBPyConnection, record_type: str, source: str, loaded_at: datetime
) -> int:
    """Versions this load added to records that already had one: edited posts, revised figures."""
    table, key = KEYS[record_type]
    return con.execute(
        f"""
        select count(*) from {table} now
        where now.source = ? and now.first_seen = ?
          and exists (
              select 1 from {table} before
              where ({", ".join(f"before.{k.strip()}" for k in key.split(","))})
                  = ({", ".join(f"now.{k.strip()}" for k in key.split(","))})
                and before.first_seen < now.first_seen
          )
        """,
        [source, loaded_at],
    ).fetchone()[0]


def gate_result(summary: RunSummary) -> str:
    if not summary.quality:
        return "not run"
    if summary.blocked:
        return f"failed (blocked by {', '.join(summary.blocked)})"
    failed = [q["suite"] for q in summary.quality if not q["success"]]
    return f"passed with warnings ({', '.join(failed)})" if failed else "passed"


def run_markdown(summary: RunSummary) -> str:
    lines = [
        f"# fez run {summary.run_id}",
        "",
        "| source | status | fetched | new | changed | unchanged | quarantined | errors "
        "| duration (s) |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for s in summary.sources:
        quarantined = summary.quarantined.get(s.source, s.quarantined)
        new = s.new_records - s.changed
        unchanged = max(0, s.records - s.new_records)
        lines.append(
            f"| {s.source} | {s.status} | {s.fetched} | {new} | {s.changed} | {unchanged} "
            f"| {quarantined} | {s.errors} | {s.duration_s:.1f} |"
        )
    lines += [
        "",
        f"**Quality gate:** {gate_result(summary)}",
        "",
        f"**Release:** {summary.release or 'none (no new release)'}",
    ]
    if summary.replay:
        lines += ["", f"Replayed from {summary.replay} (sample data, not real captures)."]
    return "\n".join(lines)


def health_rows(summary: RunSummary) -> list[dict[str, Any]]:
    return [
        {
            "source": h.source,
            "health": h.health,
            "failures_in_a_row": h.failures_in_a_row,
            "last_status": h.last_status,
            "last_success": h.last_success.isoformat(timespec="minutes") if h.last_success else "-",
        }
        for h in summary.health
    ]


def create_artifacts(summary: RunSummary) -> None:
    """Attach the run's markdown report and source-health table to the current flow run."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    create_markdown_artifact(
        run_markdown(summary), key="fez-run", description=f"fez run {summary.run_id}"
    )
    create_table_artifact(
        health_rows(summary), key="fez-source-health", description="Source health over runs"
    )
