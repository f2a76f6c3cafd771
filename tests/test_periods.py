"""The period reader (sources/parsers/periods.py) on the formats of the zone's boards, and on
the table of SAMPLE notices (tests/notice_table.py), where its accuracy is measured."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from sources.parsers.announcement import announcement
from sources.parsers.dates import KST
from sources.parsers.periods import read_period
from sources.parsers.programmes import programme_title
from sources.registry import SourceSpec
from tests.notice_table import deadline_right, load_notices

POSTED = date(2025, 11, 20)


def kst(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=KST)


EOD = (23, 59, 59)

FORMATS = [
    # (title, body, source field, expected start, expected end)
    ("공고", "접수기간: 2025.10.01 ~ 2025.10.31", None, kst(2025, 10, 1), kst(2025, 10, 31, *EOD)),
    ("공고", "입찰서 제출기간: 2025.12.01 10:00 ~ 2025.12.04 10:00", None,
     kst(2025, 12, 1, 10), kst(2025, 12, 4, 10)),
    ("공고", "전자입찰서 제출 마감: 2025-12-03 10:00", None, None, kst(2025, 12, 3, 10)),
    ("공고", "제안서 제출기간 : 2025. 12. 1.(월) ~ 12. 3.(수) 17:00", None,
     kst(2025, 12, 1), kst(2025, 12, 3, 17)),
    ("공고", "견적서 제출기한: 2025.11.26.(수) 17:00까지", None, None, kst(2025, 11, 26, 17)),
    ("공고", "원서접수: 2025.11.20 ~ 2025.11.27", None, kst(2025, 11, 20), kst(2025, 11, 27, *EOD)),
    ("공고", "사전등록: 2025.11.20 ~ 2025.12.01", None, kst(2025, 11, 20), kst(2025, 12, 1, *EOD)),
    ("공고", "사전신청: ~ 12. 8.(월)까지", None, None, kst(2025, 12, 8, *EOD)),
    ("공고", "신청기한 : 2025.12.01.(월) 17:00까지", None, None, kst(2025, 12, 1, 17)),
    ("공고", "서류 접수: ~ 12. 15.", None, None, kst(2025, 12, 15, *EOD)),
    ("모집 (~12/12 신청)", None, None, None, kst(2025, 12, 12, *EOD)),
    ("과제 공모 (~1.16)", None, None, None, kst(2026, 1, 16, *EOD)),
    ("모집 (마감: 2025-12-10(수) 18:00)", None, None, None, kst(2025, 12, 10, 18)),
    ("공고", "접수마감: 2025년 12월 3일(수) 오후 6시", None, None, kst(2025, 12, 3, 18)),
    ("공고", "접수기간: 2025.11.20 ~ 2025.11.30 24:00", None,
     kst(2025, 11, 20), kst(2025, 11, 30, *EOD)),
    ("공고", "접수기간 : 25.12.02.(화) ~ 25.12.16.(화)", None,
     kst(2025, 12, 2), kst(2025, 12, 16, *EOD)),
    ("공고", "신청기간: 2025.11.10 ~ 2025.11.21 → 2025.11.28(금) 18:00까지 연장", None,
     kst(2025, 11, 10), kst(2025, 11, 28, 18)),
    ("공고", "접수기간: 2025. 11. 24.(월) ~ 2025. 11. 26.(수) 09:00~18:00", None,
     kst(2025, 11, 24, 9), kst(2025, 11, 26, 18)),
    ("공고", "접수기간: 2025. 12. 10.(수) 09:00~18:00", None,
     kst(2025, 12, 10, 9), kst(2025, 12, 10, 18)),
    ("공고", "모집기간: 12.22 ~ 1.9", None, kst(2025, 12, 22), kst(2026, 1, 9, *EOD)),
    ("공고", None, "20261110 ~ 20261201", kst(2026, 11, 10), kst(2026, 12, 1, *EOD)),
    ("공고", None, "2026-11-03 ~ 2026-11-28 접수중", kst(2026, 11, 3), kst(2026, 11, 28, *EOD)),
    ("공고", "접수기간\n2025-12-01(월) 09:00 ~ 2025-12-12(금) 18:00", None,
     kst(2025, 12, 1, 9), kst(2025, 12, 12, 18)),
    ("공고", "사업기간: 2026.01.01 ~ 2026.12.31\n일시: 2025.12.10 14:00", None, None, None),
    ("공고", "마감일: 2025.02.30", None, None, None),
]  # fmt: skip


@pytest.mark.parametrize(("title", "body", "field", "start", "end"), FORMATS)
def test_a_format_of_the_boards_gives_its_period(title, body, field, start, end):
    period = read_period(title, body, field=field, posted=POSTED)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize(
    ("body", "field", "start"),
    [
        ("접수기간: 상시 접수", None, None),
        ("신청·접수기간: 2026. 1. 2.(금) 09:00부터 자금 소진 시까지", None, kst(2026, 1, 2, 9)),
        ("접수기간: 2025. 3. 4. ~ 예산 소진 시까지", None, kst(2025, 3, 4)),
        (None, "예산 소진시까지", None),
        ("모집기간: 채용 시까지 상시 모집", None, None),
    ],
)
def test_an_open_ended_call_is_rolling_and_has_no_deadline(body, field, start):
    period = read_period("지원사업 공고", body, field=field, posted=POSTED)
    assert period.rolling and period.end is None and period.start == start


def test_an_early_close_when_the_budget_runs_out_keeps_the_stated_deadline():
    period = read_period(
        "공고", "신청기간: 2025.11.17 ~ 2025.11.28\n※ 예산 소진 시 조기 마감", posted=POSTED
    )
    assert period.end == kst(2025, 11, 28, *EOD) and not period.rolling


def test_a_changed_deadline_takes_the_new_date_and_says_it_was_extended():
    body = (
        "모집 기간을 연장합니다.\n○ 당초: 2025. 11. 14.(금) 18:00\n○ 변경: 2025. 11. 21.(금) 18:00"
    )
    period = read_period("모집 기간 연장 안내", body, posted=POSTED)
    assert period.end == kst(2025, 11, 21, 18) and period.extended
    assert period.evidence == "○ 변경: 2025. 11. 21.(금) 18:00"


def test_an_old_deadline_before_the_arrow_is_not_the_start_and_a_bullet_is_no_extension():
    moved = read_period("공고", "접수기간: 2025.11.21(금) 18:00 → 2025.11.28(금) 18:00")
    assert (moved.start, moved.end, moved.extended) == (None, kst(2025, 11, 28, 18), True)
    bullet = read_period("공고", "▶ 접수기간 2025-12-01(월) 09:00 ~ 2025-12-12(금) 18:00")
    assert (bullet.start, bullet.extended) == (kst(2025, 12, 1, 9), False)


def test_the_evidence_and_origin_name_where_the_period_was_read():
    period = read_period("모집 (~12/12 신청)", "문의: 031-000-0000", posted=POSTED)
    assert period.origin == "title" and "12/12" in period.evidence
    listed = read_period("모집", "접수기간: 2025.12.01 ~ 12.05", field="2025-12-01 ~ 2025-12-09")
    assert listed.origin == "field" and listed.evidence == "2025-12-01 ~ 2025-12-09"


NOTICES = load_notices()


def test_the_notice_table_is_large_and_varied():
    assert len(NOTICES) >= 150
    assert {n.category for n in NOTICES} == {"call", "tender", "recruitment", "event", "notice"}
    assert sum(n.rolling for n in NOTICES) >= 8


def test_deadlines_of_the_notice_table_are_read_for_at_least_95_percent():
    wrong = []
    for notice in NOTICES:
        period = read_period(notice.title, notice.body, field=notice.field, posted=notice.posted)
        if not deadline_right(notice, period):
            wrong.append(f"{notice.key} {notice.title}: read {period.start} ~ {period.end}")
    accuracy = 1 - len(wrong) / len(NOTICES)
    assert accuracy >= 0.95, "\n".join(wrong)


def test_no_open_ended_call_of_the_table_gets_a_deadline():
    for notice in [n for n in NOTICES if n.rolling]:
        period = read_period(notice.title, notice.body, field=notice.field, posted=notice.posted)
        assert period.end is None and period.rolling, notice.key


@pytest.mark.parametrize(
    ("titles", "same"),
    [
        (["[경기] 2026년 경기도 스마트공장 보급확산 지원사업 참여기업 모집 공고",
          "2026년도 경기도 스마트공장 보급확산 지원사업 참여기업 모집 공고",
          "2026년 경기도 스마트공장 보급확산 지원사업 참여기업 모집 재공고",
          "[연장] 2026년 경기도 스마트공장 보급확산 지원사업 참여기업 모집(~12/19)"], True),
        (["2026년 제조혁신 바우처 1차 모집 공고", "2026년 제조혁신 바우처 2차 모집 공고"], False),
        (["2025년 기술사업화 지원사업 공고", "2025년 기술사업화 지원사업 선정 결과 공고"], False),
    ],
)  # fmt: skip
def test_re_posts_and_copies_of_one_programme_share_its_title(titles, same):
    keys = {programme_title(t) for t in titles}
    assert (len(keys) == 1) is same


def test_a_title_too_short_to_link_by_has_no_programme_title():
    assert programme_title("[공지] 채용 공고") is None


SPEC = SourceSpec.model_validate(
    {"name": "example", "title": "예시", "description": "A test board.", "licence": "test",
     "institution": "gtp", "kind": "html_board",
     "parser": "board", "record_type": "announcement", "hosts": ["board.example"],
     "homepage": "https://board.example", "requests": [{"url": "https://board.example/list"}]}
)  # fmt: skip


def test_every_record_gets_the_readers_fields_and_a_closed_title_is_closed():
    record = announcement(
        SPEC,
        post_id="1",
        url="https://board.example/1",
        title="[마감] 2025 스마트 물류 실증 지원사업 1차 공모",
        posted_date=POSTED,
        body_text="○ 접수기간: 2025.10.01 ~ 2025.10.31",
    )
    assert record["status_hint"] == "closed"
    assert record["apply_end"] == kst(2025, 10, 31, *EOD)
    assert record["period_origin"] == "body" and record["apply_rolling"] is False
    assert record["programme_title"] == "2025스마트물류실증지원사업1차공모"
    with pytest.raises(TypeError, match="apply_end"):
        announcement(SPEC, post_id="2", title="t", apply_end=None)
