"""Declared list rows, read with lxml and compiled CSS selectors.

A declared board names its rows and cells, so no tree search is needed: lxml parses a list
page about thirty times faster than BeautifulSoup builds one, which is what lets a crawl of
many boards keep to its politeness bound instead of waiting on the parser. The generic mode
and detail pages, which search the page, stay with BeautifulSoup.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import lxml.html
from lxml.cssselect import CSSSelector
from lxml.etree import ParserError

from sources.parsers.board_generic import DATE_ONLY, PINNED_MARKS
from sources.parsers.markup import full_title, href_id, node_text, onclick_id, read_date, real_href

_PARSER = lxml.html.HTMLParser(encoding="utf-8")


@cache
def css(selector: str) -> CSSSelector:
    return CSSSelector(selector, translator="html")


def parse_html(text: str) -> lxml.html.HtmlElement | None:
    """The page's document, or None for a page with no markup at all."""
    try:
        return lxml.html.document_fromstring(text.encode("utf-8"), parser=_PARSER)
    except ParserError:
        return None


def _first(node: Any, selector: str | None) -> Any:
    if not selector:
        return None
    found = css(selector)(node)
    return found[0] if found else None


def _text_at(row: Any, selector: str | None) -> str:
    return node_text(_first(row, selector))


def _date_in_row(row: Any, formats: list[str]) -> Any:
    """The first text of the row that is only a date, outside links (titles hold dates too)."""
    for element in row.iter():
        if not isinstance(element.tag, str):
            continue
        texts = [(element.text, element.tag)]
        parent = element.getparent()
        texts.append((element.tail, parent.tag if parent is not None else ""))
        for text, owner in texts:
            if text and owner != "a" and DATE_ONLY.match(text):
                return read_date(text, formats)
    return None


def _is_pinned(row: Any, number_text: str) -> bool:
    marks = [number_text.lower(), (row.get("class") or "").lower()]
    marks += [(img.get("alt") or "").lower() for img in row.iter("img")]
    return any(mark in text for text in marks for mark in PINNED_MARKS)


def declared_row(row: Any, opts: Any, base_url: str) -> dict[str, Any] | None:
    """One post from a row matched by the declared selectors, or None if it holds none."""
    fields = opts.fields
    found = _first(row, fields.title)
    if found is None:
        return None
    link = found if found.tag == "a" else (_first(found, "a") or found)
    href = real_href(link, base_url) if link.tag == "a" else None
    post_id = onclick_id(link, opts.id_regex) or href_id(href)
    if post_id is None:
        return None
    if fields.date == "auto":
        posted = _date_in_row(row, opts.date_formats)
    else:
        posted = read_date(_text_at(row, fields.date), opts.date_formats) if fields.date else None
    period = _text_at(row, fields.period)
    status = _text_at(row, fields.status)
    number = _text_at(row, fields.number)
    return {
        "post_id": post_id,
        "title": full_title(link, fields.title_attr),
        "url": opts.record_url(post_id, href, base_url),
        "posted_date": posted,
        "department": _text_at(row, fields.department) or None,
        "category_hint": _text_at(row, fields.category) or None,
        "period_text": period or None,
        "status_hint": "closed" if {period, status} & set(opts.closed_text) else None,
        "pinned": number in opts.pinned_text or _is_pinned(row, number),
        "extra": {k: _text_at(row, s) or None for k, s in fields.extra.items()},
    }
