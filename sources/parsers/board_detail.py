"""Read a post's detail page: body text, department, contact, attachments, period text.

Selectors come from the source's ``detail`` options; what is not declared is looked for in
labelled pairs (``dt``/``dd``, ``th``/``td``) and in the body's lines. Attachments are listed
(name, URL, size), never downloaded.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag

from sources.parsers.dates import parse_date
from sources.parsers.markup import (
    ONCLICK_ID,
    attachment_size,
    block_text,
    clean_text,
    node_text,
    real_href,
    strip_size,
)

# Labelled fields holding the application period, best first (read by sources/parsers/periods.py).
PERIOD_LABELS = (
    "접수기간",
    "신청기간",
    "모집기간",
    "공모기간",
    "신청접수기간",
    "접수일정",
    "제출기간",
    "입찰서제출기간",
    "신청기한",
    "접수기한",
    "접수마감",
    "마감일",
    "마감일시",
    "공고기간",
)
DEPARTMENT_LABELS = ("담당부서", "소관부서", "주관부서", "부서명", "부서")
CONTACT_LABELS = ("연락처", "전화번호", "문의처", "문의", "사업담당자", "담당자")
POSTED_LABELS = (
    "등록일", "등록일자", "작성일", "작성일자", "게시일", "게시일자", "공고일", "공고일자",
)  # fmt: skip
FILE_LINK = re.compile(
    r"(FileDown|fileDown|download|Download|atchFile|\.(?:hwpx?|pdf|docx?|xlsx?|zip|pptx?)\b)"
)
_LABEL_LINE = re.compile(r"^[○●◦∙·\-*□■▶]?\s*(담당\s*부서|문의(?:처)?|연락처)\s*[:：]\s*(.+)$")
_BODY_CANDIDATES = "article, [class*=view], [class*=cont], [id*=cont], [class*=txt], td"
# Not ``form``: eGovFrame sites wrap the whole page, content included, in one.
_NOISE = ("script", "style", "nav", "header", "footer", "noscript")


def labelled_fields(scope: Tag) -> dict[str, str]:
    """Label → value for every ``dt``/``dd`` and ``th``/``td`` pair; labels without spaces."""
    fields: dict[str, str] = {}
    for label in scope.find_all(["dt", "th"]):
        value = label.find_next_sibling("dd" if label.name == "dt" else "td")
        key = node_text(label).replace(" ", "")
        if value is not None and key and key not in fields:
            fields[key] = node_text(value)
    return fields


def _field(fields: dict[str, str], labels: tuple[str, ...]) -> str | None:
    for label in labels:
        if fields.get(label):
            return fields[label]
    return None


def guess_body(soup: BeautifulSoup) -> Tag | None:
    """The block with the most non-link text, narrowed to the innermost one holding most of it.

    Blocks holding labels (``th``, ``dt``) are the post's metadata, not its body: they are
    taken only when nothing else has text.
    """
    nodes = soup.select(_BODY_CANDIDATES)
    content = [n for n in nodes if not n.find(["th", "dt"]) and n.get_text(strip=True)]
    scored = []
    for node in content or nodes:
        text = len(node.get_text(strip=True))
        links = sum(len(a.get_text(strip=True)) for a in node.find_all("a"))
        scored.append((text - links, node))
    if not scored:
        return soup.body
    best = max(score for score, _ in scored)
    close = [node for score, node in scored if score >= 0.8 * best]
    return min(close, key=lambda n: len(n.get_text(strip=True)))


def _body(soup: BeautifulSoup, selector: str | None) -> str:
    if selector:
        return "\n".join(block_text(node) for node in soup.select(selector))
    return block_text(guess_body(soup))


def read_attachments(
    soup: BeautifulSoup,
    base_url: str,
    post_id: str,
    selector: str | None,
    url_template: str | None,
    id_pattern: re.Pattern[str] | None,
) -> list[dict[str, Any]]:
    """Attachment links as {name, url, size}; onclick-only links go through ``url_template``."""
    if selector:
        links = soup.select(selector)
    else:
        links = [
            a
            for a in soup.find_all("a")
            if FILE_LINK.search((a.get("href") or "") + (a.get("onclick") or "") + node_text(a))
        ]
    found, seen = [], set()
    for link in links:
        url = real_href(link, base_url)
        if url is None and url_template:
            match = (id_pattern or ONCLICK_ID).search(
                (link.get("onclick") or "") + " " + (link.get("href") or "")
            )
            if match:
                url = urljoin(base_url, url_template.format(id=post_id, file=match.group(1)))
        container = link.find_parent("li") or link.parent
        name = strip_size(node_text(link)) or clean_text(link.get("title"))
        if not name or url in seen:
            continue
        seen.add(url)
        found.append({"name": name, "url": url, "size": attachment_size(node_text(container))})
    return found


def _label_lines(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in text.splitlines():
        match = _LABEL_LINE.match(line)
        if match:
            found.setdefault(match.group(1).replace(" ", ""), clean_text(match.group(2)))
    return found


def read_detail(
    soup: BeautifulSoup,
    base_url: str,
    post_id: str,
    *,
    body: str | None = None,
    fields: str | None = None,
    attachments: str | None = None,
    attachment_url: str | None = None,
    attachment_id: re.Pattern[str] | None = None,
) -> dict[str, Any]:
    """What a detail page says about its post; keys absent from the page are None."""
    for node in soup.find_all(_NOISE):
        node.decompose()
    scope = soup.select_one(fields) if fields else soup
    labelled = labelled_fields(scope or soup)
    body_text = _body(soup, body)
    lines = _label_lines(body_text)
    posted: date | None = parse_date(_field(labelled, POSTED_LABELS))
    contact = (
        _field(labelled, CONTACT_LABELS)
        or lines.get("연락처")
        or lines.get("문의")
        or lines.get("문의처")
    )
    return {
        "body_text": body_text or None,
        "department": _field(labelled, DEPARTMENT_LABELS) or lines.get("담당부서"),
        "contact": contact,
        "posted_date": posted,
        "period_text": _field(labelled, PERIOD_LABELS),
        "attachments": read_attachments(
            soup, base_url, post_id, attachments, attachment_url, attachment_id
        ),
    }
