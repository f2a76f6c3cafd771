"""Ansan City notices (WWW13, per department) and press releases (B0238) from the SAMPLE pages."""

from datetime import date, datetime

from sources.parsers.board import parse
from sources.parsers.dates import KST
from tests.pages import make_page, sample_bytes

LIST = "https://www.ansan.go.kr/www/common/bbs/selectPageListBbs.do"


def by_id(records):
    return {r["post_id"]: r for r in records}


def test_every_department_request_yields_its_notices_once(collected):
    result = collected("ansan_notices")
    assert result.errors == [] and result.warnings == []
    ids = [r["post_id"] for r in result.records]
    assert sorted(ids) == sorted(set(ids))
    assert set(ids) == {
        "1690101", "1690355", "1690230", "1689870", "1690360", "1690012", "1690301", "1690340",
    }  # fmt: skip


def test_a_notice_reads_title_date_department_and_period_from_list_and_detail(collected):
    notice = by_id(collected("ansan_notices").records)["1690360"]
    assert notice["title"] == "2026년 안산시 중소기업 육성자금 4차 지원계획 공고"
    assert notice["posted_date"] == date(2026, 11, 18)
    assert notice["department"] == "기업지원과"
    assert notice["apply_start"] == datetime(2026, 11, 24, 9, 0, tzinfo=KST)
    assert notice["apply_end"] == datetime(2026, 12, 5, 18, 0, tzinfo=KST)
    assert notice["url"].endswith("selectBbsDetail.do?bbs_code=WWW13&bbs_seq=1690360")
    assert notice["raw_payload"] == {
        "notice_number": "안산시 공고 제2026-1630호",
        "contact": "031-000-0105",
    }


def test_a_period_whose_end_omits_the_year_takes_the_start_year(collected):
    notice = by_id(collected("ansan_notices").records)["1690101"]
    assert notice["apply_start"] == datetime(2026, 11, 3, tzinfo=KST)
    assert notice["apply_end"] == datetime(2026, 11, 21, 23, 59, 59, tzinfo=KST)


def test_a_viewing_period_is_not_an_application_period(collected):
    notice = by_id(collected("ansan_notices").records)["1690355"]
    assert notice["apply_start"] is None and notice["apply_end"] is None
    assert "○열람기간 : 2026. 11. 17. ~ 12. 1." in notice["body_text"]


def test_attachments_are_listed_with_assembled_download_urls_and_sizes(collected):
    notice = by_id(collected("ansan_notices").records)["1690101"]
    assert notice["attachments"] == [
        {
            "name": "투자유치 설명회 참가신청서.hwp",
            "url": "https://www.ansan.go.kr/common/file/FileDown.do?bbs_seq=1690101"
            "&bbs_code=WWW13&file_id=F2026110300011",
            "size": "48.5 KB",
        },
        {
            "name": "설명회 안내문.pdf",
            "url": "https://www.ansan.go.kr/common/file/FileDown.do?bbs_seq=1690101"
            "&bbs_code=WWW13&file_id=F2026110300012",
            "size": "1.2 MB",
        },
    ]
    assert notice["raw_payload"]["contact"] == "031-000-0101"


def test_administrative_noise_is_dropped(collected):
    titles = [r["title"] for r in collected("ansan_notices").records]
    assert not any("공시송달" in t for t in titles)


def test_pinned_rows_are_followed_from_the_first_page_only(specs):
    spec = specs["ansan_notices"]
    body = sample_bytes("ansan_notices", "list_rail_fez_page2.html")
    page = make_page(spec, body, LIST, meta={"page": 2})
    follow = parse(page).follow
    assert [r.meta["record"]["post_id"] for r in follow if r.kind == "detail"] == ["1689870"]
    first = make_page(spec, sample_bytes("ansan_notices", "list_rail_fez_page1.html"), LIST,
                      meta={"page": 1})  # fmt: skip
    follow = parse(first).follow
    assert [r.meta["record"]["post_id"] for r in follow if r.kind == "detail"] == [
        "1690101", "1690355", "1690230",
    ]  # fmt: skip
    assert all(r.kind == "detail" for r in follow)  # the crawler decides the next page
    assert [p.post_id for p in parse(first).posts] == ["1690101", "1690355", "1690230"]


def test_the_list_date_comes_from_the_fifth_cell_not_the_notice_number(specs):
    body = sample_bytes("ansan_notices", "list_labour_page1.html")
    page = make_page(specs["ansan_notices"], body, LIST, meta={"page": 1})
    record = parse(page).follow[0].meta["record"]
    assert record["posted_date"] == "2026-11-14"


def test_press_releases_carry_photos_and_departments(collected):
    result = collected("ansan_press")
    assert result.errors == [] and result.warnings == []
    press = by_id(result.records)
    assert set(press) == {"2105512", "2105480", "2105407"}
    release = press["2105512"]
    assert release["title"] == "안산시, 경제자유구역 입주 앵커기업과 투자협약 체결"
    assert release["posted_date"] == date(2026, 11, 19)
    assert release["department"] == "투자유치과"
    assert release["body_text"].startswith("안산시는 19일 시청 대회의실에서")
    assert [a["name"] for a in release["attachments"]] == [
        "투자협약식 사진1.jpg",
        "투자협약식 사진2.jpg",
    ]
    assert release["attachments"][0]["url"] == (
        "https://www.ansan.go.kr/common/file/FileDown.do?key=274&bbs_seq=2105512"
        "&bbs_code=B0238&file_id=P2026111900071"
    )
