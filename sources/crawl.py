"""Crawl one source: fetch its requests, parse each page, follow what the parser returns.

Numbered list pages are requested one after another and paging stops at the first page that
yields no records, or after the declared ``max_pages``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sources.fetch.client import Fetcher, FetchResult
from sources.parsers import Page, ParseError, get_parser
from sources.registry import RequestSpec, SourceSpec

MAX_REQUESTS_PER_RUN = 1000


@dataclass
class Collected:
    """Everything one source produced in a run: records, the fetches behind them, errors."""

    source: str
    records: list[dict[str, Any]] = field(default_factory=list)
    fetches: list[FetchResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _fill(value: str, api_key: str | None) -> str:
    return value.replace("{api_key}", api_key or "") if "{api_key}" in value else value


def start_requests(spec: SourceSpec, api_key: str | None) -> Iterator[RequestSpec]:
    for request in spec.requests:
        yield request.model_copy(
            update={
                "url": _fill(request.url, api_key),
                "params": {k: _fill(v, api_key) for k, v in request.params.items()},
                "data": {k: _fill(v, api_key) for k, v in request.data.items()}
                if request.data
                else None,
            }
        )


def _page_request(spec: SourceSpec, request: RequestSpec, number: int) -> RequestSpec:
    paging = spec.paging
    assert paging is not None
    meta = {**request.meta, "page": number}
    if paging.in_body:
        return request.model_copy(
            update={"data": {**(request.data or {}), paging.param: str(number)}, "meta": meta}
        )
    return request.model_copy(
        update={"params": {**request.params, paging.param: str(number)}, "meta": meta}
    )


def collect(spec: SourceSpec, fetcher: Fetcher, api_key: str | None = None) -> Collected:
    parse = get_parser(spec.parser)
    out = Collected(spec.name)
    queue: list[RequestSpec] = []
    for request in start_requests(spec, api_key):
        queue.append(_page_request(spec, request, spec.paging.start) if spec.paging else request)
    while queue and len(out.fetches) < MAX_REQUESTS_PER_RUN:
        request = queue.pop(0)
        result = fetcher.fetch(spec, request)
        out.fetches.append(result)
        if not result.ok:
            out.errors.append(f"{result.url}: {result.error}")
            continue
        page = Page(
            spec=spec,
            request=request,
            url=result.url,
            status=result.status or 0,
            headers=result.headers,
            body=result.body,
            fetch_id=result.fetch_id,
        )
        try:
            parsed = parse(page)
        except ParseError as exc:
            out.errors.append(f"{result.url}: {exc}")
            continue
        for record in parsed.records:
            record["fetch_id"] = result.fetch_id
        out.records.extend(parsed.records)
        out.warnings.extend(parsed.warnings)
        queue.extend(parsed.follow)
        number = request.meta.get("page")
        more_pages = spec.paging and number is not None and parsed.records
        if more_pages and number - spec.paging.start + 1 < spec.paging.max_pages:
            queue.append(_page_request(spec, request, number + 1))
    return out
