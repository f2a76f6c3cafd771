"""The declarative board reader and its generic mode, on boards of no real institution."""

from datetime import date

import pytest
from bs4 import BeautifulSoup

from sources.parsers import ParseError
from sources.parsers.board import parse
from sources.parsers.board_generic import find_board
from sources.parsers.markup import onclick_id
from tests.pages import FIXTURES, board_spec, make_page

URL = "https://board.example/www/selectBbsNttList.do?bbsNo=55"


def generic(name: str, **kwargs):
    html = (FIXTURES / name).read_text(encoding="utf-8")
    return find_board(BeautifulSoup(html, "lxml"), URL, **kwargs)


def test_generic_reader_takes_an_egov_table_by_its_header():
    board = generic("board_egov_table.html")
    assert board.confidence == 0.9
    assert "제목" in board.reason and "등록일" in board.reason
    assert [r["post_id"] for r in board.rows] == ["90011", "90187", "90150", "90101"]
    second = board.rows[1]
    assert second["title"] == "2026년 산학협력 기술지원 과제 공모"
    assert second["posted_date"] == date(2026, 11, 18)
    assert second["department"] == "산학협력단"
    assert (
        second["url"] == "https://board.example/www/selectBbsNttView.do?key=1&bbsNo=55&nttNo=90187"
    )
    assert board.rows[0]["pinned"] and not second["pinned"]


def test_generic_reader_takes_a_list_board_and_skips_the_menu():
    board = generic("board_list_ul.html")
    assert board.where == "ul.board-list"
    assert board.confidence == 0.6
    assert [(r["post_id"], r["posted_date"]) for r in board.rows] == [
        ("7781", date(2026, 11, 19)),
        ("7775", date(2026, 11, 13)),
        ("7760", date(2026, 11, 2)),
    ]
    assert board.rows[0]["title"] == "2026 캠퍼스 창업경진대회 참가팀 모집"


def test_generic_reader_reads_ids_from_onclick_only_links():
    board = generic(
        "board_onclick_only.html", detail_url="https://board.example/bid/view.do?no={id}"
    )
    assert board.confidence == 0.6
    assert [r["post_id"] for r in board.rows] == ["5521", "5517", "5502"]
    assert board.rows[0]["url"] == "https://board.example/bid/view.do?no=5521"
    assert board.rows[2]["posted_date"] == date(2026, 10, 30)


def test_generic_reader_reports_no_board_on_a_page_without_one():
    board = generic("board_redesigned.html")
    assert board.confidence == 0.0 and board.rows == []


def test_generic_mode_parses_records_with_the_reader_confidence_threshold():
    spec = board_spec(mode="generic", min_confidence=0.5)
    html = (FIXTURES / "board_list_ul.html").read_bytes()
    result = parse(make_page(spec, html, URL))
    assert [r["post_id"] for r in result.records] == ["7781", "7775", "7760"]
    assert result.warnings == []
    strict = board_spec(mode="generic", min_confidence=0.8)
    result = parse(make_page(strict, html, URL))
    assert result.records == []
    assert result.warnings[0].startswith("layout_changed: example_board:")


ONCLICK_OPTIONS = {
    "rows": "table.list tbody tr",
    "fields": {"title": "td.sbj a", "number": "td:nth-of-type(1)", "date": "td:nth-of-type(4)"},
    "id_pattern": r"goDetail\((\d+)\)",
    "url": "https://board.example/bid/view.do?no={id}",
    "date_formats": ["%Y/%m/%d"],
    "exclude_titles": ["재공고"],
}


def test_declared_selectors_read_rows_and_drop_excluded_titles():
    spec = board_spec(**ONCLICK_OPTIONS)
    html = (FIXTURES / "board_onclick_only.html").read_bytes()
    records = parse(make_page(spec, html, URL)).records
    assert [(r["post_id"], r["posted_date"]) for r in records] == [
        ("5521", date(2026, 11, 17)),
        ("5517", date(2026, 11, 10)),
    ]
    assert records[0]["url"] == "https://board.example/bid/view.do?no=5521"
    assert records[0]["institution"] == "example"


def test_a_declared_board_that_lost_its_rows_is_a_layout_change():
    spec = board_spec(**ONCLICK_OPTIONS)
    html = (FIXTURES / "board_redesigned.html").read_bytes()
    result = parse(make_page(spec, html, URL))
    assert result.records == []
    assert result.warnings == [
        f"layout_changed: example_board: {URL}: a normal page, but 'table.list tbody tr' "
        "(0 rows matched) gave no posts"
    ]


def test_rows_without_dates_are_a_layout_change_unless_the_source_lacks_posting_dates():
    options = {**ONCLICK_OPTIONS, "fields": {**ONCLICK_OPTIONS["fields"], "date": "td.gone"}}
    html = (FIXTURES / "board_onclick_only.html").read_bytes()
    result = parse(make_page(board_spec(**options), html, URL))
    assert len(result.records) == 2
    assert result.warnings == [f"layout_changed: example_board: {URL}: 3 of 3 posts have no date"]
    declared = board_spec(**options).model_copy(update={"lacks": ["posted_date"]})
    result = parse(make_page(declared, html, URL))
    assert len(result.records) == 2 and result.warnings == []


def test_the_empty_board_text_is_not_a_layout_change():
    empty = "<td colspan='4'>등록된 게시글이 존재하지 않습니다.</td>"
    html = f"<table class='list'><tbody><tr>{empty}</tr></tbody></table>"
    result = parse(make_page(board_spec(**ONCLICK_OPTIONS), html, URL))
    assert result.records == [] and result.warnings == []


def test_an_unknown_option_is_a_clear_error():
    spec = board_spec(**{**ONCLICK_OPTIONS, "row": "tr"})
    with pytest.raises(ParseError, match=r"options\.row: Extra inputs are not permitted"):
        parse(make_page(spec, "<html></html>", URL))


@pytest.mark.parametrize(
    ("onclick", "href", "expected"),
    [
        ("fnGoDetail( 1681706 ); return false;", "#", "1681706"),
        ("fn_goView('172323'); return false;", "#none", "172323"),
        ("", "javascript:goDetail(680)", "680"),
        ("fn_view('PB_2026_0031');", "javascript:void(0);", "PB_2026_0031"),
        ("", "javascript:void(0);", None),
    ],
)
def test_ids_are_read_from_onclick_and_javascript_links(onclick, href, expected):
    link = BeautifulSoup(f'<a href="{href}" onclick="{onclick}">제목</a>', "lxml").a
    assert onclick_id(link) == expected
