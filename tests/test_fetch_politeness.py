"""Politeness: robots.txt, per-host spacing and concurrency, hosts in parallel, host checks."""

from __future__ import annotations

import threading
import time
from itertools import pairwise

import pytest

from sources.crawl import collect, collect_many
from sources.fetch import politeness
from sources.fetch.replay import ReplayStore
from tests.fetch_helpers import (
    board_page,
    board_spec,
    fetcher,
    paced_boards,
    paged,
    redactor,
    responses,
    serve_pages,
)  # fmt: skip
from tests.httpserver import CLOCK_SLACK, Reply, gaps, html, local_servers

ROBOTS_TEXT = {"Content-Type": "text/plain"}


def test_robots_disallow_skips_the_url_and_reports_it(tmp_path):
    with local_servers(1) as (server,):
        server.route("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /board\n", ROBOTS_TEXT))
        serve_pages(server)
        spec = board_spec(server)
        collected = collect(spec, fetcher(tmp_path))
        assert server.seen("/board") == []
        assert len(server.seen("/robots.txt")) == 1
        (skipped,) = [f for f in collected.fetches if f.request.kind != "robots"]
        row = skipped.log_row("run")
        assert row["outcome"] == "disallowed" and "robots.txt" in row["error"]
        assert row["warc_file"] is None
        assert any("robots.txt" in e for e in collected.errors)


def test_robots_is_fetched_once_per_host_with_our_user_agent(tmp_path):
    with local_servers(1) as (server,):
        server.route("/robots.txt", Reply(200, b"User-agent: *\nAllow: /\n", ROBOTS_TEXT))
        serve_pages(server)
        collect(board_spec(server, **paged()), fetcher(tmp_path))
        (robots,) = server.seen("/robots.txt")
        assert robots.headers["User-Agent"].startswith("fez-test/1.0")
        assert len(server.seen("/board")) == 4


def test_robots_crawl_delay_spaces_requests(tmp_path):
    with local_servers(1) as (server,):
        server.route("/robots.txt", Reply(200, b"User-agent: *\nCrawl-delay: 0.3\n", ROBOTS_TEXT))
        serve_pages(server)
        collect(board_spec(server, **paged(pages=3)), fetcher(tmp_path))
        assert min(gaps(server.requests)) >= 0.3 - CLOCK_SLACK


def test_robots_answered_with_html_allows_all_and_warns(tmp_path):
    with local_servers(1) as (server,):
        server.route("/robots.txt", html("<html><body>Welcome</body></html>"))
        serve_pages(server)
        collected = collect(board_spec(server), fetcher(tmp_path))
        assert len(server.seen("/board")) == 1
        assert any("HTML page" in w for w in collected.warnings)


def test_robots_missing_allows_all_and_its_404_is_archived(tmp_path):
    with local_servers(1) as (server,):
        serve_pages(server)
        collected = collect(board_spec(server), fetcher(tmp_path))
        assert collected.records and not collected.errors
        assert [e.status for e in responses(tmp_path)] == [404, 200]


def test_robots_unreachable_closes_the_host_for_the_run(tmp_path):
    with local_servers(1) as (server,):
        server.route("/robots.txt", Reply(500))
        serve_pages(server)
        collected = collect(board_spec(server), fetcher(tmp_path, retries=1))
        assert server.seen("/board") == []
        assert any("robots.txt unavailable" in e for e in collected.errors)


def test_min_interval_spaces_requests_to_one_host(tmp_path):
    with local_servers(1) as (server,):
        serve_pages(server)
        spec = board_spec(server, **paged({"politeness": {"min_interval": 0.15}}))
        collect(spec, fetcher(tmp_path))
        assert len(server.requests) == 5
        assert min(gaps(server.requests)) >= 0.15 - CLOCK_SLACK


def test_two_sources_on_one_host_share_its_pace(tmp_path):
    with local_servers(1) as (server,):
        serve_pages(server, "/a")
        serve_pages(server, "/b")
        polite = {"politeness": {"min_interval": 0.1}}
        specs = [
            board_spec(server, path="/a", **paged({**polite, "name": "board_a"}, pages=3)),
            board_spec(server, path="/b", **paged({**polite, "name": "board_b"}, pages=3)),
        ]
        collected = collect_many(specs, fetcher(tmp_path))
        assert all(c.records for c in collected.values())
        assert server.peak_in_flight == 1
        assert min(gaps(server.requests)) >= 0.1 - CLOCK_SLACK
        assert len(server.seen("/robots.txt")) == 1


def test_hosts_are_crawled_in_parallel_one_request_each_at_a_time(tmp_path):
    with local_servers(3) as servers:
        collect_many(paced_boards(servers, pages=4), fetcher(tmp_path))
        assert all(s.peak_in_flight == 1 for s in servers)
        first_starts = [s.requests[0].at for s in servers]
        last_starts = [s.requests[-1].at for s in servers]
        assert max(first_starts) < min(last_starts)


def test_global_limit_bounds_requests_across_hosts(tmp_path):
    with local_servers(3) as servers:
        specs = []
        for number, server in enumerate(servers):
            server.route("/board", Reply(200, board_page([1]).encode(), delay=0.1))
            specs.append(board_spec(server, name=f"board_{number}"))
        collect_many(specs, fetcher(tmp_path, max_concurrency=1, obey_robots=False))
        spans = sorted((s.requests[0].at, s.requests[0].at + 0.1) for s in servers)
        assert all(later[0] >= earlier[1] - 0.01 for earlier, later in pairwise(spans))


def test_an_undeclared_host_is_refused_without_a_request(tmp_path):
    with local_servers(1) as (server,):
        serve_pages(server)
        spec = board_spec(server, hosts=["pms.gtp.or.kr"])
        result = fetcher(tmp_path).fetch(spec, spec.requests[0])
        assert result.outcome == "refused" and "not declared" in result.error
        assert server.requests == []


def test_a_name_resolving_to_loopback_is_refused_unless_declared_private(tmp_path):
    with local_servers(1, first=1) as (server,):
        serve_pages(server)
        url = f"http://localhost:{server.port}/board"
        hosts = [f"localhost:{server.port}"]
        spec = board_spec(server, hosts=hosts, requests=[{"url": url}])
        refused = fetcher(tmp_path).fetch(spec, spec.requests[0])
        assert refused.outcome == "refused" and "non-public address" in refused.error
        assert server.requests == []
        allowed = board_spec(server, hosts=hosts, requests=[{"url": url}], allow_private_hosts=True)
        assert fetcher(tmp_path).fetch(allowed, allowed.requests[0]).ok


@pytest.mark.parametrize("host", ["169.254.169.254", "[fe80::1]", "100.100.100.200"])
def test_a_declared_metadata_or_link_local_address_is_refused(tmp_path, host):
    with local_servers(1) as (server,):
        url = f"http://{host}/latest/meta-data/"
        spec = board_spec(server, hosts=[host], requests=[{"url": url}])
        refused = fetcher(tmp_path).fetch(spec, spec.requests[0])
    assert refused.outcome == "refused" and "metadata" in refused.error
    assert refused.warc_file is None


def test_a_replay_never_waits_while_the_live_crawl_keeps_every_gate(tmp_path, monkeypatch):
    waits: list[float] = []
    real_sleep = politeness.time.sleep

    def recorded(seconds: float) -> None:
        waits.append(seconds)
        real_sleep(seconds)

    monkeypatch.setattr(politeness.time, "sleep", recorded)
    with local_servers(1) as (server,):
        serve_pages(server)
        server.route("/robots.txt", Reply(200, b"User-agent: *\nCrawl-delay: 0.1\n", ROBOTS_TEXT))
        spec = board_spec(server, **paged({"politeness": {"min_interval": 0.05}}, pages=3))
        live = collect(spec, fetcher(tmp_path / "live"))
    assert sum(waits) >= 0.15 and len(live.records) == 9
    waits.clear()
    store = ReplayStore.from_warc([tmp_path / "live" / "raw"], redactor())
    replayed = collect(spec, fetcher(tmp_path / "replay", replay=store))
    assert waits == []
    assert without_fetch_ids(replayed.records) == without_fetch_ids(live.records)


def without_fetch_ids(records):
    return [{k: v for k, v in r.items() if k != "fetch_id"} for r in records]


def test_a_hosts_pace_carries_over_to_the_scheduler_of_another_process():
    flow_side = politeness.HostScheduler(4)
    with flow_side.slot("board.example", 0.3):
        pass
    asked = time.monotonic()
    assert flow_side.asked() == ["board.example"]
    worker_side = politeness.HostScheduler(4)
    worker_side.carry_over(dict.fromkeys(flow_side.asked(), time.time()))
    worker_side.limit(2)  # a worker's share of the limit keeps the pace it was handed

    def second_request() -> None:
        with worker_side.slot("board.example", 0.0, max_in_flight=2):
            pass

    with worker_side.slot("board.example", 0.3, max_in_flight=2):
        waited = time.monotonic() - asked
        alongside = threading.Thread(target=second_request, daemon=True)
        alongside.start()
        alongside.join(timeout=2)
    assert not alongside.is_alive(), "the host's own limit in flight, not one from the handoff"
    assert waited >= 0.3 - CLOCK_SLACK
    before = time.monotonic()
    with worker_side.slot("other.example", 0.3):
        assert time.monotonic() - before < 0.15, "a host the flow never asked waits nothing"
