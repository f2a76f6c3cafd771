"""KOSMES notices (JSON list by POST) for the SME training institute, from the SAMPLE answers."""

import json
from datetime import date

import pytest

from sources.parsers import ParseError
from sources.parsers.kosmes_notice import parse
from tests.pages import make_page, page_fetches

URL = "https://www.kosmes.or.kr/sh/nts/notice_list.json"


def test_notices_are_read_page_by_page_until_the_empty_list(collected):
    result = collected("kosmes_notices")
    assert result.errors == [] and result.warnings == []
    assert len(page_fetches(result)) == 3
    assert [r["post_id"] for r in result.records] == [
        "6107301", "6107355", "6107342", "6107330", "6107298", "6107287",
    ]  # fmt: skip


def test_the_post_body_keeps_the_sites_own_bkind_spelling(collected):
    first = page_fetches(collected("kosmes_notices"))[0]
    assert first.method == "POST"
    assert first.request.data["bKind"] == "popluar"
    assert first.request.data["nowPage"] == "1"


def test_a_notice_has_title_date_and_detail_url(collected):
    notice = collected("kosmes_notices").records[1]
    assert notice["title"] == "2026년 하반기 중소벤처기업연수원 스마트공장 실무과정 교육생 모집"
    assert notice["posted_date"] == date(2026, 11, 18)
    assert notice["url"] == "https://www.kosmes.or.kr/nsh/SH/NTS/SHNTS001F0.do?seqNo=6107355"
    assert notice["institution"] == "sbti"
    assert notice["apply_end"] is None
    assert notice["raw_payload"]["VALI_DT"] == "2026.12.05"


def test_the_error_shape_is_an_error_not_an_empty_list(specs):
    body = json.dumps(
        {"pageInfo": {"resultCd": "999", "resultMsg": "시스템 오류가 발생하였습니다."}}
    )
    with pytest.raises(ParseError, match=r"KOSMES error 999: 시스템 오류가 발생하였습니다\."):
        parse(make_page(specs["kosmes_notices"], body, URL, method="POST"))


def test_an_answer_without_the_row_list_is_a_layout_change(specs):
    body = json.dumps({"pageInfo": {"nowPage": 1}, "rows": []})
    result = parse(make_page(specs["kosmes_notices"], body, URL, method="POST"))
    assert result.warnings == [
        f"layout_changed: kosmes_notices: {URL}: no ds_infoList list (keys: pageInfo, rows)"
    ]


def test_compact_registration_timestamps_are_dates(specs):
    body = json.dumps({"pageInfo": {}, "ds_infoList": [
        {"SLNO": "1", "TITL_NM": "연수과정 안내", "REG_DTM": "20261118093000"}
    ]})  # fmt: skip
    record = parse(make_page(specs["kosmes_notices"], body, URL, method="POST")).records[0]
    assert record["posted_date"] == date(2026, 11, 18)
