"""Conditional GET and incremental paging: what earlier runs saw is not fetched or parsed again."""

from __future__ import annotations

from sources.crawl import collect
from tests.fetch_helpers import board_page, board_spec, fetcher
from tests.httpserver import Reply, html, local_servers


def test_a_304_answer_is_not_modified_and_not_parsed(tmp_path):
    with local_servers(1) as (server,):

        def answer(seen):
            if seen.headers.get("If-None-Match") == '"v1"':
                return Reply(304, headers={"ETag": '"v1"'})
            return html(
                board_page([1, 2]),
                ETag='"v1"',
                **{"Last-Modified": "Fri, 20 Nov 2026 00:00:00 GMT"},
            )

        server.route("/board", answer)
        spec = board_spec(server)
        first = collect(spec, fetcher(tmp_path, state=True))
        second = collect(spec, fetcher(tmp_path, state=True, run_id="run2"))
        asked = server.seen("/board")[-1].headers
    assert len(first.records) == 2
    assert asked["If-None-Match"] == '"v1"'
    assert asked["If-Modified-Since"] == "Fri, 20 Nov 2026 00:00:00 GMT"
    (page,) = [f for f in second.fetches if f.request.kind == "list"]
    assert page.status == 304 and page.not_modified and page.log_row("r")["not_modified"]
    assert second.records == [] and second.errors == []


def test_an_unchanged_body_without_validators_is_not_parsed_again(tmp_path):
    with local_servers(1) as (server,):
        server.route("/board", html(board_page([1, 2])))
        spec = board_spec(server)
        collect(spec, fetcher(tmp_path, state=True))
        again = collect(spec, fetcher(tmp_path, state=True, run_id="run2"))
    (page,) = [f for f in again.fetches if f.request.kind == "list"]
    assert page.status == 200 and page.not_modified
    assert again.records == []


def board_with_new_posts(server, newest: list[int]):
    """Ten posts a page, newest first; ``newest[0]`` is the top id for this run."""

    def answer(seen):
        number = int(seen.query.split("page=")[1])
        top = newest[0] - (number - 1) * 10
        return html(board_page(range(top, max(top - 10, 0), -1)))

    server.route("/board", answer)


def pages_asked(server) -> list[str]:
    return [s.query for s in server.seen("/board")]


def test_paging_stops_at_the_first_page_of_posts_seen_before(tmp_path):
    with local_servers(1) as (server,):
        newest = [50]
        board_with_new_posts(server, newest)
        spec = board_spec(server, paging={"param": "page", "max_pages": 3})
        first = collect(spec, fetcher(tmp_path, state=True))
        assert pages_asked(server) == ["page=1", "page=2", "page=3"]
        newest[0] = 53
        second = collect(spec, fetcher(tmp_path, state=True, run_id="run2"))
        assert pages_asked(server)[3:] == ["page=1", "page=2"]
        third = collect(spec, fetcher(tmp_path, state=True, run_id="run3"))
        assert pages_asked(server)[5:] == ["page=1"]
    assert len(first.records) == 30
    assert {r["post_id"] for r in second.records} >= {"53", "52", "51"}
    assert third.records == []


def test_full_recrawl_ignores_what_earlier_runs_saw(tmp_path):
    with local_servers(1) as (server,):
        board_with_new_posts(server, [50])
        spec = board_spec(server, paging={"param": "page", "max_pages": 3})
        collect(spec, fetcher(tmp_path, state=True))
        full = collect(spec, fetcher(tmp_path, state=True, run_id="run2"), full=True)
        assert pages_asked(server)[3:] == ["page=1", "page=2", "page=3"]
        assert "If-None-Match" not in server.seen("/board")[-1].headers
    assert len(full.records) == 30


def test_state_is_committed_only_when_asked(tmp_path):
    with local_servers(1) as (server,):
        server.route("/board", html(board_page([1, 2])))
        spec = board_spec(server)
        run = fetcher(tmp_path, state=True)
        held = collect(spec, run, commit=False)
        assert collect(spec, fetcher(tmp_path, state=True, run_id="run2")).records
        run.state.commit(held.state_updates)
        assert not collect(spec, fetcher(tmp_path, state=True, run_id="run3")).records


def test_a_304_declaring_the_length_of_the_unchanged_body_is_not_cut_short(tmp_path):
    with local_servers(1) as (server,):

        def answer(seen):
            if seen.headers.get("If-None-Match") == '"v1"':
                return Reply(304, headers={"ETag": '"v1"', "Content-Length": "5000"})
            return html(board_page([1, 2]), ETag='"v1"')

        server.route("/board", answer)
        spec = board_spec(server)
        collect(spec, fetcher(tmp_path, state=True))
        again = collect(spec, fetcher(tmp_path, state=True, run_id="run2"))
    (page,) = [f for f in again.fetches if f.request.kind == "list"]
    assert page.not_modified and page.error is None and page.attempt == 1
    assert len(server.seen("/board")) == 2
