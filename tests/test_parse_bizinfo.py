"""Bizinfo support programmes: RSS and the disputed JSON shapes, filtered to Gyeonggi/Ansan."""

import json
from datetime import date, datetime

import pytest

from sources.parsers import ParseError
from sources.parsers.bizinfo import parse
from sources.parsers.dates import KST
from tests.pages import make_page

URL = "https://www.bizinfo.go.kr/uss/rss/bizinfoApi.do"
ITEM = {
    "pblancId": "PBLN_000000000120400",
    "pblancNm": "2026년 안산시 제조기업 공정개선 지원사업",
    "pblancUrl": "/sii/siia/selectSIIA200Detail.do?pblancId=PBLN_000000000120400",
    "jrsdInsttNm": "안산시",
    "excInsttNm": "안산시",
    "bsnsSumryCn": "공정개선 비용을 지원합니다&#40;최대 2천만원&#41;.\r\n\r\n☞ 관내 제조기업",
    "pldirSportRealmLclasCodeNm": "기술@경영",
    "reqstBeginEndDe": "20261110 ~ 20261130",
    "creatPnttm": "2026-11-06 10:00:00",
    "areaNm": "경기",
}
OUTSIDE = {
    **ITEM,
    "pblancId": "PBLN_000000000120401",
    "pblancNm": "부산 해양 지원",
    "areaNm": "부산",
    "jrsdInsttNm": "부산광역시",
    "excInsttNm": "부산테크노파크",
}


def json_page(specs, payload):
    body = json.dumps(payload, ensure_ascii=False)
    return make_page(specs["bizinfo_programmes"], body, URL,
                     headers={"Content-Type": "application/json;charset=UTF-8"})  # fmt: skip


def test_rss_items_for_gyeonggi_and_ansan_are_kept(collected):
    result = collected("bizinfo_programmes")
    assert result.errors == []
    assert [r["post_id"] for r in result.records] == [
        "PBLN_000000000120311", "PBLN_000000000120298", "PBLN_000000000120277",
    ]  # fmt: skip


def test_an_rss_item_reads_period_field_body_and_file(collected):
    item = collected("bizinfo_programmes").records[0]
    assert item["title"] == "2026년 경기도 중소기업 스마트공장 구축 지원사업 공고"
    assert item["posted_date"] == date(2026, 11, 7)
    assert item["category_hint"] == "기술"
    assert item["department"] == "경기도"
    assert item["apply_start"] == datetime(2026, 11, 10, tzinfo=KST)
    assert item["apply_end"] == datetime(2026, 12, 5, 23, 59, 59, tzinfo=KST)
    assert (
        item["body_text"]
        == "도내 제조 중소기업의 스마트공장 구축을 지원합니다.\n지원규모: 기업당 최대 1억원"
    )
    assert item["attachments"][0]["name"] == "스마트공장 구축 지원 공고문.hwp"
    assert item["raw_payload"]["hashtags"] == "경기,안산시,스마트공장,기술"


def test_a_free_text_period_gives_no_dates(collected):
    later = collected("bizinfo_programmes").records[2]
    assert later["raw_payload"]["reqstDt"] == "추후 공지"
    assert later["apply_start"] is None and later["apply_end"] is None


@pytest.mark.parametrize(
    "payload",
    [
        {"jsonArray": [ITEM, OUTSIDE]},
        {"jsonArray": {"title": "기업마당", "item": [ITEM, OUTSIDE]}},
        {"jsonArray": {"title": "기업마당", "item": ITEM}},
    ],
    ids=["flat-array", "item-array", "item-object"],
)
def test_every_reported_json_shape_gives_the_same_record(specs, payload):
    records = parse(json_page(specs, payload)).records
    assert len(records) == 1
    record = records[0]
    assert record["post_id"] == "PBLN_000000000120400"
    assert record["url"] == (
        "https://www.bizinfo.go.kr/sii/siia/selectSIIA200Detail.do?pblancId=PBLN_000000000120400"
    )
    assert record["category_hint"] == "기술, 경영"
    assert record["body_text"] == "공정개선 비용을 지원합니다(최대 2천만원).\n☞ 관내 제조기업"
    assert record["apply_end"] == datetime(2026, 11, 30, 23, 59, 59, tzinfo=KST)
    assert record["raw_payload"] == ITEM


def test_json_that_is_not_json_names_the_way_out(specs):
    page = make_page(specs["bizinfo_programmes"], "{jsonArray: [{pblancNm: 공고}]}", URL)
    with pytest.raises(ParseError, match=r"not valid JSON .*request dataType=rss"):
        parse(page)


def test_an_api_error_is_an_error(specs):
    with pytest.raises(ParseError, match="Bizinfo error: 인증키 오류"):
        parse(json_page(specs, {"reqErr": "인증키 오류"}))
