"""Docs sites in a release load nothing from outside: no CDN, no tracker, no context-id beacon."""

from __future__ import annotations

import logging
import re
import shutil

import lxml.html
import pytest

from flows.site.offline_docs import write_offline_docs
from tests.browser import chromium
from tests.docs_sites import build_dbt_site, build_gx_site

URL = re.compile(r"(?:https?:)?//[a-z0-9.\[\]:-]+[^\s\"'()<>]*", re.IGNORECASE)
TRACKERS = ("dataContextId", "utm_", "cloudfront.net", "sinter-collect", "great-expectations-web")
CSS_LOAD = re.compile(r"url\(\s*([^)]+?)\s*\)|@import\s+([^;]+)")
# Attributes that make a browser fetch (an <a href> is only followed when a reader clicks it)
LOADING = "//@src | //@srcset | //@data | //@poster | //@action | //link/@href | //use/@href"


@pytest.fixture(scope="module")
def gx_site(tmp_path_factory):
    return build_gx_site(tmp_path_factory.mktemp("gx"))


@pytest.fixture
def release(tmp_path, gx_site):
    release = tmp_path / "release"
    shutil.copytree(gx_site, release / "docs" / "gx")
    build_dbt_site(release / "docs" / "dbt")
    return release


def _outside(text: str) -> list[str]:
    """Absolute URLs in ``text`` other than XML namespace names (which are never fetched)."""
    return [u for u in URL.findall(text) if not u.startswith("http://www.w3.org/")]


def _pages(site):
    return sorted(p for p in site.rglob("*.html") if "_vendor" not in p.parts)


def test_gx_pages_reference_nothing_outside_but_links(release):
    before = (release / "docs/gx/index.html").read_text(encoding="utf-8")
    assert "dataContextId" in before and "cdn.jsdelivr.net" in before  # what GX writes

    write_offline_docs(release)

    site = release / "docs" / "gx"
    for page in _pages(site):
        text = page.read_text(encoding="utf-8")
        tree = lxml.html.fromstring(text)
        links = set(tree.xpath("//a/@href"))
        assert [u for u in _outside(text) if u not in links] == [], page.name
        for target in tree.xpath(LOADING):
            assert not URL.match(target), f"{page.name}: {target}"
            assert (page.parent / target).is_file(), f"{page.name}: {target} is missing"
        assert not any(mark in text for mark in TRACKERS), page.name
    for sheet in site.rglob("*.css"):  # vendored ones keep their licence comments' URLs
        loads = [a or b for a, b in CSS_LOAD.findall(sheet.read_text(encoding="utf-8"))]
        assert [u for u in loads if URL.match(u.strip("'\" "))] == [], sheet.name
    licences = {p.parent.name for p in (site / "_vendor").rglob("LICENSE*")}
    assert {p.name for p in (site / "_vendor").iterdir()} == licences  # one per package


def test_dbt_docs_lose_their_tracker(release):
    write_offline_docs(release)

    site = release / "docs" / "dbt"
    for name in ("index.html", "static_index.html"):
        text = (site / name).read_text(encoding="utf-8")
        assert not any(mark in text for mark in TRACKERS), name
        assert "fuzzed.getdbt.com" not in text
        tree = lxml.html.fromstring(text)
        assert [t for t in tree.xpath(LOADING) if URL.match(t)] == [], name
    assert '"send_anonymous_usage_stats": true' not in (site / "static_index.html").read_text()
    assert '"send_anonymous_usage_stats": false' in (site / "manifest.json").read_text()


def test_docs_open_offline_in_chromium(release, tmp_path):
    write_offline_docs(release)
    gx = release / "docs" / "gx"
    pages = [
        gx / "index.html",
        *sorted((gx / "expectations").glob("*.html")),
        *sorted((gx / "validations").rglob("*.html")),
        release / "docs" / "dbt" / "static_index.html",
    ]
    titles = []
    with chromium(tmp_path / "profile") as (context, log):
        page = context.new_page()
        for path in pages:
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            titles.append(page.title())
            if path == gx / "index.html":  # the vendored scripts ran
                scripts = page.evaluate("[typeof jQuery, typeof jQuery.fn.bootstrapTable]")
        overview = page.locator(".app-details").first.inner_text()

    assert log.outside_requests == []
    assert log.console_errors == []
    assert titles[-1] == "dbt Docs" and "안산사이언스밸리 Welcome" in overview
    assert len(titles) == 4 and scripts == ["function", "function"]


def test_rewriting_is_idempotent_and_drops_unknown_outside_assets(release, caplog):
    page = release / "docs" / "gx" / "index.html"
    text = page.read_text(encoding="utf-8")
    page.write_text(
        text.replace("</head>", '<script src="https://cdn.example.com/new.js"></script></head>'),
        encoding="utf-8",
    )
    with caplog.at_level(logging.WARNING, logger="flows.site.offline_docs"):
        changed = write_offline_docs(release)

    assert page in changed
    assert "cdn.example.com" not in page.read_text(encoding="utf-8")
    assert "dropped an outside asset" in caplog.text and "cdn.example.com/new.js" in caplog.text
    assert write_offline_docs(release) == []


def test_a_release_without_docs_is_left_alone(tmp_path):
    assert write_offline_docs(tmp_path) == []
