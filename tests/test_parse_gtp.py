"""Gyeonggi Technopark business calls (pms.gtp.or.kr) from the SAMPLE pages."""

from datetime import datetime

from sources.parsers.dates import KST


def test_calls_are_read_across_three_list_pages_with_their_details(collected):
    result = collected("gtp_business")
    assert result.errors == [] and result.warnings == []
    assert [r["post_id"] for r in result.records] == [
        "172330", "172327", "172325", "172323", "172319", "172311",
    ]  # fmt: skip


def test_the_full_title_comes_from_the_title_attribute(collected):
    call = collected("gtp_business").records[0]
    assert call["title"] == "2026년 안산사이언스밸리 입주기업 기술사업화 지원사업 공고"
    assert call["url"] == "https://pms.gtp.or.kr/web/business/webBusinessView.do?b_idx=172330"


def test_an_open_call_has_its_period_type_host_and_detail_fields(collected):
    call = collected("gtp_business").records[0]
    assert call["apply_start"] == datetime(2026, 11, 16, 9, 0, tzinfo=KST)
    assert call["apply_end"] == datetime(2026, 12, 4, 18, 0, tzinfo=KST)
    assert call["status_hint"] is None
    assert call["category_hint"] == "기술"
    assert call["raw_payload"] == {"host_agency": "경기도", "contact": "031-000-0201"}
    assert call["department"] == "기업성장본부 기업지원팀"
    assert (
        call["body_text"].splitlines()[0]
        == "안산사이언스밸리 경제자유구역 입주기업의 기술사업화를 지원합니다."
    )
    assert call["attachments"][1] == {
        "name": "신청서 양식.hwpx",
        "url": "https://pms.gtp.or.kr/common/file/fileDownload.do?atch_file_id=FILE_000000000172330&file_sn=1",
        "size": "88 KB",
    }


def test_a_closed_call_is_marked_and_takes_its_period_from_the_detail(collected):
    closed = {r["post_id"]: r for r in collected("gtp_business").records}["172311"]
    assert closed["status_hint"] == "closed"
    assert closed["apply_start"] == datetime(2026, 8, 7, 0, 0, tzinfo=KST)
    assert closed["apply_end"] == datetime(2026, 8, 31, 18, 0, tzinfo=KST)
