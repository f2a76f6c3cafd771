"""The declarative board reader: a board of the usual Korean public-sector kind is YAML, not code.

A source's ``options`` say where the rows are and how to read them (see ``BoardOptions``), or
``mode: generic`` lets ``board_generic`` find the list by itself. List pages give one row per
post; pinned 「공지」 rows repeat on every page, so they are read from the first page only.

A list page reports its posts (``ParseResult.posts``: id, pinned, and the record or the
detail request that completes each one); the crawler decides which to follow, what counts as
seen and whether to read the next page. With ``detail`` declared, each kept row is followed to
its detail page, carrying the list fields in ``RequestSpec.meta``; the detail page returns the
complete record and the list page returns none. The detail page's contact line is kept in
``raw_payload["contact"]`` (the warehouse has no column for it yet); its posting date fills
the list's when the list shows none. A detail page that says the post was deleted
(``deleted_text``) reports the post as removed.

A normal 200 list page that yields no posts (unless it says the board is empty, as boards do
past their last page), or posts without dates, adds a ``layout_changed: …`` warning: the
source's markup has moved. A detail page reports whether
its declared ``body``, ``fields`` and ``posted`` selectors matched; the crawler flags the
source when one matches nothing on most detail pages of a run.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from functools import cache
from typing import Any, Literal

from bs4 import BeautifulSoup
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from sources.parsers import ListedPost, Page, ParseError, ParseResult
from sources.parsers.announcement import INPUTS, announcement
from sources.parsers.board_detail import read_detail
from sources.parsers.board_generic import find_board
from sources.parsers.board_rows import css, declared_row, parse_html
from sources.parsers.markup import node_text, read_date
from sources.spec import RequestSpec, SourceSpec, first_error

EMPTY_BOARD = "등록된 게시글이 존재하지 않습니다."
DELETED_POST = ["삭제된 게시물", "삭제된 게시글", "존재하지 않는 게시물", "존재하지 않는 게시글"]
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
    status: str | None = None
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
    posted: str | None = None
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
    closed_text: list[str] = ["마감"]
    pinned_text: list[str] = ["공지"]
    empty_text: list[str] = [EMPTY_BOARD]
    deleted_text: list[str] = DELETED_POST
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


Options = BoardOptions


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
    if page.status == 200 and rows and undated and "posted_date" not in page.spec.lacks:
        warnings.append(
            f"layout_changed: {where}: {len(undated)} of {len(rows)} posts have no date"
        )
    return rows, warnings


def _is_first_page(page: Page) -> bool:
    paging = page.spec.paging
    number = page.request.meta.get("page")
    return paging is None or number is None or number == paging.start


def _keep(rows: list[dict[str, Any]], first_page: bool) -> list[dict]:
    """Each post once; pinned rows repeat on every page, so only the first page's count."""
    kept, seen = [], set()
    for row in rows:
        if row["post_id"] in seen or (row.get("pinned") and not first_page):
            continue
        seen.add(row["post_id"])
        kept.append(row)
    return kept


def _record(spec: SourceSpec, row: dict[str, Any]) -> dict[str, Any]:
    extra = {k: v for k, v in (row.get("extra") or {}).items() if v}
    listed = {k: row.get(k) for k in INPUTS if k in row}
    period = row.get("period_text")
    return announcement(spec, **listed, raw_payload=extra or None, period_text=period)


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
        meta={"post_id": post_id, "record": _to_meta(record)},
    )


def _listed(page: Page, opts: BoardOptions, row: dict[str, Any]) -> ListedPost:
    post_id, pinned = str(row["post_id"]), bool(row.get("pinned"))
    if any(word in row["title"] for word in opts.exclude_titles):
        return ListedPost(post_id, pinned)
    record = _record(page.spec, row)
    if opts.detail is None:
        return ListedPost(post_id, pinned, record=record)
    return ListedPost(post_id, pinned, detail=_detail_request(opts, record))


def _parse_list(page: Page, opts: BoardOptions) -> ParseResult:
    rows, warnings = read_rows(page, opts)
    posts = [_listed(page, opts, row) for row in _keep(rows, _is_first_page(page))]
    return ParseResult(
        records=[p.record for p in posts if p.record is not None],
        follow=[p.detail for p in posts if p.detail is not None],
        warnings=warnings,
        posts=posts,
    )


# -- detail pages -------------------------------------------------------------------------


def _from_meta(meta: dict[str, Any]) -> dict[str, Any]:
    record = dict(meta)
    if record.get("posted_date"):
        record["posted_date"] = date.fromisoformat(record["posted_date"])
    return record


def _post_id(page: Page) -> str:
    post_id = page.request.meta.get("post_id")
    if post_id is None:
        post_id = (page.request.meta.get("record") or {}).get("post_id")
    if post_id is None:
        raise ParseError("a detail page requested without its post id in meta")
    return str(post_id)


def _matched(soup: BeautifulSoup, detail: DetailOptions) -> dict[str, bool]:
    """Whether each declared selector that every detail page should have matched."""
    declared = {"body": detail.body, "fields": detail.fields, "posted": detail.posted}
    return {
        f"detail.{name} '{selector}'": soup.select_one(selector) is not None
        for name, selector in declared.items()
        if selector
    }


def _parse_detail(page: Page, opts: BoardOptions) -> ParseResult:
    detail = opts.detail
    assert detail is not None
    post_id = _post_id(page)
    soup = BeautifulSoup(page.text, "lxml")
    selectors = _matched(soup, detail)
    body_found = not detail.body or selectors[f"detail.body '{detail.body}'"]
    if not body_found and any(text in page.text for text in opts.deleted_text):
        return ParseResult(removed=[post_id])
    listed = page.request.meta.get("record", _MISSING)
    if listed is _MISSING:
        raise ParseError("a detail page requested without its list record in meta['record']")
    record = _from_meta(listed)
    posted = soup.select_one(detail.posted) if detail.posted else None
    found = read_detail(
        soup,
        page.url,
        post_id,
        body=detail.body,
        fields=detail.fields,
        attachments=detail.attachments,
        attachment_url=detail.attachment_url,
        attachment_id=re.compile(detail.attachment_id) if detail.attachment_id else None,
    )
    if posted is not None:
        found["posted_date"] = read_date(node_text(posted), opts.date_formats)
    for key in ("department", "posted_date"):
        if record.get(key) is None:
            record[key] = found[key]
    extra = {**(record.get("raw_payload") or {}), "contact": found["contact"]}
    record.update(
        body_text=found["body_text"],
        attachments=found["attachments"],
        raw_payload={k: v for k, v in extra.items() if v} or None,
    )
    listed_period = record["period_evidence"] if record.get("period_origin") == "field" else None
    period_text = listed_period or found["period_text"]
    inputs = {k: record.get(k) for k in INPUTS}
    record = announcement(page.spec, **inputs, period_text=period_text)
    return ParseResult(records=[record], selectors=selectors)


def parse(page: Page) -> ParseResult:
    opts = board_options(page.spec)
    if page.request.kind == "detail":
        return _parse_detail(page, opts)
    return _parse_list(page, opts)
