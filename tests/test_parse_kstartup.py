"""K-Startup announcements (data.go.kr): JSON, XML and gateway errors."""

from datetime import datetime

import pytest

from sources.parsers import ParseError
from sources.parsers.dates import KST
from sources.parsers.kstartup import parse
from tests.pages import make_page, page_fetches

URL = "https://apis.data.go.kr/B552735/kisedKstartupService01/getAnnouncementInformation01"
GATEWAY_ERROR = (
    "<OpenAPI_ServiceResponse><cmmMsgHeader><errMsg>SERVICE ERROR</errMsg>"
    "<returnAuthMsg>SERVICE_KEY_IS_NOT_REGISTERED_ERROR</returnAuthMsg>"
    "<returnReasonCode>30</returnReasonCode></cmmMsgHeader></OpenAPI_ServiceResponse>"
)


def test_nationwide_and_gyeonggi_calls_are_kept_and_paging_stops_at_the_empty_page(collected):
    result = collected("kstartup_announcements")
    assert result.errors == []
    assert len(page_fetches(result)) == 2
    assert [r["post_id"] for r in result.records] == ["176512", "176498", "176301"]


def test_a_call_reads_title_period_host_and_body(collected):
    call = collected("kstartup_announcements").records[0]
    assert call["title"] == "2026년 경기 안산 딥테크 창업기업 사업화 지원 모집공고"
    assert call["department"] == "경기창조경제혁신센터"
    assert call["apply_start"] == datetime(2026, 11, 10, tzinfo=KST)
    assert call["apply_end"] == datetime(2026, 12, 1, 23, 59, 59, tzinfo=KST)
    assert call["body_text"] == "딥테크 분야 창업기업의 사업화를 지원합니다.\n지원금: 최대 1억원"
    assert call["institution"] == "kised"


def test_a_call_no_longer_recruiting_is_closed(collected):
    closed = collected("kstartup_announcements").records[2]
    assert closed["status_hint"] == "closed"


def test_the_gateway_error_is_an_error_even_when_json_was_asked(specs):
    page = make_page(specs["kstartup_announcements"], GATEWAY_ERROR, URL,
                     headers={"Content-Type": "text/xml;charset=UTF-8"})  # fmt: skip
    with pytest.raises(ParseError, match="gateway error 30 SERVICE_KEY_IS_NOT_REGISTERED_ERROR"):
        parse(page)


def test_the_xml_form_with_named_columns_is_read(specs):
    body = (
        "<results><data><item>"
        '<col name="pbanc_sn">176600</col><col name="biz_pbanc_nm">경기 창업 지원</col>'
        '<col name="supt_regin">경기</col><col name="pbanc_rcpt_end_dt">20261215</col>'
        "</item></data></results>"
    )
    records = parse(make_page(specs["kstartup_announcements"], body, URL)).records
    assert [(r["post_id"], r["title"]) for r in records] == [("176600", "경기 창업 지원")]
    assert records[0]["apply_end"] == datetime(2026, 12, 15, 23, 59, 59, tzinfo=KST)


def test_the_standard_envelope_with_one_item_object_is_read(specs):
    body = (
        '{"response":{"header":{"resultCode":"00","resultMsg":"NORMAL SERVICE."},'
        '"body":{"items":{"item":'
        '{"pbanc_sn":"1","biz_pbanc_nm":"전국 공모","supt_regin":"전국"}}}}}'
    )
    records = parse(make_page(specs["kstartup_announcements"], body, URL)).records
    assert [r["post_id"] for r in records] == ["1"]


def test_a_quota_error_in_the_envelope_is_an_error(specs):
    body = '{"response":{"header":{"resultCode":"22","resultMsg":"LIMITED"},"body":{}}}'
    with pytest.raises(ParseError, match=r"data\.go\.kr error 22: LIMITED"):
        parse(make_page(specs["kstartup_announcements"], body, URL))
