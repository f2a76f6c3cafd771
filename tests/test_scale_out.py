"""Scale-out on Prefect's own task runners: host groups as tasks on a process pool or a Dask
cluster collect what threads collect, and each host keeps its pace."""

from __future__ import annotations

import functools
import os
from datetime import datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path

import cloudpickle
import pytest
from prefect import flow
from prefect.task_runners import ProcessPoolTaskRunner

import flows.pipeline as pipeline
from flows.settings import Settings
from flows.task_runners import group_task_runner
from sources.crawl import collect_many
from sources.fetch.archive import warc_files
from sources.fetch.state import SeenPosts
from sources.host_groups import Packed, host_groups, unpack
from sources.registry import SourceSpec
from tests.fetch_helpers import fetcher, paced_boards
from tests.httpserver import CLOCK_SLACK, local_servers
from tests.pages import board_spec as example_board

ROOT = Path(__file__).parents[1]


def _spec(name: str, *hosts: str) -> SourceSpec:
    return example_board().model_copy(update={"name": name, "hosts": list(hosts)})


def test_sources_sharing_a_host_land_in_one_group():
    specs = [
        _spec("a", "a.example"),
        _spec("b", "b.example", "shared.example"),
        _spec("c", "shared.example"),
        _spec("d", "d.example"),
    ]
    groups = [sorted(s.name for s in group) for group in host_groups(specs, 2)]
    assert sorted(groups) == [["a", "d"], ["b", "c"]]


def test_there_are_never_more_groups_than_host_clusters():
    specs = [_spec("a", "one.example"), _spec("b", "one.example")]
    assert [len(g) for g in host_groups(specs, 4)] == [2]


def test_a_packed_result_crosses_a_process_boundary_as_its_value():
    kst = timezone(timedelta(hours=9), "KST")
    records = [{"post_id": "1", "posted": datetime(2025, 10, 1, 9, tzinfo=kst), "files": []}]
    assert cloudpickle.loads(cloudpickle.dumps(Packed(records))) == records
    assert unpack(Packed(records)) == records, "a result that stayed in the process"
    assert unpack(records) == records


def test_the_setting_selects_prefects_runner(monkeypatch):
    monkeypatch.setenv("FEZ_FETCH_PROCESSES", "3")
    assert group_task_runner(Settings(_env_file=None)) is None
    monkeypatch.setenv("FEZ_TASK_RUNNER", "processes")
    runner = group_task_runner(Settings(_env_file=None))
    assert isinstance(runner, ProcessPoolTaskRunner) and runner._max_workers == 3
    monkeypatch.setenv("FEZ_TASK_RUNNER", "dask")
    monkeypatch.setenv("FEZ_DASK_ADDRESS", "tcp://10.0.0.5:8786")
    assert group_task_runner(Settings(_env_file=None)).address == "tcp://10.0.0.5:8786"


@flow(name="crawl-host-groups")
def crawl_groups(specs, runner_name: str, dask_address: str | None, raw_dir: Path) -> dict:
    settings = Settings(
        _env_file=None, task_runner=runner_name, fetch_processes=2, dask_address=dask_address
    )
    opener = functools.partial(fetcher, raw_dir, state=True)
    flow_fetcher = fetcher(raw_dir, state=True, archive_part="flow")
    options = pipeline.RunOptions(steps=("fetch",))
    keys = {s.name: (None, None) for s in specs}
    with group_task_runner(settings) as runner:
        results = pipeline._collect_in_groups(
            runner, specs, keys, opener, flow_fetcher, settings, options
        )
    flow_fetcher.close()
    return {r.spec.name: r.collected for r in results}


@pytest.fixture
def dask_cluster(monkeypatch):
    """A local Dask cluster of two worker processes that can import the tests' helpers."""
    from distributed import LocalCluster

    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield cluster


def test_host_groups_on_a_dask_cluster_collect_what_threads_collect(
    tmp_path, prefect_api, dask_cluster
):
    with local_servers(3) as servers:
        specs = paced_boards(servers, pages=3)
        threaded = collect_many(specs, fetcher(tmp_path / "threads"), commit=False)
        for server in servers:
            server.requests.clear()
        collected = crawl_groups(specs, "dask", dask_cluster.scheduler_address, tmp_path / "groups")
    assert {name: [r["post_id"] for r in c.records] for name, c in collected.items()} == {
        name: [r["post_id"] for r in c.records] for name, c in threaded.items()
    }
    assert all(c.records and not c.errors for c in collected.values())
    # Bodies stay in the workers' archives; each fetch_log row keeps their size and digest.
    assert not any(f.body for c in collected.values() for f in c.fetches)
    assert _answers(collected) == _answers(threaded)
    assert all(s.peak_in_flight == 1 for s in servers)
    asked = [len(s.seen("/robots.txt")) for s in servers]
    assert asked == [1] * len(servers), f"robots.txt asked {asked} times, not once by the flow"
    # The gate spaces the starts of a host's requests 0.1 s apart, across the flow's
    # robots.txt request and a worker's pages too (the pace carried over). Starts as the
    # client logged them: the first request on a worker's new connection may reach the host
    # late on a loaded machine, so arrival gaps can be shorter than the starts' gaps.
    for name, found in collected.items():
        starts = sorted(f.fetched_at.timestamp() for f in found.fetches)
        shortest = min(b - a for a, b in pairwise(starts))
        assert shortest >= 0.1 - CLOCK_SLACK, f"{name}: requests started {shortest:.3f} s apart"
    assert {p.parent.parent.name for p in warc_files([tmp_path / "groups" / "raw"])} == {
        s.name for s in specs
    }
    (seen,) = [u for u in collected["board_0"].state_updates if isinstance(u, SeenPosts)]
    assert len(seen.post_ids) == 9
    state = fetcher(tmp_path / "groups", state=True).state
    assert state.seen_posts("board_0", seen.board) == set(), "left for the caller to commit"


def _answers(collected: dict) -> dict:
    rows = (f.log_row("run") for c in collected.values() for f in c.fetches)
    return {r["url"]: (r["status"], r["bytes"], r["sha256"]) for r in rows}


@flow(name="crawl-with-a-dying-worker")
def crawl_with_dying_opener(specs, raw_dir: Path) -> dict:
    settings = Settings(_env_file=None, task_runner="processes", fetch_processes=1)
    with group_task_runner(settings) as runner:
        results = pipeline._collect_in_groups(
            runner,
            specs,
            {s.name: (None, None) for s in specs},
            _die,
            fetcher(raw_dir, obey_robots=False),
            settings,
            pipeline.RunOptions(steps=("fetch",)),
        )
    return {r.spec.name: r.collected for r in results}


def test_a_worker_that_dies_is_reported_for_each_of_its_sources(tmp_path, prefect_api):
    specs = [_spec("a", "a.example"), _spec("b", "a.example")]
    collected = crawl_with_dying_opener(specs, tmp_path)
    assert set(collected) == {"a", "b"}
    assert all("crawl worker failed" in c.errors[0] for c in collected.values())


def _die():
    """An opener that kills its worker process."""
    os._exit(3)
