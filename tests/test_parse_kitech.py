"""KITECH business calls: an EUC-KR list and detail pages requested by POST (SAMPLE pages)."""

from datetime import date, datetime

from sources.parsers.dates import KST
from tests.pages import SAMPLES_DIR, page_fetches


def test_the_sample_pages_are_stored_as_euc_kr_bytes():
    raw = (SAMPLES_DIR / "kitech_business" / "list_page1.html").read_bytes()
    assert "뿌리산업".encode("cp949") in raw
    assert "뿌리산업".encode() not in raw


def test_titles_from_euc_kr_pages_keep_their_hangul(collected):
    result = collected("kitech_business")
    assert result.errors == [] and result.warnings == []
    assert [(r["post_id"], r["title"]) for r in result.records] == [
        ("683", "2026년 뿌리산업 공정혁신 기술지원 수요기업 모집 공고"),
        ("682", "안산 공정혁신센터 장비 공동활용 지원사업 안내"),
        ("680", "2026년 첨단 생산기술 실증 과제 공모"),
    ]


def test_details_are_requested_by_post_with_the_idx(collected):
    posts = [f for f in page_fetches(collected("kitech_business")) if f.request.kind == "detail"]
    assert {(f.method, f.request.data["idx"]) for f in posts} == {
        ("POST", "683"), ("POST", "682"), ("POST", "680"),
    }  # fmt: skip


def test_the_generic_detail_reader_finds_period_department_body_and_files(collected):
    call = collected("kitech_business").records[0]
    assert call["posted_date"] == date(2026, 11, 18)
    assert call["department"] == "기업지원실"
    assert call["apply_start"] == datetime(2026, 11, 18, tzinfo=KST)
    assert call["apply_end"] == datetime(2026, 12, 2, 18, 0, tzinfo=KST)
    assert call["body_text"] == (
        "뿌리산업 공정혁신 기술지원을 받을 수요기업을 모집합니다.\n"
        "지원내용: 공정 진단, 시제품 제작, 기술 컨설팅"
    )
    assert [(a["name"], a["size"]) for a in call["attachments"]] == [
        ("수요기업 모집 공고문.hwp", "156KB"),
        ("신청서.hwp", "42KB"),
    ]
    assert call["url"] == "https://www.kitech.re.kr/research/page1-2.php?idx=683"


def test_a_contact_line_in_the_body_is_the_contact(collected):
    call = {r["post_id"]: r for r in collected("kitech_business").records}["682"]
    assert call["raw_payload"] == {"contact": "031-000-0302"}
    assert call["apply_start"] is None
