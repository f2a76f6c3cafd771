"""Crash safety (issue #14): a run SIGKILLed at any point, then run again, leaves the warehouse
and the release an uninterrupted run would have made.

Each test starts from a data dir holding one complete run of two SAMPLE sources (every model
built, and a release that must stay ``latest`` while the next is written). In a copy of it,
``tests/crash_driver.py`` runs the hourly announcements run on every sample source in a
process of its own and SIGKILLs itself at one point; the test checks what the kill left, runs
the same run again in this process and compares warehouse, release, the new-record counts and
what the quality gate judged with a reference: the same two runs, uninterrupted. Run them
alone with ``uv run pytest -m crash``; the default ``uv run pytest`` leaves them out.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

from flows.release.datasets import DATASETS
from flows.release.store import PARTIAL, latest_id, list_releases, read_manifest
from tests import crash_driver

pytestmark = pytest.mark.crash

# The run before the killed one: one board and one statistics source, every model built.
FIRST_SOURCES = ("gtp_business", "kosis_population")
# The killed run and the next: the hourly announcements run (its branch of the dbt project).
SCOPE = "announcements"
# Columns that say when or in which run a row was seen, loaded or built: they differ between
# any two runs, killed or not.
VOLATILE = frozenset(
    {
        "run_id", "fetch_id", "first_seen", "last_seen", "first_seen_at", "last_seen_at",
        "loaded_at", "status_as_of", "snapshotted_at", "valid_from", "valid_to", "version_id",
    }
)  # fmt: skip
RAW_TABLES = ("announcements", "observations", "announcement_removals", "quarantine")
SNAPSHOT = "snapshots.announcement_versions"


def _rows(columns: list[str], rows: list[tuple]) -> list[str]:
    """Rows without their volatile columns, as sorted strings (a duplicate stays a
    duplicate: the lists are compared whole)."""
    keep = [i for i, c in enumerate(columns) if c not in VOLATILE]
    return sorted(repr(tuple(row[i] for i in keep)) for row in rows)


def new_records(data_dir: Path, first_release: str) -> dict[str, int]:
    """Per source, the new records the runs after the first one counted in ``source_runs``:
    each new version is counted once, by the run that committed it."""
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"))
    try:
        rows = con.execute(
            "select source, sum(new_records)::int from raw.source_runs where run_id > ? "
            "group by source order by source",
            [first_release],
        ).fetchall()
    finally:
        con.close()
    return dict(rows)


def warehouse_content(data_dir: Path) -> dict[str, list[str]]:
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"))
    try:
        relations = [f"raw.{t}" for t in RAW_TABLES]
        relations += [d.relation for d in DATASETS] + [SNAPSHOT]
        content = {}
        for relation in relations:
            cursor = con.execute(f"select * from {relation}")
            columns = [d[0] for d in cursor.description]
            content[relation] = _rows(columns, cursor.fetchall())
        return content
    finally:
        con.close()


def release_content(data_dir: Path) -> dict[str, Any]:
    latest = data_dir / "published" / "latest"
    manifest = read_manifest(latest)
    content: dict[str, Any] = {
        "tables": manifest["tables"],
        "samples": manifest["samples"],
        "quality": manifest["quality"],
    }
    for dataset in DATASETS:
        table = pq.read_table(latest / f"{dataset.name}.parquet")
        content[dataset.name] = _rows(
            table.column_names, [tuple(r.values()) for r in table.to_pylist()]
        )
    return content


def _raw_keys_unique(data_dir: Path) -> None:
    """No record version is in the warehouse twice."""
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"))
    try:
        for table, key in (
            ("announcements", "source, post_id, content_hash"),
            ("observations", "source, table_id, indicator_id, region_code, period, version_hash"),
        ):
            total, distinct = con.execute(
                f"select count(*), count(distinct ({key})) from raw.{table}"
            ).fetchone()
            assert total == distinct, f"raw.{table}: {total - distinct} duplicated versions"
    finally:
        con.close()


def _run_in_process(
    data_dir: Path, scope: str = SCOPE, sources: tuple[str, ...] = ()
) -> tuple[Any, dict[str, Any] | None]:
    """A run in this process; returns its summary and what its quality gate judged (None
    when the gate did not run)."""
    import expectations.quality

    judged: list[dict[str, Any]] = []
    judge = expectations.quality.judge

    def recording(data_dir: Path, measured: Any, *args: Any) -> Any:
        completeness = measured.batches["completeness"]
        judged.append(
            {
                "changed": measured.changed,
                "completeness": sorted(
                    zip(completeness["source"], completeness["rows"], strict=True)
                ),
                "values": len(measured.batches["values"]),
            }
        )
        return judge(data_dir, measured, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FEZ_DATA_DIR", str(data_dir))
        patch.delenv("FEZ_WAREHOUSE_PATH", raising=False)
        patch.setattr(expectations.quality, "judge", recording)
        summary = crash_driver.run(data_dir, scope, sources)
    return summary, judged[0] if judged else None


def _copy(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, symlinks=True)
    return target


@pytest.fixture(scope="module")
def first_run(tmp_path_factory) -> tuple[Path, str]:
    """A data dir after one complete run of FIRST_SOURCES, and its release."""
    data_dir = tmp_path_factory.mktemp("first") / "data"
    summary, _ = _run_in_process(data_dir, "all", FIRST_SOURCES)
    assert summary.release_new and not summary.blocked
    return data_dir, summary.release


@pytest.fixture(scope="module")
def reference(first_run, tmp_path_factory) -> dict[str, Any]:
    """Warehouse and release after the first run and then one uninterrupted run of every
    sample source."""
    data_dir = _copy(first_run[0], tmp_path_factory.mktemp("reference") / "data")
    summary, judged = _run_in_process(data_dir)
    assert summary.release_new and not summary.blocked
    return {
        "warehouse": warehouse_content(data_dir),
        "release": release_content(data_dir),
        "judged": judged,
        "new_records": new_records(data_dir, first_run[1]),
    }


class KilledRuns:
    """The killed runs, each in a copy of the first run's data dir and a process of its own.
    Taking one starts the next collected point's run, so that it runs while this process
    runs the pipeline again after the current one: the two overlap on two cores."""

    def __init__(self, first_dir: Path, root: Path, points: list[str]):
        self.first_dir, self.root, self.points = first_dir, root, points
        self.running: dict[str, tuple[Path, subprocess.Popen]] = {}

    def start(self, point: str) -> None:
        if point in self.running:
            return
        data_dir = _copy(self.first_dir, self.root / point / "data")
        with (self.root / point / "stderr.log").open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.crash_driver", point, str(data_dir), SCOPE],
                cwd=Path(__file__).parents[1],
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        self.running[point] = (data_dir, process)

    def take(self, point: str) -> Path:
        """The data dir the run killed at ``point`` left (once that run has died)."""
        self.start(point)
        following = self.points[self.points.index(point) + 1 :] if point in self.points else []
        if following:
            self.start(following[0])
        data_dir, process = self.running.pop(point)
        returncode = process.wait(timeout=300)
        stderr = (self.root / point / "stderr.log").read_text(errors="replace")
        assert returncode == -signal.SIGKILL, (
            f"the run was not killed at {point} (exit {returncode}): {stderr[-2000:]}"
        )
        return data_dir

    def stop(self) -> None:
        for _, process in self.running.values():
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def killed_runs(request, first_run, tmp_path_factory) -> Iterator[KilledRuns]:
    points = [
        item.callspec.params["point"]
        for item in request.session.items
        if item.module is request.module
        and hasattr(item, "callspec")
        and "point" in item.callspec.params
    ]
    runs = KilledRuns(first_run[0], tmp_path_factory.mktemp("killed"), points)
    if points:
        runs.start(points[0])
    yield runs
    runs.stop()


def _latest_is_complete(data_dir: Path, allowed: set[str]) -> None:
    published = data_dir / "published"
    latest = latest_id(published)
    assert latest in allowed, f"latest is {latest}, expected one of {sorted(allowed)}"
    complete = {r.release_id for r in list_releases(published)}
    assert latest in complete
    manifest = read_manifest(published / "latest")
    for name in manifest["sha256"]:
        assert (published / "latest" / name).is_file(), f"latest lacks {name}"


POINTS = (
    "after-fetch",
    "mid-load",
    "before-source-run",
    "before-state-commit",
    "before-dbt",
    "mid-dbt",
    "mid-snapshot",
    "before-gate",
    "before-publish",
    "mid-publish",
    "before-latest",
    "after-publish",
)


@pytest.mark.parametrize("point", POINTS)
def test_a_run_killed_then_run_again_equals_an_uninterrupted_run(
    point, first_run, killed_runs, reference
):
    first_release = first_run[1]
    data_dir = killed_runs.take(point)
    if point == "mid-publish":
        assert list((data_dir / "published" / "releases").glob(f".*{PARTIAL}"))

    # Right after the kill: latest is still the first run's release, or the killed run's
    # release once it was switched to (complete by then).
    killed = {r.release_id for r in list_releases(data_dir / "published")} - {first_release}
    _latest_is_complete(data_dir, {first_release, *killed})

    summary, judged = _run_in_process(data_dir)
    assert not summary.blocked, summary.blocked
    # What the killed run loaded is judged by the next run's gate, as if never killed.
    assert judged == reference["judged"]
    published = data_dir / "published"
    assert not [p.name for p in published.rglob(f"*{PARTIAL}")], "a .partial is left over"
    assert not list(published.glob(".latest.*"))
    _latest_is_complete(data_dir, {summary.release})
    assert summary.release != first_release
    _raw_keys_unique(data_dir)
    assert warehouse_content(data_dir) == reference["warehouse"]
    assert release_content(data_dir) == reference["release"]
    assert new_records(data_dir, first_release) == reference["new_records"]
    _no_version_without_its_source_run(data_dir)


def _no_version_without_its_source_run(data_dir: Path) -> None:
    """Every source of the killed and the recovering runs has its ``source_runs`` row for
    the versions it loaded: no loaded version belongs to a run without one."""
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"))
    try:
        orphans = con.execute(
            "select distinct source, run_id from ("
            " select source, run_id from raw.announcements"
            " union all select source, run_id from raw.observations"
            ") anti join raw.source_runs using (source, run_id)"
        ).fetchall()
    finally:
        con.close()
    assert not orphans, f"versions loaded by a run without its source_runs row: {orphans}"


def test_the_reference_release_holds_every_sample_dataset(reference):
    tables = reference["release"]["tables"]
    assert tables["announcements"] == 38 and tables["indicator_observations"] > 0
    assert json.dumps(reference["release"]["samples"]) == "true"
