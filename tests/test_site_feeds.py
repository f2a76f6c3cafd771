"""Atom feeds of a release: valid for feedparser, scraped text escaped, open calls by days left."""

from __future__ import annotations

import json

import feedparser
import pandas as pd

from flows.site.feeds import write_feeds
from tests.site_release import SCRIPT_TITLE, make_release


def _parse(path):
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, f"{path.name}: {parsed.get('bozo_exception')}"
    return parsed


def test_every_feed_is_valid_atom_with_the_release_entries(tmp_path):
    release = make_release(tmp_path / "release")
    written = write_feeds(release)

    names = sorted(str(p.relative_to(release)) for p in written)
    assert names == [
        "feed.xml",
        "feeds/institutions/ansan.xml",
        "feeds/institutions/gtp.xml",
        "feeds/institutions/kitech.xml",
        "feeds/open-calls.xml",
    ]
    everything = _parse(release / "feed.xml")
    assert everything.version == "atom10"
    # newest post first; every entry has its institution as author and a KST time
    assert [e.id.rsplit(":", 1)[-1] for e in everything.entries] == ["55", "102", "101", "7"]
    assert everything.entries[0].author == "안산시"
    assert everything.entries[0].updated == "2025-09-30T13:00:00+09:00"
    gtp = _parse(release / "feeds/institutions/gtp.xml")
    assert {e.author for e in gtp.entries} == {"(재)경기테크노파크"}
    assert len(gtp.entries) == 2


def test_scraped_text_is_escaped_and_only_web_links_are_links(tmp_path):
    release = make_release(tmp_path / "release")
    write_feeds(release)

    raw = (release / "feed.xml").read_text(encoding="utf-8")
    assert "<script>" not in raw
    assert "&lt;script&gt;window.__pwned" in raw
    entries = {e.id.rsplit(":", 1)[-1]: e for e in _parse(release / "feed.xml").entries}
    assert entries["101"].title == SCRIPT_TITLE  # shown as the text it is
    assert entries["101"].link == "https://www.gtp.or.kr/web/business/view.jsp?id=101&a=1"
    # a control character is dropped, the ampersand kept; a javascript: URL is no link
    assert entries["7"].title == "KITECH 연구장비 공동활용 지원 & 기술지도 모집"
    assert all("javascript" not in link.href for link in entries["7"].get("links", []))
    assert "javascript" not in raw


def test_open_calls_feed_lists_days_left_soonest_first_and_rolling_calls_last(tmp_path):
    release = make_release(tmp_path / "release")
    write_feeds(release)

    calls = _parse(release / "feeds/open-calls.xml").entries
    assert [c.title.split("]")[0] + "]" for c in calls] == ["[오늘 마감]", "[D-5]", "[상시 접수]"]
    assert calls[1].summary.startswith("마감 2025-10-06 (5일 남음) · (재)경기테크노파크")
    assert calls[2].summary.startswith("상시 접수 · 한국산업단지공단")


def test_same_release_gives_the_same_bytes_and_samples_say_so(tmp_path):
    first = make_release(tmp_path / "a", samples=True)
    second = make_release(tmp_path / "b", samples=True, published_at="2025-10-02T00:00:00+00:00")
    write_feeds(first)
    write_feeds(second)
    for name in ("feed.xml", "feeds/open-calls.xml", "feeds/institutions/gtp.xml"):
        assert (first / name).read_bytes() == (second / name).read_bytes()
    assert _parse(first / "feed.xml").feed.title.startswith("[SAMPLE DATA]")


def test_a_release_without_datasets_gets_empty_valid_feeds(tmp_path):
    release = tmp_path / "release"
    release.mkdir()
    manifest = {"release_id": "r1", "published_at": "2025-10-01T00:00:00+00:00", "tables": {}}
    (release / "manifest.json").write_text(json.dumps(manifest))

    written = write_feeds(release)

    assert [p.name for p in written] == ["feed.xml", "open-calls.xml"]
    feed = _parse(release / "feed.xml")
    assert feed.entries == []
    assert feed.feed.updated == "2025-10-01T09:00:00+09:00"


def test_a_dataset_lacking_optional_columns_still_gives_valid_feeds(tmp_path):
    release = tmp_path / "release"
    release.mkdir()
    manifest = {"release_id": "r1", "published_at": "2025-10-01T00:00:00+00:00", "tables": {}}
    (release / "manifest.json").write_text(json.dumps(manifest))
    frame = pd.DataFrame({"announcement_id": ["gtp:1"], "title": ["안산 기술사업화 지원사업"]})
    frame.to_parquet(release / "announcements.parquet")

    write_feeds(release)

    entries = _parse(release / "feed.xml").entries
    assert [e.title for e in entries] == ["안산 기술사업화 지원사업"]
    assert entries[0].updated == "2025-10-01T09:00:00+09:00"  # no first_seen_at: the release
