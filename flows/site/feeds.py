"""Atom feeds of a release: every announcement, one feed per institution, and open calls.

``feed.xml`` holds the newest announcements of every source, ``feeds/institutions/<id>.xml``
those of one institution, ``feeds/open-calls.xml`` the calls still open or upcoming with the
days left in each title. The XML is written by lxml, which escapes every scraped text;
characters XML cannot hold (control characters a site may leave in a title) are removed and
only http(s) addresses become links. Entry times come from the data (when the pipeline first
saw a post), so the same release content gives the same feed bytes.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd
from lxml import etree

from flows.site.release import (
    KST,
    ReleaseView,
    clean_text,
    days_label,
    days_left,
    deadline_text,
    to_kst,
    web_link,
)

ATOM = "http://www.w3.org/2005/Atom"
FEED_LIMIT = 500  # entries per feed: the newest; the full list is the announcements dataset
TAG = "tag:asv-fez-pipeline,2025"
AUTHOR = "ASV FEZ data pipeline (안산사이언스밸리 경제자유구역)"
ANNOUNCEMENT_COLUMNS = (
    "announcement_id", "institution_id", "title", "url", "department", "category",
    "posted_date", "apply_start", "apply_end", "first_seen_at",
)  # fmt: skip
OPEN_CALL_COLUMNS = (
    "announcement_id", "institution_id", "institution_name_ko", "title", "url", "department",
    "status", "apply_start", "apply_end", "deadline_date", "days_left", "status_as_of",
)  # fmt: skip
CATEGORY_KO = {
    "call": "공모·지원사업",
    "tender": "입찰",
    "recruitment": "채용",
    "event": "행사",
    "notice": "공지",
}


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str):
    element = etree.SubElement(parent, f"{{{ATOM}}}{tag}", {k: v for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


def _stamp(value: datetime) -> str:
    return value.astimezone(KST).isoformat(timespec="seconds")


def _day_start(value) -> datetime | None:
    if value is None or pd.isna(value):
        return None
    return datetime.combine(pd.Timestamp(value).date(), time(), tzinfo=KST)


def _institution_names(release: ReleaseView) -> dict[str, str]:
    institutions = release.table("institutions", ("institution_id", "name_ko", "name_en"))
    names = {}
    for row in institutions.to_dict("records"):
        name = clean_text(row["name_ko"]) or clean_text(row["name_en"])
        names[str(row["institution_id"])] = name or str(row["institution_id"])
    return names


class _Feed:
    """One Atom document being built."""

    def __init__(self, release: ReleaseView, slug: str, title: str, subtitle: str, self_href: str):
        self.release = release
        self.root = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
        self.root.set("{http://www.w3.org/XML/1998/namespace}lang", "ko")
        prefix = "[SAMPLE DATA] " if release.samples else ""
        _el(self.root, "id", f"{TAG}:feed:{quote(slug, safe='')}")
        _el(self.root, "title", prefix + title)
        note = " Built from invented sample data, not for analysis." if release.samples else ""
        _el(self.root, "subtitle", f"{subtitle} Release {release.release_id}.{note}")
        self.updated = _el(self.root, "updated")
        _el(self.root, "link", rel="self", href=self_href)
        home = "../" * self_href.count("/")
        _el(self.root, "link", rel="alternate", type="text/html", href=f"{home}index.html")
        author = _el(self.root, "author")
        _el(author, "name", AUTHOR)
        _el(self.root, "generator", "asv-fez-pipeline")
        self.latest: datetime | None = None

    def entry(
        self,
        entry_id: str,
        title: str,
        updated: datetime,
        *,
        published: datetime | None,
        link: str | None,
        author: str,
        category: str | None,
        summary: str,
    ) -> None:
        entry = _el(self.root, "entry")
        _el(entry, "id", entry_id)
        _el(entry, "title", title or "(제목 없음)", type="text")
        _el(entry, "updated", _stamp(updated))
        if published is not None:
            _el(entry, "published", _stamp(published))
        if link:
            _el(entry, "link", rel="alternate", type="text/html", href=link)
        if author:
            _el(_el(entry, "author"), "name", author)
        if category:
            _el(entry, "category", term=category, label=CATEGORY_KO.get(category, category))
        _el(entry, "summary", summary, type="text")
        self.latest = updated if self.latest is None else max(self.latest, updated)

    def write(self, path: Path) -> Path:
        self.updated.text = _stamp(self.latest or self.release.published_at)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(
            etree.tostring(self.root, xml_declaration=True, encoding="utf-8", pretty_print=True)
        )
        return path


def _period(row) -> str:
    start, end = to_kst(row.get("apply_start")), to_kst(row.get("apply_end"))
    if start is None and end is None:
        return ""
    fmt = "%Y-%m-%d %H:%M"
    return f"신청 {start.strftime(fmt) if start else '?'} – {end.strftime(fmt) if end else '?'}"


def _announcement_summary(row, institution: str) -> str:
    parts = [
        institution,
        clean_text(row.get("department")),
        CATEGORY_KO.get(str(row.get("category")), ""),
        _period(row),
    ]
    posted = row.get("posted_date")
    if posted is not None and not pd.isna(posted):
        parts.append(f"게시 {pd.Timestamp(posted).date().isoformat()}")
    return " · ".join(part for part in parts if part)


def _announcement_entries(feed: _Feed, frame: pd.DataFrame, names: dict[str, str]) -> None:
    for row in frame.head(FEED_LIMIT).to_dict("records"):
        institution_id = clean_text(row.get("institution_id"))
        institution = names.get(institution_id, institution_id)
        first_seen = to_kst(row.get("first_seen_at")) or feed.release.published_at
        feed.entry(
            f"{TAG}:announcement:{quote(str(row['announcement_id']), safe=':')}",
            clean_text(row.get("title")),
            first_seen,
            published=_day_start(row.get("posted_date")),
            link=web_link(row.get("url")),
            author=institution,
            category=clean_text(row.get("category")) or None,
            summary=_announcement_summary(row, institution),
        )


def _newest_first(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    keys = [c for c in ("posted_date", "first_seen_at") if c in frame.columns]
    ordered = frame.sort_values("announcement_id", kind="stable")
    return ordered.sort_values(keys, ascending=False, kind="stable", na_position="last")


def _open_call_entries(feed: _Feed, frame: pd.DataFrame, names: dict[str, str]) -> None:
    if frame.empty:
        return
    frame = frame.sort_values(
        ["days_left", "deadline_date", "announcement_id"], kind="stable", na_position="last"
    )
    for row in frame.to_dict("records"):
        days = days_left(row["days_left"])
        institution = clean_text(row.get("institution_name_ko")) or names.get(
            str(row.get("institution_id")), clean_text(row.get("institution_id"))
        )
        deadline = deadline_text(row["deadline_date"])
        as_of = _day_start(row.get("status_as_of")) or feed.release.published_at
        label = days_label(days, str(row.get("status")))
        summary = " · ".join(
            p for p in (institution, clean_text(row.get("department")), _period(row)) if p
        )
        feed.entry(
            f"{TAG}:open-call:{quote(str(row['announcement_id']), safe=':')}",
            f"[{label}] {clean_text(row.get('title'))}",
            as_of,
            published=None,
            link=web_link(row.get("url")),
            author=institution,
            category="call",
            summary=(f"마감 {deadline} ({days}일 남음)" if days is not None else "상시 접수")
            + f" · {summary}",
        )


def _file_slug(institution_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", institution_id).strip(".") or "_"


def write_feeds(release_dir: Path, manifest: dict[str, Any] | None = None) -> list[Path]:
    """Write ``feed.xml``, ``feeds/institutions/<id>.xml`` and ``feeds/open-calls.xml``."""
    release = ReleaseView.open(release_dir, manifest)
    names = _institution_names(release)
    announcements = _newest_first(release.table("announcements", ANNOUNCEMENT_COLUMNS))
    written = []

    feed = _Feed(
        release,
        "announcements",
        "안산사이언스밸리 경제자유구역 공고 (ASV FEZ announcements)",
        "Newest announcements of every institution of the zone.",
        "feed.xml",
    )
    _announcement_entries(feed, announcements, names)
    written.append(feed.write(release_dir / "feed.xml"))

    if not announcements.empty:
        for institution_id, rows in announcements.groupby("institution_id", sort=True):
            institution_id = str(institution_id)
            slug = _file_slug(institution_id)
            name = names.get(institution_id, institution_id)
            feed = _Feed(
                release,
                f"institution:{institution_id}",
                f"{name} 공고 (ASV FEZ)",
                f"Newest announcements of {name}.",
                f"feeds/institutions/{slug}.xml",
            )
            _announcement_entries(feed, rows, names)
            written.append(feed.write(release_dir / "feeds" / "institutions" / f"{slug}.xml"))

    feed = _Feed(
        release,
        "open-calls",
        "안산사이언스밸리 모집 중인 공모·지원사업 (ASV FEZ open calls)",
        "Calls for proposals and support programmes still open or upcoming, days left first.",
        "feeds/open-calls.xml",
    )
    _open_call_entries(feed, release.table("open_calls", OPEN_CALL_COLUMNS), names)
    written.append(feed.write(release_dir / "feeds" / "open-calls.xml"))
    return written
