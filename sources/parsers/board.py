"""The declarative board reader: a board of the usual Korean public-sector kind is YAML, not code.

A source's ``options`` say where the rows are and how to read them (see ``BoardOptions``), or
``mode: generic`` lets ``board_generic`` find the list by itself. List pages give one row per
post; pinned 「공지」 rows repeat on every page, so they are read from the first page only.

With ``detail`` declared, each kept row is followed to its detail page, carrying the list
fields in ``RequestSpec.meta``; the detail page returns the complete record and the list page
returns none. The detail page's contact line is kept in ``raw_payload["contact"]`` (the
warehouse has no column for it yet). Since the crawler pages only after a page that returned
records, the list page then asks for the next page itself.

A normal 200 list page that yields no posts (unless it says the board is empty), or posts
without dates, adds a ``layout_changed: …`` warning: the source's markup has moved.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from functools import cache
from typing import Any, Literal

from bs4 import BeautifulSoup
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from sources.parsers import Page, ParseError, ParseResult
from sources.parsers.announcement import FIELDS, announcement
from sources.parsers.board_detail import read_detail
from sources.parsers.board_generic import find_board
from sources.parsers.board_rows import css, declared_row, parse_html
from sources.parsers.dates import KST
from sources.parsers.markup import node_text
from sources.registry import RequestSpec, SourceSpec, first_error

EMPTY_BOARD = "등록된 게시글이 존재하지 않습니다."
_MISSING = object()


class RowFields(BaseModel):
    """CSS selectors inside one row; ``date: auto`` takes the cell that holds only a date."""

    model_config = ConfigDict(extra="forbid")

    title: str
    title_attr: str | None = "title"
    date: str | None = None
    department: str | None = None
    category: str | None = None
    period: str | None = None
    number: str | None = None
    extra: dict[str, str] = {}


class DetailOptions(BaseModel):
    """How to request and read a post's detail page; ``{id}`` is the post id."""

    model_config = ConfigDict(extra="forbid")

    url: str
    method: Literal["GET", "POST"] = "GET"
    data: dict[str, str] = {}
    body: str | None = None
    fields: str | None = None
    attachments: str | None = None
    attachment_url: str | None = None
    attachment_id: str | None = None


class BoardOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["declared", "generic"] = "declared"
    rows: str | None = None
    fields: RowFields | None = None
    id_pattern: str | None = None
    url: str | None = None
    date_formats: list[str] = []
    require_dates: bool = True
    closed_text: list[str] = ["마감"]
    pinned_text: list[str] = ["공지"]
    empty_text: list[str] = [EMPTY_BOARD]
    exclude_titles: list[str] = []
    min_confidence: float = 0.5
    detail: DetailOptions | None = None

    @model_validator(mode="after")
    def _declared_needs_selectors(self) -> BoardOptions:
        if self.mode == "declared" and (self.rows is None or self.fields is None):
            raise ValueError("mode 'declared' needs 'rows' and 'fields' (or use mode: generic)")
        return self

    @property
    def id_regex(self) -> re.Pattern[str] | None:
        return re.compile(self.id_pattern) if self.id_pattern else None

    def record_url(self, post_id: str, href: str | None, list_url: str) -> str:
        if self.url:
            return self.url.format(id=post_id)
        if href:
            return href
        if self.detail and self.detail.method == "GET":
            return self.detail.url.format(id=post_id)
        return list_url


@cache
def _options(spec_file: str, raw: str) -> BoardOptions:
    try:
        return BoardOptions(**json.loads(raw))
    except ValidationError as exc:
        raise ParseError(f"{spec_file}: options.{first_error(exc)}") from exc


def board_options(spec: SourceSpec) -> BoardOptions:
    """The source's board options, validated (a clear error names the bad key)."""
    return _options(str(spec.file or spec.name), json.dumps(spec.options, sort_keys=True))


# -- list pages ---------------------------------------------------------------------------


def read_rows(page: Page, opts: BoardOptions) -> tuple[list[dict[str, Any]], list[str]]:
    """All posts on a list page, and the layout warnings it raises."""
    where = f"{page.spec.name}: {page.url}"
    if opts.mode == "generic":
        soup = BeautifulSoup(page.text, "lxml")
        board = find_board(
            soup,
            page.url,
            id_pattern=opts.id_regex,
            detail_url=opts.url or (opts.detail.url if opts.detail else None),
            date_formats=opts.date_formats,
        )
        rows = board.rows if board.confidence >= opts.min_confidence else []
        what = f"the generic reader ({board.reason})"
        page_text = node_text(soup)
    else:
        assert opts.rows is not None
        document = parse_html(page.text)
        candidates = css(opts.rows)(document) if document is not None else []
        rows = [r for r in (declared_row(tr, opts, page.url) for tr in candidates) if r]
        what = f"'{opts.rows}' ({len(candidates)} rows matched)"
        page_text = node_text(document)
    warnings = []
    empty = any(marker in page_text for marker in opts.empty_text)
    if page.status == 200 and not rows and not empty:
        warnings.append(f"layout_changed: {where}: a normal page, but {what} gave no posts")
    undated = [r for r in rows if r.get("posted_date") is None]
    if page.status == 200 and rows and undated and opts.require_dates:
        warnings.append(
            f"layout_changed: {where}: {len(undated)} of {len(rows)} posts have no date"
        )
    return rows, warnings


def _is_first_page(page: Page) -> bool:
    paging = page.spec.paging
    number = page.request.meta.get("page")
    return paging is None or number is None or number == paging.start


def _keep(rows: list[dict[str, Any]], opts: BoardOptions, first_page: bool) -> list[dict]:
    kept, seen = [], set()
    for row in rows:
        if row["post_id"] in seen or (row.get("pinned") and not first_page):
            continue
        if any(word in row["title"] for word in opts.exclude_titles):
            continue
        seen.add(row["post_id"])
        kept.append(row)
    return kept


def _record(spec: SourceSpec, row: dict[str, Any]) -> dict[str, Any]:
    extra = {k: v for k, v in (row.get("extra") or {}).items() if v}
    listed = {k: row.get(k) for k in FIELDS if k in row}
    return announcement(spec, **listed, raw_payload=extra or None)


def next_page(spec: SourceSpec, request: RequestSpec) -> RequestSpec | None:
    """The list page after ``request``, or None after the declared ``max_pages``."""
    paging, number = spec.paging, request.meta.get("page")
    if paging is None or number is None or number - paging.start + 1 >= paging.max_pages:
        return None
    meta = {**request.meta, "page": number + 1}
    if paging.in_body:
        data = {**(request.data or {}), paging.param: str(number + 1)}
        return request.model_copy(update={"data": data, "meta": meta})
    params = {**request.params, paging.param: str(number + 1)}
    return request.model_copy(update={"params": params, "meta": meta})


def _to_meta(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date | datetime) else v for k, v in record.items()}


def _detail_request(opts: BoardOptions, record: dict[str, Any]) -> RequestSpec:
    detail = opts.detail
    assert detail is not None
    post_id = record["post_id"]
    return RequestSpec(
        url=detail.url.format(id=post_id),
        method=detail.method,
        data={k: v.format(id=post_id) for k, v in detail.data.items()} or None,
        kind="detail",
        meta={"record": _to_meta(record)},
    )


def _parse_list(page: Page, opts: BoardOptions) -> ParseResult:
    rows, warnings = read_rows(page, opts)
    kept = _keep(rows, opts, _is_first_page(page))
    records = [_record(page.spec, row) for row in kept]
    if opts.detail is None:
        return ParseResult(records=records, warnings=warnings)
    follow = [_detail_request(opts, record) for record in records]
    more = next_page(page.spec, page.request) if rows else None
    return ParseResult(follow=follow + ([more] if more else []), warnings=warnings)


# -- detail pages -------------------------------------------------------------------------


def _from_meta(meta: dict[str, Any]) -> dict[str, Any]:
    record = dict(meta)
    if record.get("posted_date"):
        record["posted_date"] = date.fromisoformat(record["posted_date"])
    for key in ("apply_start", "apply_end"):
        if record.get(key):
            record[key] = datetime.fromisoformat(record[key]).astimezone(KST)
    return record


def _parse_detail(page: Page, opts: BoardOptions) -> ParseResult:
    listed = page.request.meta.get("record", _MISSING)
    if listed is _MISSING:
        raise ParseError("a detail page requested without its list record in meta['record']")
    detail = opts.detail
    assert detail is not None
    record = _from_meta(listed)
    found = read_detail(
        BeautifulSoup(page.text, "lxml"),
        page.url,
        record["post_id"],
        body=detail.body,
        fields=detail.fields,
        attachments=detail.attachments,
        attachment_url=detail.attachment_url,
        attachment_id=re.compile(detail.attachment_id) if detail.attachment_id else None,
    )
    for key in ("department", "posted_date", "apply_start", "apply_end"):
        if record.get(key) is None:
            record[key] = found[key]
    extra = {**(record.get("raw_payload") or {}), "contact": found["contact"]}
    record.update(
        body_text=found["body_text"],
        attachments=found["attachments"],
        raw_payload={k: v for k, v in extra.items() if v} or None,
    )
    return ParseResult(records=[record])


def parse(page: Page) -> ParseResult:
    opts = board_options(page.spec)
    if page.request.kind == "detail":
        return _parse_detail(page, opts)
    return _parse_list(page, opts)
