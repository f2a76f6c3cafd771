"""Small readers shared by the board parsers: cell text, ids in onclick links, attachment sizes."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from bs4 import Tag

from sources.parsers.dates import parse_date

# fnGoDetail( 1681706 ), fn_goView('172323'), goDetail(680), opDetail('n'), fn_view('PB_…')
ONCLICK_ID = re.compile(r"(?<![\w$.])(?!void\b)[A-Za-z_$][\w$.]*\(\s*['\"]?([\w\-]+)['\"]?\s*[,)]")
ID_PARAMS = (
    "nttNo", "bbs_seq", "bbsSeq", "b_idx", "idx", "seq", "seqNo", "articleNo", "wr_id",
    "no", "id", "pblancId", "newsId",
)  # fmt: skip
_SIZE = re.compile(r"\(?\s*(\d[\d,.]*\s*(?:[KMG]i?B|bytes?|Byte))\s*\)?", re.IGNORECASE)
_ELLIPSIS = ("...", "…", "..")


def clean_text(text: str | None) -> str:
    """Whitespace runs (including no-break spaces) folded to one space."""
    return " ".join((text or "").split())


def node_text(node: Any) -> str:
    """The text of a BeautifulSoup tag or an lxml element, whitespace folded."""
    if node is None:
        return ""
    if isinstance(node, Tag):
        return clean_text(node.get_text(" ", strip=True))
    return clean_text(" ".join(node.itertext()))


def block_text(node: Tag | None) -> str:
    """Text of a content block, one line per block element, blank lines dropped."""
    if node is None:
        return ""
    for br in node.find_all("br"):
        br.replace_with("\n")
    lines = (clean_text(line) for line in node.get_text("\n").splitlines())
    return "\n".join(line for line in lines if line)


def full_title(link: Any, attribute: str | None = "title") -> str:
    """The visible title, or the attribute's when the site truncated the visible one.

    The attribute is trusted only when it extends the visible text: boards also put
    placeholders (``title="제목"``) or ``새창열림`` there.
    """
    visible = node_text(link)
    hidden = clean_text(link.get(attribute)) if attribute else ""
    stem = visible
    for mark in _ELLIPSIS:
        stem = stem.removesuffix(mark).strip()
    if hidden and len(hidden) > len(stem) and hidden.startswith(stem):
        return hidden
    return visible


def onclick_id(node: Any, pattern: re.Pattern[str] | None = None) -> str | None:
    """The post id in a link's ``onclick`` or ``javascript:`` href."""
    for value in (node.get("onclick") or "", node.get("href") or ""):
        match = (pattern or ONCLICK_ID).search(value)
        if match:
            return match.group(1)
    return None


def href_id(href: str | None) -> str | None:
    """The post id in a real link's query (``nttNo=``, ``bbs_seq=`` …) or last path segment."""
    if not href or href.startswith(("#", "javascript:")):
        return None
    parts = urlsplit(href)
    query = parse_qs(parts.query)
    for name in ID_PARAMS:
        if query.get(name):
            return query[name][0]
    last = parts.path.rstrip("/").rsplit("/", 1)[-1]
    return last if re.fullmatch(r"[\w\-]*\d[\w\-]*", last) else None


def real_href(link: Any, base_url: str) -> str | None:
    href = (link.get("href") or "").strip()
    if not href or href.startswith(("#", "javascript:")):
        return None
    return urljoin(base_url, href)


def read_date(text: str, formats: list[str]) -> date | None:
    """A date cell, by the declared ``strptime`` formats first, else the Korean date reader."""
    for fmt in formats:
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return parse_date(text)


def attachment_size(text: str) -> str | None:
    match = _SIZE.search(text)
    return clean_text(match.group(1)) if match else None


def strip_size(text: str) -> str:
    return clean_text(_SIZE.sub(" ", text))
