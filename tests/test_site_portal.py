"""The release portal: complete, escaped, and working from file:// with no outside request."""

from __future__ import annotations

import struct

import lxml.html

from flows.site.feeds import write_feeds
from flows.site.portal import write_portal
from tests.browser import chromium
from tests.site_release import SCRIPT_TITLE, make_release

HEALTH = [  # the run's SourceReport rows, as publish records them
    {
        "source": "gtp_business",
        "status": "ok",
        "fetched": 3,
        "records": 2,
        "new_records": 1,
        "quarantined": 0,
        "message": "",
    },
    {
        "source": "kitech_notice",
        "status": "failing",
        "fetched": 1,
        "records": 0,
        "new_records": 0,
        "quarantined": 0,
        "message": "HTTP 503 <b>Service Unavailable</b>",
    },
]
QUALITY = [
    {"suite": "fct_announcement", "critical": True, "success": True, "failed": []},
    {
        "suite": "mart_zone_monthly",
        "critical": False,
        "success": False,
        "failed": ["expect_column_values_to_not_be_null on value"],
    },
]


def _release(path, **manifest):
    release = make_release(path, **manifest)
    (release / "docs" / "dbt").mkdir(parents=True)
    (release / "docs" / "dbt" / "static_index.html").write_text(
        "<!DOCTYPE html><title>dbt docs</title><p>모델</p>", encoding="utf-8"
    )
    write_feeds(release)
    return release


def _texts(tree, xpath):
    """Each element's text, its cells (or children) joined by one space."""
    return [
        " ".join(" ".join(part.split()) for part in e.itertext() if part.strip())
        for e in tree.xpath(xpath)
    ]


def test_portal_opens_offline_in_chromium_and_shows_a_script_title_as_text(tmp_path):
    release = _release(
        tmp_path / "release", samples=True, sources=HEALTH, quality=QUALITY, datasets={}
    )
    portal = write_portal(release)

    with chromium(tmp_path / "profile") as (context, log):
        page = context.new_page()
        page.goto(portal.as_uri())
        shot = page.screenshot(path=tmp_path / "portal.png", full_page=True)
        titles = page.locator("td.call-title").all_inner_texts()
        pwned = page.evaluate("window.__pwned")
        scripts = page.locator("script").count()
        heading = page.locator("h1").inner_text()
        charts = page.locator("svg.chart").count()
        page.click("#dbt-docs")
        docs_text = page.locator("p").inner_text()

    assert log.console_errors == []
    assert log.outside_requests == []
    assert titles[1] == SCRIPT_TITLE  # the tag shows as text ...
    assert pwned is None and scripts == 0  # ... and never runs
    assert heading.startswith("안산사이언스밸리 경제자유구역 데이터")
    assert charts == 4  # population (city, districts), households (city), complex firms
    assert docs_text == "모델"  # the docs link leads to the release's docs site
    width, height = struct.unpack(">II", shot[16:24])  # PNG header: the full page was drawn
    assert width >= 800 and height > 1500


def test_portal_lists_catalog_health_calls_and_quality(tmp_path):
    release = _release(
        tmp_path / "release",
        sources=HEALTH,
        quality=QUALITY,
        datasets={
            "announcements": {"status": "changed", "rows": 4},
            "regions": {"status": "carried", "rows": 5, "from_release": "r0"},
        },
    )
    tree = lxml.html.parse(str(write_portal(release))).getroot()

    catalog = _texts(tree, "//section[@id='catalog']//tbody/tr")
    assert catalog[0].startswith("announcements 4 changed parquet")
    assert any(row.startswith("regions 5 carried") for row in catalog)
    assert tree.xpath("//section[@id='catalog']//a/@href")[:2] == [
        "announcements.parquet",
        "announcements.csv",
    ]
    assert _texts(tree, "//section[@id='sources']//tbody/tr") == [
        "ansan_notice not in this run 2025-10-01 09:00 KST 2025-09-30 13:00 KST",
        "gtp_business ok 2 (1) 0 2025-10-01 09:00 KST 2025-09-25 11:00 KST",
        "kitech_notice failing 0 (0) 0 2025-10-01 09:00 KST 2025-09-01 12:00 KST"
        " HTTP 503 <b>Service Unavailable</b>",
    ]
    calls = _texts(tree, "//section[@id='open-calls']//tbody/tr")
    assert calls[0].startswith("오늘 마감 KITECH 연구장비")
    assert calls[1].startswith("D-5 <script>")
    assert calls[2].startswith("상시 접수 2025년 산업단지 탄소중립")  # rolling: no deadline
    # only web addresses become links: the javascript: URL of the KITECH call does not
    links = tree.xpath("//section[@id='open-calls']//a/@href")
    assert links == [
        "https://www.gtp.or.kr/web/business/view.jsp?id=101&a=1",
        "https://www.kicox.or.kr/loans/view?id=55",
    ]
    assert _texts(tree, "//section[@id='quality']/p")[0] == "Result: passed"
    assert "mart_zone_monthly no fail expect_column_values_to_not_be_null on value" in _texts(
        tree, "//section[@id='quality']//tbody/tr"
    )
    assert tree.xpath("//a[@id='dbt-docs']/@href") == ["docs/dbt/static_index.html"]
    assert tree.xpath("//a[@id='gx-docs']") == []
    feeds = tree.xpath("//section[@id='feeds']//a/@href")
    assert feeds[:2] == ["feed.xml", "feeds/open-calls.xml"]
    assert "feeds/institutions/kitech.xml" in feeds


def test_portal_loads_nothing_and_tolerates_a_bare_manifest(tmp_path):
    release = make_release(tmp_path / "release")
    tree = lxml.html.parse(str(write_portal(release))).getroot()

    assert tree.xpath("//*[@src] | //script | //img | //iframe") == []
    assert all(not h.startswith(("http:", "https:", "//")) for h in tree.xpath("//link/@href"))
    assert "ansan_notice not in this run" in " ".join(tree.text_content().split())
    assert "does not record the quality gate's result" in tree.text_content()
    assert "SAMPLE DATA" not in tree.text_content()
    csp = tree.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    assert csp.startswith("default-src 'none'")
