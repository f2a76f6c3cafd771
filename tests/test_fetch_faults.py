"""Each fault a site can throw at the fetcher, against the local server: what the server saw,
what the fetcher answered, and what the archive holds (one record per response)."""

from __future__ import annotations

import gzip
import time

import pytest

from tests.fetch_helpers import archived, board_page, board_spec, fetcher, responses
from tests.httpserver import CLOCK_SLACK, LocalServer, Reply, gaps, html, local_servers

OK = html(board_page([101, 102]))


@pytest.fixture
def server():
    with local_servers(1) as (one,):
        yield one


def fetch_board(tmp_path, server: LocalServer, **overrides):
    spec = board_spec(server)
    return fetcher(tmp_path, **overrides).fetch(spec, spec.requests[0])


def board_responses(tmp_path):
    return [e for e in responses(tmp_path) if e.url.endswith("/board")]


def test_429_with_retry_after_seconds_waits_then_succeeds(tmp_path, server):
    server.route("/board", [Reply(429, b"slow down", {"Retry-After": "1"}), OK])
    result = fetch_board(tmp_path, server)
    assert result.ok and result.attempt == 2
    seen = server.seen("/board")
    assert len(seen) == 2
    assert gaps(seen)[0] >= 1 - CLOCK_SLACK
    assert [e.status for e in board_responses(tmp_path)] == [429, 200]


def test_retry_after_beyond_the_cap_defers_the_host_for_the_run(tmp_path, server):
    later = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 3600))
    server.route("/board", Reply(503, b"maintenance", {"Retry-After": later}))
    spec = board_spec(server)
    run = fetcher(tmp_path, max_retry_wait=5.0)
    first = run.fetch(spec, spec.requests[0])
    second = run.fetch(spec, spec.requests[0])
    assert first.deferred and "deferred to the next run" in first.error
    assert second.deferred and second.warc_file is None
    assert len(server.seen("/board")) == 1
    assert second.log_row("r")["deferred"] is True


def test_burst_of_503_is_retried_with_growing_backoff(tmp_path, server):
    server.route("/board", [Reply(503), Reply(503), Reply(503), OK])
    result = fetch_board(tmp_path, server, retries=3, backoff_factor=0.1)
    assert result.ok and result.attempt == 4
    assert [r.status for r in result.exchanges() if r.request.kind != "robots"] == [503] * 3 + [200]
    spacing = gaps(server.seen("/board"))
    assert all(g >= wait - CLOCK_SLACK for g, wait in zip(spacing, (0.1, 0.2, 0.4), strict=True))
    assert [e.status for e in board_responses(tmp_path)] == [503, 503, 503, 200]


def test_503_beyond_the_retries_is_an_error_after_retries_plus_one_requests(tmp_path, server):
    server.route("/board", Reply(503))
    result = fetch_board(tmp_path, server, retries=2)
    assert result.error == "HTTP 503" and not result.ok
    assert len(server.seen("/board")) == 3
    assert len(board_responses(tmp_path)) == 3


def test_read_timeout_is_retried(tmp_path, server):
    server.route("/board", [Reply(delay=1.0, body=b"late"), OK])
    result = fetch_board(tmp_path, server, read_timeout=0.3)
    assert result.ok and result.attempt == 2
    failed = result.history[-1]
    assert failed.outcome == "network_error" and "Timeout" in failed.error
    assert len(server.seen("/board")) == 2
    board = [e for e in archived(tmp_path) if e.url.endswith("/board")]
    assert [e.status for e in board] == [None, 200]


def test_connection_reset_is_retried(tmp_path, server):
    server.route("/board", [Reply(reset=True), OK])
    result = fetch_board(tmp_path, server)
    assert result.ok and result.attempt == 2
    assert result.history[-1].outcome == "network_error"
    assert len(server.seen("/board")) == 2


def test_truncated_body_is_archived_as_cut_short_and_retried(tmp_path, server):
    short = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000\r\n\r\n<html>cut"
    server.route("/board", [Reply(raw=short), OK])
    result = fetch_board(tmp_path, server)
    assert result.ok and result.attempt == 2
    assert result.history[-1].outcome == "truncated"
    first, second = board_responses(tmp_path)
    assert first.truncated == "disconnect" and first.body == b"<html>cut"
    assert result.history[-1].body == b"<html>cut" and "5000" in result.history[-1].error
    assert second.truncated is None and second.status == 200


def test_body_over_the_cap_is_refused_without_retry(tmp_path, server):
    server.route("/board", Reply(200, b"x" * 5000, {"Content-Type": "text/html"}))
    result = fetch_board(tmp_path, server, max_body_bytes=1000)
    assert result.outcome == "too_large" and "cap of 1000" in result.error
    assert len(server.seen("/board")) == 1
    (record,) = board_responses(tmp_path)
    assert record.truncated == "length" and record.body == b""


def test_gzip_bomb_is_stopped_at_the_cap(tmp_path, server):
    bomb = gzip.compress(b"\0" * 50_000_000, compresslevel=9)
    headers = {"Content-Type": "text/html", "Content-Encoding": "gzip"}
    server.route("/board", Reply(200, bomb, headers))
    result = fetch_board(tmp_path, server, max_body_bytes=1_000_000)
    assert len(bomb) < 1_000_000
    assert result.outcome == "too_large" and result.body == b""
    assert len(server.seen("/board")) == 1
    (record,) = board_responses(tmp_path)
    assert record.truncated == "length"


def test_redirect_to_an_undeclared_host_is_refused_and_reported(tmp_path):
    with local_servers(2) as (site, elsewhere):
        site.route("/board", Reply(302, headers={"Location": elsewhere.url("/board")}))
        elsewhere.route("/board", OK)
        result = fetch_board(tmp_path, site)
        assert result.outcome == "refused"
        assert "redirect refused" in result.error and elsewhere.netloc in result.error
        assert elsewhere.requests == []
        assert [e.status for e in board_responses(tmp_path)] == [302]


def test_redirect_to_a_declared_host_is_followed(tmp_path):
    with local_servers(2) as (site, mirror):
        site.route("/old", Reply(301, headers={"Location": mirror.url("/board")}))
        mirror.route("/board", OK)
        spec = board_spec(site, mirror, path="/old")
        result = fetcher(tmp_path).fetch(spec, spec.requests[0])
        assert result.ok and result.url == mirror.url("/board")
        assert [r.outcome for r in result.exchanges() if r.request.kind != "robots"] == [
            "redirect",
            "ok",
        ]


def test_connection_refused_becomes_an_archived_error_after_retries(tmp_path, server):
    spec = board_spec(server)
    server.stop()
    result = fetcher(tmp_path, retries=1, obey_robots=False).fetch(spec, spec.requests[0])
    assert result.outcome == "network_error" and result.attempt == 2
    assert [e.status for e in archived(tmp_path)] == [None, None]
