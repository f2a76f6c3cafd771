"""Policy briefing (korea.kr) RSS feeds, kept only where an item names the zone.

The ministry in charge of FEZs publishes through ``dept_motir.xml`` (산업통상부; older clients
use ``dept_motie.xml``). Items are plain RSS 2.0; those whose title or description holds one of
the options' ``keywords`` (경제자유구역, the zone's names) are kept.
"""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup
from pydantic import BaseModel, ConfigDict

from sources.parsers import Page, ParseError, ParseResult, parse_options
from sources.parsers.announcement import announcement
from sources.parsers.dates import KST, parse_date
from sources.parsers.markup import block_text, clean_text

DEFAULT_KEYWORDS = ["경제자유구역", "안산사이언스밸리", "사이언스밸리", "안산"]


class Options(BaseModel):
    """Keep news items that mention one of ``keywords``."""

    model_config = ConfigDict(extra="forbid")

    keywords: list[str] = DEFAULT_KEYWORDS


def _posted(text: str):
    try:
        return parsedate_to_datetime(text).astimezone(KST).date()
    except (TypeError, ValueError):
        return parse_date(text)


def _post_id(link: str, guid: str) -> str:
    query = parse_qs(urlsplit(link).query)
    return (query.get("newsId") or [None])[0] or guid or link


def _item(item) -> dict[str, Any]:
    return {child.name: child.get_text(strip=True) for child in item.find_all(recursive=False)}


def parse(page: Page) -> ParseResult:
    if not page.body.lstrip().startswith(b"<"):
        raise ParseError("the RSS feed answered with something that is not XML")
    soup = BeautifulSoup(page.body, "xml")
    channel = soup.find("channel")
    if channel is None:
        where = f"{page.spec.name}: {page.url}"
        return ParseResult(warnings=[f"layout_changed: {where}: no RSS <channel> in the answer"])
    keywords = parse_options(page.spec, Options).keywords
    records = []
    for node in channel.find_all("item"):
        item = _item(node)
        title, link = clean_text(item.get("title")), item.get("link", "")
        description = block_text(BeautifulSoup(item.get("description", ""), "lxml"))
        if not title or not link or not any(k in title + " " + description for k in keywords):
            continue
        records.append(
            announcement(
                page.spec,
                post_id=_post_id(link, item.get("guid", "")),
                url=link,
                title=title,
                posted_date=_posted(item.get("pubDate", "")),
                department=clean_text(item.get("author") or item.get("creator")) or None,
                body_text=description or None,
                raw_payload=item,
            )
        )
    return ParseResult(records=records)
