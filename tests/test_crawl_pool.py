"""Crawling in worker processes: host groups, each host's pace, the archive, the state."""

from __future__ import annotations

import functools
import os

from sources.crawl import collect_many
from sources.crawl_pool import CrawlPool, collect_in_processes, host_groups
from sources.fetch.archive import warc_files
from sources.fetch.state import SeenPosts
from sources.registry import SourceSpec
from tests.fetch_helpers import board_spec, fetcher, paged, serve_pages
from tests.httpserver import gaps, local_servers
from tests.pages import board_spec as example_board


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


def test_processes_crawl_like_threads_and_keep_each_hosts_pace(tmp_path):
    with local_servers(3) as servers:
        specs = []
        for number, server in enumerate(servers):
            serve_pages(server)
            polite = {"name": f"board_{number}", "politeness": {"min_interval": 0.1}}
            specs.append(board_spec(server, **paged(polite, pages=3)))
        threaded = collect_many(specs, fetcher(tmp_path / "threads"), commit=False)
        for server in servers:
            server.requests.clear()
        opener = functools.partial(fetcher, tmp_path / "processes", state=True)
        collected = collect_in_processes(specs, opener, processes=2, max_concurrency=4)
    assert {name: len(c.records) for name, c in collected.items()} == {
        name: len(c.records) for name, c in threaded.items()
    }
    assert all(c.records and not c.errors for c in collected.values())
    assert all(s.peak_in_flight == 1 for s in servers)
    assert all(min(gaps(s.seen("/board"))) >= 0.09 for s in servers)
    assert {p.parent.parent.name for p in warc_files([tmp_path / "processes" / "raw"])} == {
        s.name for s in specs
    }
    (seen,) = [u for u in collected["board_0"].state_updates if isinstance(u, SeenPosts)]
    assert len(seen.post_ids) == 9
    state = fetcher(tmp_path / "processes", state=True).state
    assert state.seen_posts("board_0", seen.board) == set(), "left for the caller to commit"


def test_a_worker_that_dies_is_reported_for_each_of_its_sources(tmp_path):
    specs = [_spec("a", "a.example"), _spec("b", "a.example")]
    with CrawlPool(1) as pool:
        collected = collect_in_processes(specs, _die, 1, 4, pool=pool)
    assert all("crawl worker failed" in c.errors[0] for c in collected.values())


def _die():
    """An opener that kills its worker process."""
    os._exit(3)
