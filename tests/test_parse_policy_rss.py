"""Policy-briefing RSS of the FEZ ministry, filtered to the zone."""

from datetime import date

from sources.parsers.policy_rss import parse
from tests.pages import make_page


def test_only_items_naming_the_zone_are_kept_from_both_feeds(collected):
    result = collected("policy_briefing_motir")
    assert result.errors == []
    assert [(r["post_id"], r["posted_date"]) for r in result.records] == [
        ("156771201", date(2026, 11, 18)),
        ("156770988", date(2026, 11, 12)),
        ("156512040", date(2025, 8, 14)),
    ]
    assert result.records[1]["title"] == "안산사이언스밸리 경제자유구역 개발계획 변경 승인"
    assert result.records[2]["department"] == "산업통상자원부"
    assert result.records[0]["body_text"].startswith("경제자유구역 입주 외국인투자기업")


def test_a_feed_without_a_channel_is_a_layout_change(specs):
    url = "https://www.korea.kr/rss/dept_motir.xml"
    page = make_page(specs["policy_briefing_motir"], "<feed><entry/></feed>", url)
    assert parse(page).warnings == [
        f"layout_changed: policy_briefing_motir: {url}: no RSS <channel> in the answer"
    ]
