"""Bizinfo (기업마당) support programmes: the bizinfoApi.do answer as RSS or JSON.

The live JSON shape is disputed (``jsonArray`` as a list of items, or ``jsonArray.item`` as an
object or a list; one team found the body not to be valid JSON), and keys differ between the
guide and the live feed (``hashTags``/``hashtags``, RSS names vs. API names). Both forms are
read into one item shape here; each record keeps the item as it came in ``raw_payload``.
Only programmes for the options' ``regions`` (Gyeonggi, Ansan) are kept.
"""

from __future__ import annotations

import html
import json
import re
from itertools import zip_longest
from typing import Any
from urllib.parse import urljoin

from bs4 import BeautifulSoup
from pydantic import BaseModel, ConfigDict

from sources.parsers import Page, ParseError, ParseResult, parse_options
from sources.parsers.announcement import announcement
from sources.parsers.dates import parse_date
from sources.parsers.markup import block_text

SITE = "https://www.bizinfo.go.kr/"
DEFAULT_REGIONS = ["경기", "안산"]


class Options(BaseModel):
    """Keep programmes whose regions name one of ``regions``."""

    model_config = ConfigDict(extra="forbid")

    regions: list[str] = DEFAULT_REGIONS


# Our name for a field ← the names it goes by in the JSON API and in the RSS feed.
ALIASES = {
    "id": ("pblancId", "seq"),
    "title": ("pblancNm", "title"),
    "url": ("pblancUrl", "link"),
    "ministry": ("jrsdInsttNm", "author"),
    "agency": ("excInsttNm",),
    "summary": ("bsnsSumryCn", "description"),
    "field": ("pldirSportRealmLclasCodeNm", "lcategory"),
    "period": ("reqstBeginEndDe", "reqstDt"),
    "created": ("creatPnttm", "pubDate"),
    "tags": ("hashTags", "hashtags", "hashTag"),
    "area": ("areaNm",),
    "file_paths": ("flpthNm",),
    "file_names": ("fileNm",),
}


def _get(item: dict[str, Any], name: str) -> str:
    for key in ALIASES[name]:
        value = item.get(key)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def _rss_items(body: bytes) -> list[dict[str, Any]]:
    soup = BeautifulSoup(body, "xml")
    if soup.find("channel") is None:
        raise ParseError("Bizinfo answer is XML but has no RSS <channel>")
    return [
        {child.name: child.get_text(strip=True) for child in item.find_all(recursive=False)}
        for item in soup.find_all("item")
    ]


def _json_items(text: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"Bizinfo dataType=json answer is not valid JSON ({exc.msg}); request dataType=rss"
        ) from exc
    if isinstance(data, dict) and data.get("reqErr"):
        raise ParseError(f"Bizinfo error: {data['reqErr']}")
    items = data.get("jsonArray", data) if isinstance(data, dict) else data
    if isinstance(items, dict):
        items = items.get("item", [])
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        raise ParseError(f"Bizinfo JSON has no item list (found {type(items).__name__})")
    return [item for item in items if isinstance(item, dict)]


def read_items(page: Page) -> list[dict[str, Any]]:
    """The programme items of one answer, RSS or JSON, as the source gave them."""
    text = page.text.lstrip("\ufeff \r\n\t")
    return _rss_items(page.body) if text.startswith("<") else _json_items(text)


def _in_regions(item: dict[str, Any], regions: list[str]) -> bool:
    where = " ".join(_get(item, n) for n in ("tags", "area", "title", "agency"))
    return any(region in where for region in regions)


def _attachments(item: dict[str, Any]) -> list[dict[str, Any]]:
    paths, names = _get(item, "file_paths"), _get(item, "file_names")
    if not paths:
        return []
    pairs = zip_longest(paths.split("@"), names.split("@") if names else [], fillvalue="")
    return [
        {"name": name or path.rsplit("/", 1)[-1], "url": urljoin(SITE, path), "size": None}
        for path, name in pairs
        if path
    ]


def _summary(text: str) -> str | None:
    if not text:
        return None
    soup = BeautifulSoup(html.unescape(text).replace("\r\n", "\n"), "lxml")
    return block_text(soup.body or soup) or None


def _record(page: Page, item: dict[str, Any]) -> dict[str, Any] | None:
    post_id, title = _get(item, "id"), _get(item, "title")
    if not post_id:
        match = re.search(r"pblancId=([\w]+)", _get(item, "url"))
        post_id = match.group(1) if match else ""
    if not post_id or not title:
        return None
    link = _get(item, "url") or f"/sii/siia/selectSIIA200Detail.do?pblancId={post_id}"
    return announcement(
        page.spec,
        post_id=post_id,
        url=urljoin(SITE, link),
        title=" ".join(html.unescape(title).split()),
        posted_date=parse_date(_get(item, "created")),
        department=_get(item, "ministry") or None,
        category_hint=_get(item, "field").replace("@", ", ") or None,
        period_text=_get(item, "period") or None,
        body_text=_summary(_get(item, "summary")),
        attachments=_attachments(item),
        raw_payload=item,
    )


def parse(page: Page) -> ParseResult:
    regions = parse_options(page.spec, Options).regions
    items = read_items(page)
    records = [
        record
        for item in items
        if _in_regions(item, regions) and (record := _record(page, item)) is not None
    ]
    return ParseResult(records=records)
