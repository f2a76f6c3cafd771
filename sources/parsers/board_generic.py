"""Find the post list on a board page without selectors, and say how sure the guess is.

A table whose header names 제목 and 등록일/작성일 is taken with high confidence; a table or a
``ul``/``ol`` list whose rows pair a link with a date is taken with less. The confidence is the
kind of evidence (header or not) times the share of rows that have a link, an id and a date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bs4 import BeautifulSoup, Tag

from sources.parsers.markup import full_title, href_id, node_text, onclick_id, read_date, real_href

TITLE_HEADERS = ("제목", "공고명", "사업명", "공지명", "title", "subject")
DATE_HEADERS = ("등록일", "작성일", "게시일", "공고일", "등록일자", "작성일자", "date")
DEPARTMENT_HEADERS = ("담당부서", "부서", "작성자", "등록자", "기관", "주관")
NUMBER_HEADERS = ("번호", "no", "no.")
PINNED_MARKS = ("공지", "notice", "필독", "중요")
DATE_ONLY = re.compile(
    r"^\s*(?:등록일|작성일|게시일|날짜|date)?\s*[:：]?\s*"
    r"(?:\d{4}|\d{2})\s*[.\-/]\s*\d{1,2}\s*[.\-/]\s*\d{1,2}\s*\.?\s*$",
    re.IGNORECASE,
)
HEADER_CONFIDENCE = 0.9
ROWS_CONFIDENCE = 0.6


@dataclass
class GenericBoard:
    """What the generic reader found on one page."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    confidence: float = 0.0
    reason: str = "no table or list pairs links with dates"
    where: str = ""


def _describe(node: Tag) -> str:
    classes = ".".join(node.get("class") or [])
    return f"{node.name}.{classes}" if classes else node.name


def _matches(text: str, names: tuple[str, ...]) -> bool:
    text = text.replace(" ", "").lower()
    return any(text == n or text.startswith(n) for n in names)


def _column(headers: list[str], names: tuple[str, ...]) -> int | None:
    return next((i for i, h in enumerate(headers) if _matches(h, names)), None)


def is_pinned(row: Tag, number_text: str = "") -> bool:
    marks = [number_text.lower(), " ".join(row.get("class") or []).lower()]
    marks += [(img.get("alt") or "").lower() for img in row.find_all("img")]
    return any(mark in text for text in marks for mark in PINNED_MARKS)


def date_in_row(node: Tag, formats: list[str]) -> date | None:
    for text in node.find_all(string=True):
        if text.parent.name != "a" and DATE_ONLY.match(text):
            return read_date(text, formats)
    return None


def _title_link(node: Tag) -> Tag | None:
    links = [a for a in node.find_all("a") if node_text(a)]
    return max(links, key=lambda a: len(node_text(a)), default=None)


def _row(
    link: Tag | None,
    posted: date | None,
    department: str,
    pinned: bool,
    base_url: str,
    id_pattern: re.Pattern[str] | None,
    detail_url: str | None,
) -> dict[str, Any] | None:
    if link is None:
        return None
    href = real_href(link, base_url)
    post_id = onclick_id(link, id_pattern) or href_id(href)
    if post_id is None:
        return None
    url = href or (detail_url.format(id=post_id) if detail_url else base_url)
    return {
        "post_id": post_id,
        "title": full_title(link),
        "url": url,
        "posted_date": posted,
        "department": department or None,
        "pinned": pinned,
    }


def _score(rows: list[dict | None], kind: float) -> tuple[list[dict], float]:
    good = [r for r in rows if r is not None]
    if not rows or not good:
        return [], 0.0
    dated = sum(1 for r in good if r["posted_date"] is not None)
    return good, round(kind * dated / len(rows), 2)


def _header_cells(table: Tag) -> list[str]:
    head = table.find("thead")
    row = head.find("tr") if head else None
    if row is None:
        row = next((tr for tr in table.find_all("tr") if tr.find("th")), None)
    return [node_text(c) for c in row.find_all(["th", "td"])] if row else []


def _cell_at(cells: list[Tag]):
    def cell(index: int | None) -> Tag | None:
        return cells[index] if index is not None and index < len(cells) else None

    return cell


def _body_rows(table: Tag) -> list[Tag]:
    return [tr for tr in table.find_all("tr") if tr.find("td") and not tr.find_parent("thead")]


def _read_table(table: Tag, base_url: str, id_pattern, detail_url, formats) -> GenericBoard:
    headers = _header_cells(table)
    title_col, date_col = _column(headers, TITLE_HEADERS), _column(headers, DATE_HEADERS)
    dept_col, number_col = _column(headers, DEPARTMENT_HEADERS), _column(headers, NUMBER_HEADERS)
    by_header = title_col is not None and date_col is not None
    rows = []
    for tr in _body_rows(table):
        cells = tr.find_all("td", recursive=False) or tr.find_all("td")
        cell = _cell_at(cells)
        if by_header:
            title_cell = cell(title_col)
            link = _title_link(title_cell) if title_cell else None
            date_cell = cell(date_col)
            posted = read_date(node_text(date_cell), formats) if date_cell else None
        else:
            link, posted = _title_link(tr), date_in_row(tr, formats)
        number = node_text(cell(number_col)) if number_col is not None else ""
        department = node_text(cell(dept_col)) if dept_col is not None else ""
        pinned = is_pinned(tr, number)
        rows.append(_row(link, posted, department, pinned, base_url, id_pattern, detail_url))
    good, confidence = _score(rows, HEADER_CONFIDENCE if by_header else ROWS_CONFIDENCE)
    reason = (
        f"header names {' | '.join(headers)}"
        if by_header
        else "rows pair a link with a date (no 제목/등록일 header)"
    )
    return GenericBoard(
        good, confidence, f"{reason}; {len(good)} of {len(rows)} rows read", _describe(table)
    )


def _read_list(
    items: list[Tag], parent: Tag, base_url, id_pattern, detail_url, formats
) -> GenericBoard:
    rows = [
        _row(
            _title_link(li),
            date_in_row(li, formats),
            "",
            is_pinned(li),
            base_url,
            id_pattern,
            detail_url,
        )
        for li in items
    ]
    good, confidence = _score(rows, ROWS_CONFIDENCE)
    reason = f"list items pair a link with a date; {len(good)} of {len(rows)} items read"
    return GenericBoard(good, confidence, reason, _describe(parent))


def find_board(
    soup: BeautifulSoup,
    base_url: str,
    *,
    id_pattern: re.Pattern[str] | None = None,
    detail_url: str | None = None,
    date_formats: list[str] | None = None,
) -> GenericBoard:
    """The most convincing post list on the page (confidence 0 when there is none)."""
    formats = date_formats or []
    candidates = [
        _read_table(table, base_url, id_pattern, detail_url, formats)
        for table in soup.find_all("table")
        if not table.find("table")
    ]
    for parent in soup.find_all(["ul", "ol"]):
        items = parent.find_all("li", recursive=False)
        if len(items) >= 2:
            candidates.append(_read_list(items, parent, base_url, id_pattern, detail_url, formats))
    best = max(candidates, key=lambda b: (b.confidence, len(b.rows)), default=None)
    return best if best is not None and best.confidence > 0 else GenericBoard()
