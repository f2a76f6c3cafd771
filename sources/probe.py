"""Probe a source: fetch its first list page and show what the declared selectors and the
generic board reader find on it, side by side, with the generic reader's confidence.

This is what a maintainer runs (``fez probe SOURCE``) before declaring or fixing a board's
selectors; the fetch goes through the normal ``Fetcher``, so it is polite and archived.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from bs4 import BeautifulSoup

from sources.crawl import start_requests
from sources.fetch.client import Fetcher
from sources.parsers import Page, ParseError, get_parser
from sources.parsers.board import board_options, read_rows
from sources.parsers.board_generic import GenericBoard, find_board
from sources.registry import RequestSpec, SourceSpec

COLUMN_WIDTH = 58


@dataclass
class ProbeReport:
    source: str
    method: str
    url: str
    status: int | None = None
    size: int = 0
    error: str | None = None
    declared: list[dict[str, Any]] | None = None
    declared_note: str = ""
    warnings: list[str] = field(default_factory=list)
    generic: GenericBoard = field(default_factory=GenericBoard)


def _first_request(spec: SourceSpec, api_key: str | None) -> RequestSpec:
    request = next(start_requests(spec, api_key), None)
    if request is None:
        raise ValueError(f"source {spec.name} declares no request to probe")
    paging = spec.paging
    if paging is None:
        return request
    meta = {**request.meta, "page": paging.start}
    if paging.in_body:
        data = {**(request.data or {}), paging.param: str(paging.start)}
        return request.model_copy(update={"data": data, "meta": meta})
    params = {**request.params, paging.param: str(paging.start)}
    return request.model_copy(update={"params": params, "meta": meta})


def _declared(page: Page, report: ProbeReport) -> None:
    spec = page.spec
    if spec.parser != "board":
        try:
            parsed = get_parser(spec.parser)(page)
        except ParseError as exc:
            report.declared_note = f"parser {spec.parser} failed: {exc}"
            return
        report.declared, report.warnings = parsed.records, parsed.warnings
        report.declared_note = f"parser {spec.parser}: {len(parsed.records)} records"
        return
    opts = board_options(spec)
    if opts.mode == "generic":
        report.declared_note = "no selectors declared (mode: generic)"
        return
    rows, report.warnings = read_rows(page, opts)
    report.declared = rows
    report.declared_note = f"declared selectors ('{opts.rows}'): {len(rows)} posts"


def probe(spec: SourceSpec, fetcher: Fetcher, api_key: str | None = None) -> ProbeReport:
    """Fetch the source's first list page and read it both ways."""
    request = _first_request(spec, api_key)
    result = fetcher.fetch(spec, request)
    report = ProbeReport(spec.name, request.method, result.url, result.status, len(result.body))
    if not result.ok:
        report.error = result.error
        return report
    page = Page(spec, request, result.url, result.status or 0, result.headers, result.body,
                result.fetch_id)  # fmt: skip
    _declared(page, report)
    opts = board_options(spec) if spec.parser == "board" else None
    report.generic = find_board(
        BeautifulSoup(page.text, "lxml"),
        page.url,
        id_pattern=opts.id_regex if opts else None,
        detail_url=opts.url if opts else None,
        date_formats=opts.date_formats if opts else None,
    )
    return report


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _fit(text: str, width: int) -> str:
    out = ""
    for char in text:
        if _width(out + char) > width:
            return out[:-1] + "…" + " " * (width - _width(out[:-1]) - 1)
        out += char
    return out + " " * (width - _width(out))


def _line(row: dict[str, Any] | None) -> str:
    if row is None:
        return ""
    posted = row.get("posted_date")
    when = posted.isoformat() if posted else "(no date)"
    return f"{row.get('post_id', '')} {when} {row.get('title', '')}"


def format_probe(report: ProbeReport, limit: int = 15) -> str:
    """The report as text: a header, then declared and generic rows in two columns."""
    answer = f"{report.status} ({report.size} bytes)"
    head = f"probe {report.source}: {report.method} {report.url} -> {answer}"
    if report.error:
        return f"{head}\nerror: {report.error}"
    generic = report.generic
    right = f"generic reader: {len(generic.rows)} posts, confidence {generic.confidence:.2f}"
    lines = [head, f"{_fit(report.declared_note, COLUMN_WIDTH)} | {right}"]
    lines.append(f"{_fit('', COLUMN_WIDTH)} | {generic.where} {generic.reason}".rstrip())
    declared = report.declared or []
    for i in range(min(limit, max(len(declared), len(generic.rows)))):
        left = _line(declared[i] if i < len(declared) else None)
        right = _line(generic.rows[i] if i < len(generic.rows) else None)
        lines.append(f"{_fit(left, COLUMN_WIDTH)} | {right}")
    lines.extend(f"warning: {w}" for w in report.warnings)
    return "\n".join(lines)
