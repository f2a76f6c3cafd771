"""Run the pipeline on the bundled SAMPLE replay and SIGKILL this process at one point.

``python -m tests.crash_driver POINT DATA_DIR SCOPE [SOURCE ...]``: wraps the one production
function that marks ``POINT`` so that the process kills itself there (``SIGKILL``: no
``finally``, no ``atexit``, no flushing), then runs the pipeline without Prefect's engine.
``POINT`` ``none`` runs to the end. Production code has no hooks for this: the wrapping is
done here, on module attributes the pipeline looks up at call time. The crash tests
(``tests/test_crash_safety.py``) start it and check what the next run makes of the remains.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml

# The samples' calls are dated November 2026: statuses are computed for a day among them.
AS_OF = date(2026, 11, 20)


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def kill_at(owner: Any, name: str, call: int = 1, *, after: bool = False) -> None:
    """Kill on the ``call``-th call of ``owner.name``: before it runs, or once it returned."""
    original = getattr(owner, name)
    calls = 0

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == call and not after:
            die()
        result = original(*args, **kwargs)
        if calls == call:
            die()
        return result

    setattr(owner, name, wrapper)


def kill_before_task(owner: Any, name: str) -> None:
    """Kill when the pipeline calls the task ``owner.name`` (the no-Prefect path calls its
    ``fn``)."""
    setattr(owner, name, SimpleNamespace(fn=lambda *args: die()))


def kill_in_dbt(*words: str) -> None:
    """Kill right after dbt-duckdb ran a statement holding every one of ``words`` (in its
    transaction, before dbt commits or renames anything)."""
    from dbt.adapters.duckdb.environments import local

    original = local.DuckDBCursorWrapper.execute

    def execute(self: Any, sql: str, bindings: Any = None) -> Any:
        result = original(self, sql, bindings)
        if all(word in sql.lower() for word in words):
            die()
        return result

    local.DuckDBCursorWrapper.execute = execute


def _arm(point: str) -> None:
    from flows import pipeline, publish, warehouse
    from sources.fetch import state

    points: dict[str, Callable[[], None]] = {
        "none": lambda: None,
        # Everything fetched and archived, nothing loaded.
        "after-fetch": lambda: kill_at(pipeline, "_collect_all", after=True),
        # Five sources loaded with their source_runs rows; the sixth not started.
        "mid-load": lambda: kill_at(pipeline, "load_source", call=6),
        # The third source's rows written, its source_runs row not.
        "before-source-run": lambda: kill_at(warehouse, "record_source_run", call=3),
        # Every source loaded; the crawl state (answers seen) not yet committed.
        "before-state-commit": lambda: kill_at(state.FetchState, "commit"),
        # Loaded and crawl state committed; dbt not started.
        "before-dbt": lambda: kill_at(pipeline, "unchanged_since_build"),
        # dbt half-way: the announcements fact table written under its temporary name.
        "mid-dbt": lambda: kill_in_dbt("create", "fct_announcement__dbt_tmp"),
        # The snapshot's new versions merged into it, not yet committed.
        "mid-snapshot": lambda: kill_in_dbt("update", "insert into", '"announcement_versions"'),
        # dbt done; the quality gate not run, no build mark.
        "before-gate": lambda: kill_before_task(pipeline, "check"),
        # Gate passed; publish not started, the build not marked.
        "before-publish": lambda: kill_before_task(pipeline, "publish_release"),
        # Four dataset files of the new release written in its .partial folder.
        "mid-publish": lambda: kill_at(publish, "write_dataset", call=5),
        # The release complete and renamed into place; latest not moved to it.
        "before-latest": lambda: kill_at(publish, "switch_latest"),
        # latest moved; old releases not pruned, the run not finished.
        "after-publish": lambda: kill_at(publish, "prune"),
    }
    points[point]()


def no_waits_overlay(data_dir: Path) -> Path:
    """Replay needs no politeness: an overlay without waits between requests."""
    from sources.registry import load_sources

    path = data_dir.parent / f"{data_dir.name}-no-waits.yaml"
    overlay = {name: {"politeness": {"min_interval": 0}} for name in load_sources()}
    path.write_text(yaml.safe_dump(overlay), encoding="utf-8")
    return path


def run(data_dir: Path, scope: str = "all", sources: tuple[str, ...] = ()) -> Any:
    """One pipeline run of ``scope`` on the samples, without Prefect's engine."""
    from flows.pipeline import SAMPLES, RunOptions, run_without_prefect

    overlay = no_waits_overlay(data_dir)
    options = RunOptions(
        replay=SAMPLES, sources=sources, sources_overlay=str(overlay), as_of=AS_OF, scope=scope
    )
    return run_without_prefect(options)


def main(argv: list[str]) -> None:
    point, data_dir, scope, sources = argv[0], Path(argv[1]), argv[2], tuple(argv[3:])
    os.environ["FEZ_DATA_DIR"] = str(data_dir)
    from flows.runtime import configure_environment

    configure_environment(data_dir)
    _arm(point)
    summary = run(data_dir, scope, sources)
    print(summary.release)


if __name__ == "__main__":
    main(sys.argv[1:])
