"""Crawl sources: fetch their requests, parse each page, follow what the parser returns.

Numbered list pages are requested one after another. Paging stops at the first page that
yields no records, at a page that is unchanged since the last run (304 or same body), at a
page whose posts were all seen in earlier runs (the board's high-water mark), or after the
declared ``max_pages``. ``full=True`` ignores what earlier runs saw. ``collect_many`` crawls
several sources at once, one thread each; the fetcher's per-host gates keep every host's
pace whatever the number of threads.

API answers that carry an error (``sources/parsers/api_errors.py``) steer the crawl: a key
problem stops the source, a short rate limit waits and retries once, a daily quota or a long
wait defers the rest of the source to the next run, and "no data" is recorded as such.
Curated sources (``kind: curated_csv``) are read from their file in ``sources/``.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sources.fetch.client import Fetcher, FetchResult
from sources.fetch.replay import replay_key
from sources.fetch.state import SeenPosts, StateUpdate
from sources.parsers import Page, ParseError, ParseResult, get_parser
from sources.parsers.api_errors import ApiConfigError, QuotaError
from sources.registry import RequestSpec, SourceSpec

MAX_REQUESTS_PER_RUN = 1000
API_KINDS = {"json_api", "xml_api"}
MAX_QUOTA_WAIT = 60.0

log = logging.getLogger(__name__)


@dataclass
class Collected:
    """Everything one source produced in a run: records, the fetches behind them, errors.

    ``state_updates`` (validators and post ids seen) are committed by ``collect`` unless it
    was told not to, so a caller can commit them only once the records are stored.
    """

    source: str
    records: list[dict[str, Any]] = field(default_factory=list)
    fetches: list[FetchResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    state_updates: list[StateUpdate] = field(default_factory=list)
    no_data: list[str] = field(default_factory=list)


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


def _board_key(fetcher: Fetcher, request: RequestSpec) -> str:
    """A board's identity across runs: its first request without the page, secrets redacted."""
    url = request.url
    if request.params:
        url += ("&" if "?" in url else "?") + "&".join(
            f"{k}={v}" for k, v in request.params.items()
        )
    body = "&".join(f"{k}={v}" for k, v in (request.data or {}).items())
    return replay_key(request.method, url, body, fetcher.redactor)


class _Boards:
    """Post ids per board: seen in earlier runs, and seen in this one."""

    def __init__(self, spec: SourceSpec, fetcher: Fetcher, full: bool):
        self.spec, self.fetcher, self.full = spec, fetcher, full
        self.earlier: dict[str, set[str]] = {}
        self.now: dict[str, set[str]] = {}

    def open(self, board: str) -> None:
        state = self.fetcher.state
        known = state.seen_posts(self.spec.name, board) if state and not self.full else set()
        self.earlier[board], self.now[board] = known, set()

    def only_seen(self, board: str, records: list[dict[str, Any]]) -> bool:
        """Record the page's post ids; true when every one was seen in an earlier run."""
        ids = {str(r["post_id"]) for r in records if r.get("post_id") is not None}
        self.now[board] |= ids
        return bool(ids) and ids <= self.earlier[board]

    def updates(self) -> list[SeenPosts]:
        return [
            SeenPosts(self.spec.name, board, frozenset(ids))
            for board, ids in self.now.items()
            if ids
        ]


def collect(
    spec: SourceSpec,
    fetcher: Fetcher,
    api_key: str | None = None,
    *,
    full: bool = False,
    commit: bool = True,
) -> Collected:
    """Crawl one source. ``full`` re-crawls everything; ``commit=False`` leaves the state
    updates in ``Collected.state_updates`` for the caller to commit."""
    parse = get_parser(spec.parser)
    out = Collected(spec.name)
    if spec.kind == "curated_csv":
        return collect_curated(spec)
    boards = _Boards(spec, fetcher, full)
    queue: deque[tuple[RequestSpec, str | None]] = deque()
    for request in start_requests(spec, api_key):
        if spec.paging:
            board = _board_key(fetcher, request)
            boards.open(board)
            queue.append((_page_request(spec, request, spec.paging.start), board))
        else:
            queue.append((request, None))
    waited: set[str] = set()
    while queue and len(out.fetches) < MAX_REQUESTS_PER_RUN:
        request, board = queue.popleft()
        result = fetcher.fetch(spec, request, conditional=not full)
        out.fetches.extend(result.exchanges())
        out.warnings.extend(f"{r.url}: {r.warning}" for r in result.exchanges() if r.warning)
        if result.not_modified:
            continue
        if not result.ok and not (spec.kind in API_KINDS and result.status and result.body):
            out.errors.append(f"{result.url}: {result.error}")
            continue
        try:
            parsed = parse(_page(spec, request, result))
        except ApiConfigError as exc:
            out.errors.append(f"{result.url}: {exc} (source stopped for this run)")
            break
        except QuotaError as exc:
            short_wait = exc.retry_after is not None and exc.retry_after <= MAX_QUOTA_WAIT
            if short_wait and request.model_dump_json() not in waited:
                waited.add(request.model_dump_json())
                time.sleep(exc.retry_after)
                queue.appendleft((request, board))
                continue
            out.errors.append(f"{result.url}: {exc} (rest of the source deferred to the next run)")
            break
        except ParseError as exc:
            out.errors.append(f"{result.url}: {exc}")
            continue
        if not result.ok:
            out.errors.append(f"{result.url}: {result.error}")
            continue
        if parsed.outcome == "no_data":
            out.no_data.append(result.url)
        for record in parsed.records:
            record["fetch_id"] = result.fetch_id
        out.records.extend(parsed.records)
        out.warnings.extend(parsed.warnings)
        queue.extend((follow, None) for follow in parsed.follow)
        if result.validators:
            out.state_updates.append(result.validators)
        if board is not None and parsed.records and not boards.only_seen(board, parsed.records):
            number = request.meta["page"]
            if number - spec.paging.start + 1 < spec.paging.max_pages:
                queue.append((_page_request(spec, request, number + 1), board))
    out.state_updates.extend(boards.updates())
    if commit and fetcher.state is not None:
        fetcher.state.commit(out.state_updates)
    return out


def collect_curated(spec: SourceSpec) -> Collected:
    """A curated table: the file in ``sources/`` is the page; nothing goes over the network."""
    from sources.parsers.curated_csv import local_page

    parse, out = get_parser(spec.parser), Collected(spec.name)
    page = local_page(spec)
    try:
        parsed: ParseResult = parse(page)
    except ParseError as exc:
        out.errors.append(f"{page.url}: {exc}")
        return out
    for record in parsed.records:
        record.setdefault("fetch_id", page.fetch_id)
    out.records.extend(parsed.records)
    out.warnings.extend(parsed.warnings)
    return out


def _page(spec: SourceSpec, request: RequestSpec, result: FetchResult) -> Page:
    return Page(
        spec=spec,
        request=request,
        url=result.url,
        status=result.status or 0,
        headers=result.headers,
        body=result.body,
        fetch_id=result.fetch_id,
    )


def collect_many(
    specs: Iterable[SourceSpec],
    fetcher: Fetcher,
    api_keys: Mapping[str, str | None] | None = None,
    *,
    full: bool = False,
    commit: bool = True,
    max_workers: int | None = None,
) -> dict[str, Collected]:
    """Crawl several sources at once (one thread each); a source that raises is reported in
    its ``Collected.errors`` and the others still finish."""
    specs = list(specs)
    api_keys = api_keys or {}
    workers = max_workers or max(1, min(len(specs), 32))

    def run(spec: SourceSpec) -> Collected:
        try:
            return collect(spec, fetcher, api_keys.get(spec.name), full=full, commit=commit)
        except Exception as exc:
            log.exception("crawling %s failed", spec.name)
            return Collected(
                spec.name,
                errors=[f"{spec.name}: {type(exc).__name__}: {fetcher.redactor.text(str(exc))}"],
            )

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="crawl") as pool:
        return {c.source: c for c in pool.map(run, specs)}
