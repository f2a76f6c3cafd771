"""Benchmark: `dbt build` from scratch on 1 M announcements and 10 M observations, then the
incremental run after one more day of rows, both in-process (dbt's Python runner, partial
parsing on). Prints both wall times, the models' own time, their ratio and peak memory.

    uv run python -m bench.bench_dbt [--data-dir /tmp/fez-bench] [--reuse]

Targets (2 cores): full build < 30 s wall, peak < 3 GiB; incremental < 2 s and < 5 % of the
full build's model time. Both builds are the pipeline's (`PIPELINE_BUILD`: unit tests run with
the test suite); the project is parsed once before them, as a pipeline run finds it parsed.
The raw data is generated once (about two minutes) and kept as `raw-only.duckdb` in the data
dir; `--reuse` starts from that copy.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import time
from pathlib import Path

from bench.scale_data import add_day, generate
from flows.transform import PIPELINE_BUILD, run_dbt
from flows.warehouse import connect


def _results(data_dir: Path) -> list[dict]:
    return json.loads((data_dir / "dbt" / "target" / "run_results.json").read_text())["results"]


def _slowest(data_dir: Path, count: int = 6) -> str:
    """The build's slowest nodes, to see where the time goes."""
    results = sorted(_results(data_dir), key=lambda r: -r["execution_time"])[:count]
    return ", ".join(
        f"{r['unique_id'].split('.')[-1]} {r['execution_time']:.1f} s" for r in results
    )


def _model_seconds(data_dir: Path) -> tuple[float, float]:
    """Seconds spent in models (and snapshots) and in tests, from dbt's run_results.json."""
    results = _results(data_dir)
    models = sum(
        r["execution_time"]
        for r in results
        if r["unique_id"].split(".")[0] in {"model", "snapshot"}
    )
    tests = sum(
        r["execution_time"]
        for r in results
        if r["unique_id"].split(".")[0] in {"test", "unit_test"}
    )
    return models, tests


def _build(warehouse: Path, data_dir: Path) -> tuple[float, float, float]:
    started = time.perf_counter()
    run_dbt(PIPELINE_BUILD, warehouse, data_dir)
    wall = time.perf_counter() - started
    return (wall, *_model_seconds(data_dir))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/fez-bench"))
    parser.add_argument("--reuse", action="store_true", help="start from the kept raw-only copy")
    args = parser.parse_args()
    data_dir = args.data_dir.absolute()
    data_dir.mkdir(parents=True, exist_ok=True)
    pristine, warehouse = data_dir / "raw-only.duckdb", data_dir / "warehouse.duckdb"
    shutil.rmtree(data_dir / "dbt", ignore_errors=True)
    if not (args.reuse and pristine.exists()):
        pristine.unlink(missing_ok=True)
        con = connect(pristine)
        started = time.perf_counter()
        generate(con, announcements=1_000_000, observations=10_000_000)
        con.close()
        print(f"generated raw data in {time.perf_counter() - started:.0f} s")
    Path(f"{warehouse}.wal").unlink(missing_ok=True)  # a killed run's log must not replay
    shutil.copy(pristine, warehouse)
    con = connect(warehouse)
    sizes = con.execute(
        "select (select count(*) from raw.announcements), (select count(*) from raw.observations)"
    ).fetchone()
    last = con.execute("select max(last_seen) from raw.announcements").fetchone()[0]
    next_month = con.execute(
        "select strftime(max(cast(period || '-01' as date)) + interval 1 month, '%Y-%m') "
        "from raw.observations"
    ).fetchone()[0]
    con.close()
    print(f"raw: {sizes[0]:,} announcement versions, {sizes[1]:,} observation versions")
    started = time.perf_counter()
    run_dbt(["parse"], warehouse, data_dir)
    print(f"parsed the project in {time.perf_counter() - started:.1f} s (not timed below: a")
    print("repeated run re-uses the parse, as every pipeline run after the first does)")

    full = _build(warehouse, data_dir)
    print(f"slowest in the full build: {_slowest(data_dir, 12)}")
    con = connect(warehouse)
    add_day(con, last, next_month)
    con.close()
    incremental = _build(warehouse, data_dir)
    print(f"slowest in the incremental run: {_slowest(data_dir)}")
    peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20

    for name, (wall, models, tests) in (("full build", full), ("incremental day", incremental)):
        print(f"{name:16s} wall {wall:6.2f} s   models {models:6.2f} s   tests {tests:6.2f} s")
    wall_ratio, model_ratio = incremental[0] / full[0], incremental[1] / full[1]
    print(f"ratio incremental/full: wall {wall_ratio:.1%}, models {model_ratio:.1%}")
    print(f"peak memory (RSS of this process): {peak_gib:.2f} GiB")


if __name__ == "__main__":
    main()
