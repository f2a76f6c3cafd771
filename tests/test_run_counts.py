"""A run's counts and its exit code: robots.txt is nobody's fetch, a source with nothing
archived is an error, not ok (a record met twice in one run: tests/test_warehouse.py)."""

import pytest

from flows import exit_codes
from flows.pipeline import _pages_fetched
from sources.crawl import collect
from sources.reparse import reparse_archive
from tests.fetch_helpers import board_spec, fetcher, serve_pages
from tests.httpserver import Reply, local_servers


def _crawl_in_order(tmp_path, server, names: list[str]) -> dict[str, int]:
    specs = {n: board_spec(server, name=n, paging={"param": "page", "max_pages": 2}) for n in names}
    shared = fetcher(tmp_path / "-".join(names))
    try:
        return {n: _pages_fetched(collect(specs[n], shared)) for n in names}
    finally:
        shared.close()


def test_a_shared_hosts_robots_txt_is_credited_to_no_source(tmp_path):
    with local_servers(1) as (server,):
        server.route("/robots.txt", Reply(200, b"User-agent: *\nAllow: /\n"))
        serve_pages(server)
        first = _crawl_in_order(tmp_path, server, ["board_a", "board_b"])
        second = _crawl_in_order(tmp_path, server, ["board_b", "board_a"])
        assert len(server.seen("/robots.txt")) == 2  # once per run, by whichever asked first
    assert first == second == {"board_a": 2, "board_b": 2}


def test_reparse_reports_a_source_with_nothing_archived_as_an_error(tmp_path):
    with local_servers(1) as (server,):
        serve_pages(server)
        archived, empty = board_spec(server, name="archived"), board_spec(server, name="empty")
        crawl = fetcher(tmp_path)
        collect(archived, crawl)
        crawl.close()
    again = reparse_archive(tmp_path / "raw", {"archived": archived, "empty": empty})
    assert again["archived"].records and not again["archived"].errors
    assert again["empty"].errors == [f"no archived page to re-parse under {tmp_path}/raw/empty"]


@pytest.mark.parametrize(
    ("statuses", "code"),
    [
        ([], exit_codes.OK),
        (["ok", "no_data", "skipped"], exit_codes.OK),
        (["ok", "partial"], exit_codes.PARTIAL),
        (["ok", "failing"], exit_codes.PARTIAL),
        (["ok", "layout_changed"], exit_codes.PARTIAL),
        (["failing", "layout_changed"], exit_codes.FAILED),
        (["failing"], exit_codes.FAILED),
    ],
)
def test_a_runs_exit_code_follows_its_sources(statuses, code):
    assert exit_codes.for_sources(statuses) == code
