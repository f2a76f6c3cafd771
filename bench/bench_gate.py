"""Benchmark: the quality gate on the dbt benchmark's warehouse (1 M announcements, 10 M
observations) after its daily run, in a fresh process: Great Expectations' import included.

    uv run python -m bench.bench_dbt                 # builds /tmp/fez-bench/warehouse.duckdb
    uv run python -m bench.bench_gate [--data-dir /tmp/fez-bench]

Target (2 cores): ≤ 10 s wall and ≤ 1.5 GiB peak. The benchmark's daily rows carry the run id
``day``; its sources are recorded in ``raw.source_runs`` (as a pipeline run does) before the
gate is timed.
"""

from __future__ import annotations

import argparse
import resource
import time
from datetime import UTC, datetime
from pathlib import Path

from flows.warehouse import connect

RUN_ID = "day"


def _record_the_days_run(warehouse: Path) -> None:
    con = connect(warehouse)
    try:
        con.execute("delete from raw.source_runs where run_id = ?", [RUN_ID])
        now = datetime.now(UTC)
        con.execute(
            "insert into raw.source_runs (run_id, source, started_at, finished_at, status) "
            "select distinct ?, source, ?, ?, 'ok' from ("
            "select source from raw.announcements where run_id = ? union "
            "select source from raw.observations where run_id = ?)",
            [RUN_ID, now, now, RUN_ID, RUN_ID],
        )
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/fez-bench"))
    args = parser.parse_args()
    data_dir = args.data_dir.absolute()
    warehouse = data_dir / "warehouse.duckdb"
    if not warehouse.exists():
        raise SystemExit(f"no benchmark warehouse at {warehouse}: run bench.bench_dbt first")
    _record_the_days_run(warehouse)
    started = time.perf_counter()
    from expectations.quality import run_quality_gate

    con = connect(warehouse)
    try:
        gate = run_quality_gate(con, data_dir, data_dir / "published", RUN_ID)
    finally:
        con.close()
    wall = time.perf_counter() - started
    peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"gate judged run {gate.run_id}: {', '.join(gate.changed)}")
    for suite in gate.suites:
        print(f"  {suite.suite}: {'passed' if suite.success else 'failed'} {suite.failed}")
    print(f"quality gate wall {wall:.2f} s (target ≤ 10 s), peak {peak_gib:.2f} GiB (≤ 1.5 GiB)")


if __name__ == "__main__":
    main()
