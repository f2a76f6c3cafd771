"""Crawl state over scheduled runs: the same paged detail board, run after run, with the faults
real sites have (failed details, pinned rows, page shifts, moved markup, removed posts)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sources.crawl import collect
from sources.parsers.board import EMPTY_BOARD
from tests.fetch_helpers import GTP_LIKE_LIST, board_page, board_spec, fetcher
from tests.httpserver import LocalServer, Reply, Seen, html, local_servers

EMPTY_PAGE = board_page([]).replace("<tbody>", "<tbody><tr><td>" + EMPTY_BOARD + "</td></tr>")
DETAIL = {"url": "", "body": "div.txtcontent", "fields": "div.txtView"}


def detail_page(post_id: str, posted: str = "2026-11-10", label: str = "등록일") -> str:
    """A SAMPLE detail page in the pms.gtp.or.kr shape (invented call)."""
    return (
        "<!-- SAMPLE page for tests, not a real capture -->"
        '<html><head><meta charset="utf-8"></head><body><div class="txtView">'
        f"<h3>2026년 시험 공고 {post_id}</h3><div class='txtinfor'>"
        f"<dl><dt>담당부서</dt><dd>기업지원팀</dd></dl><dl><dt>{label}</dt><dd>{posted}</dd></dl>"
        f"</div><div class='txtcontent'><p>공고 {post_id} 본문입니다.</p></div></div></body></html>"
    )


class Board:
    """A paged board with detail pages on one local server; ``pages`` can change between runs."""

    def __init__(self, server: LocalServer, pages: list[list[int]], pinned: int | None = None):
        self.server, self.pages, self.pinned = server, pages, pinned
        self.detail: Callable[[str], Reply] = lambda post_id: html(detail_page(post_id))
        server.route("/board", self._list)
        server.route("/view", lambda seen: self.detail(seen.query.split("id=")[1]))

    def _list(self, seen: Seen) -> Reply:
        number = int(seen.query.split("page=")[1])
        ids = self.pages[number - 1] if number <= len(self.pages) else []
        text = board_page(ids) if ids else EMPTY_PAGE
        if self.pinned is not None:
            pinned_row = board_page([self.pinned]).split("<tbody>")[1].split("</tbody>")[0]
            pinned_row = pinned_row.replace(f"<tr><td>{self.pinned}</td>", "<tr><td>공지</td>")
            text = text.replace("<tbody>", "<tbody>" + pinned_row)
        return html(text)

    def spec(self, max_pages: int = 5, **detail):
        options = {
            **GTP_LIKE_LIST,
            "fields": {**GTP_LIKE_LIST["fields"], "number": "td:nth-of-type(1)"},
            "detail": {**DETAIL, "url": self.server.url("/view?id={id}"), **detail},
        }
        return board_spec(
            self.server, paging={"param": "page", "max_pages": max_pages}, options=options
        )

    def asked(self, path: str) -> list[str]:
        return [s.query for s in self.server.seen(path)]


def run(tmp_path, spec, number: int, **kwargs):
    return collect(spec, fetcher(tmp_path, state=True, run_id=f"run{number}"), **kwargs)


def test_posts_whose_details_failed_are_stored_by_the_next_run(tmp_path):
    with local_servers(1) as (server,):
        board = Board(server, [[30, 29, 28], [27, 26, 25]])
        spec = board.spec()
        board.detail = lambda post_id: Reply(503, b"busy", {"Content-Type": "text/plain"})
        failed = run(tmp_path, spec, 1)
        board.detail = lambda post_id: html(detail_page(post_id))
        healthy = run(tmp_path, spec, 2)
        after = run(tmp_path, spec, 3)
    assert failed.records == [] and failed.errors
    assert sorted(r["post_id"] for r in healthy.records) == ["25", "26", "27", "28", "29", "30"]
    assert healthy.errors == []
    assert after.records == [] and after.errors == []


def test_a_board_failing_on_its_second_page_recovers_though_the_first_is_unchanged(tmp_path):
    with local_servers(1) as (server,):
        board = Board(server, [[30, 29, 28], [27, 26, 25]])
        spec = board.spec()
        board.detail = lambda post_id: (
            Reply(503, b"busy") if int(post_id) < 28 else html(detail_page(post_id))
        )
        first = run(tmp_path, spec, 1)
        board.detail = lambda post_id: html(detail_page(post_id))
        second = run(tmp_path, spec, 2)
    assert sorted(r["post_id"] for r in first.records) == ["28", "29", "30"]
    assert sorted(r["post_id"] for r in second.records) == ["25", "26", "27"]


def test_the_third_run_of_a_paged_detail_board_asks_one_list_page_and_no_detail(tmp_path):
    with local_servers(1) as (server,):
        board = Board(server, [[30, 29, 28], [27, 26, 25], [24, 23]])
        spec = board.spec()
        first = run(tmp_path, spec, 1)
        board.pages = [[31, 30, 29], [28, 27, 26], [25, 24, 23]]
        before = len(server.seen())
        second = run(tmp_path, spec, 2)
        second_asked = server.seen()[before:]
        before = len(server.seen())
        third = run(tmp_path, spec, 3)
        third_asked = server.seen()[before:]
    assert len(first.records) == 8
    assert [r["post_id"] for r in second.records] == ["31"]
    assert [s.path for s in second_asked if s.path == "/view"] == ["/view"]
    assert [s.query for s in second_asked if s.path == "/board"] == ["page=1", "page=2"]
    assert third.records == [] and third.errors == []
    assert [s.path for s in third_asked if s.path != "/robots.txt"] == ["/board"]


def test_a_pinned_row_on_every_page_does_not_page_past_the_last_page(tmp_path):
    with local_servers(1) as (server,):
        board = Board(server, [[30, 29, 28], [27, 26]], pinned=99)
        result = run(tmp_path, board.spec(max_pages=8), 1)
    assert board.asked("/board") == ["page=1", "page=2", "page=3"]
    assert sorted(r["post_id"] for r in result.records) == ["26", "27", "28", "29", "30", "99"]


def test_a_row_repeated_by_a_page_shift_is_requested_once(tmp_path):
    with local_servers(1) as (server,):
        board = Board(server, [[30, 29, 28], [28, 27]])
        result = run(tmp_path, board.spec(), 1)
    assert board.asked("/view").count("id=28") == 1
    assert sorted(r["post_id"] for r in result.records) == ["27", "28", "29", "30"]


def test_a_detail_selector_that_matches_nothing_marks_the_layout_changed(tmp_path):
    with local_servers(1) as (server,):
        board = Board(server, [[30, 29, 28]])
        result = run(tmp_path, board.spec(body="div.moved-away"), 1)
    layout = [w for w in result.warnings if w.startswith("layout_changed")]
    assert layout == [
        "layout_changed: test_board: detail.body 'div.moved-away' matched nothing on 3 of 3 pages"
    ]
    assert len(result.records) == 3


@pytest.mark.parametrize("label", ["등록일", "등록일자", "게시일자"])
def test_the_posting_date_comes_from_the_detail_page_when_the_list_has_none(tmp_path, label):
    with local_servers(1) as (server,):
        board = Board(server, [[30]])
        board.detail = lambda post_id: html(detail_page(post_id, "2026. 11. 10.", label))
        (record,) = run(tmp_path, board.spec(), 1).records
    assert record["posted_date"].isoformat() == "2026-11-10"


def test_a_declared_posting_date_selector_reads_an_unlabelled_date(tmp_path):
    with local_servers(1) as (server,):
        board = Board(server, [[30]])
        page = detail_page("30").replace("<h3>", "<span class='reg'>2026.11.09</span><h3>")
        board.detail = lambda post_id: html(page.replace("등록일", "비고"))
        (record,) = run(tmp_path, board.spec(posted="span.reg"), 1).records
    assert record["posted_date"].isoformat() == "2026-11-09"


def test_a_detail_page_that_is_gone_or_says_deleted_is_a_removal(tmp_path):
    with local_servers(1) as (server,):
        board = Board(server, [[30, 29, 28]])
        gone = {
            "29": Reply(404, b"not found", {"Content-Type": "text/plain"}),
            "28": html("<script>alert('삭제된 게시물입니다.');history.back();</script>"),
        }
        board.detail = lambda post_id: gone.get(post_id) or html(detail_page(post_id))
        result = run(tmp_path, board.spec(), 1)
        again = run(tmp_path, board.spec(), 2)
    assert [r["post_id"] for r in result.records] == ["30"]
    assert [(r["post_id"], r["reason"]) for r in result.removed] == [
        ("29", "HTTP 404"),
        ("28", "deleted post page"),
    ]
    assert result.errors == []
    assert again.records == [] and again.removed == []


def test_a_post_gone_from_between_its_neighbours_is_checked_and_removed(tmp_path):
    with local_servers(1) as (server,):
        board = Board(server, [[30, 29, 28, 27], [26, 25]])
        spec = board.spec()
        run(tmp_path, spec, 1)
        board.pages = [[31, 30, 29, 27], [26, 25]]
        board.detail = lambda post_id: (
            Reply(404, b"gone") if post_id == "28" else html(detail_page(post_id))
        )
        removed = run(tmp_path, spec, 2)
        board.pages = [[32, 31, 30, 29], [27, 26]]
        pushed = run(tmp_path, spec, 3)
    assert [(r["post_id"], r["reason"]) for r in removed.removed] == [("28", "HTTP 404")]
    assert [r["post_id"] for r in removed.records] == ["31"]
    assert pushed.removed == [] and [r["post_id"] for r in pushed.records] == ["32"]
    assert board.asked("/view").count("id=27") == 1
