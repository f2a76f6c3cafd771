"""Crawl sources: fetch their requests, parse each page, follow what the parser returns.

The crawler owns paging and what counts as seen. A list page reports its posts (their ids,
pinned or not, and the record or detail request that completes each); the crawler follows
the detail pages of posts it has not stored before (each post once a run) and decides the
next page. Paging stops at a page with no new, non-pinned post (pinned 「공지」 rows repeat on
every page, past the last one too), at an empty page, at a page unchanged since the last run
(304 or same body), at a page that failed, or after the declared ``max_pages``.

What counts as seen is staged in ``Collected.state_updates`` and committed only once the
records are stored: a post is seen once its record (or its removal) was stored, and a list
page's validators are kept only once every post on it was stored. A post whose detail page
failed stays owed (``board_pending``): the next run re-reads the board, unconditionally,
until it meets the post again. A removal (a detail page that answers 404/410 or says the
post was deleted) is a tombstone in ``Collected.removed``. A post of a detail board that
vanished from a list page read again (missing, while a post listed after it last time is
still there: new posts push posts down, a removal pulls them up) has its detail page
requested again to check for removal. ``full=True`` ignores what earlier
runs saw. ``collect_many`` crawls several sources at once, one thread each; the fetcher's
per-host gates keep every host's pace whatever the number of threads.

API answers that carry an error (``sources/parsers/api_errors.py``) steer the crawl: a key
problem stops the source, a short rate limit waits and retries once, a daily quota or a long
wait defers the rest of the source to the next run, and "no data" is recorded as such.
Curated sources (``kind: curated_csv``) are read from their file in ``sources/``.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sources.fetch.client import Fetcher, FetchResult
from sources.fetch.identity import spec_key
from sources.fetch.state import ListedPage, PendingPosts, SeenPosts, StateUpdate, Validators
from sources.parsers import ListedPost, Page, ParseError, ParseResult, get_parser
from sources.parsers.api_errors import ApiConfigError, QuotaError
from sources.spec import RequestSpec, SourceSpec

MAX_REQUESTS_PER_RUN = 1000
API_KINDS = {"json_api", "xml_api"}
MAX_QUOTA_WAIT = 60.0
GONE_STATUSES = frozenset({404, 410})

log = logging.getLogger(__name__)


@dataclass
class Collected:
    """Everything one source produced in a run: records, the fetches behind them, errors.

    ``removed`` holds tombstones (``source``, ``post_id``, ``fetch_id``, ``reason``) of posts
    whose detail page says they are gone. ``state_updates`` (validators, post ids stored and
    owed) are committed by ``collect`` unless it was told not to, so a caller can commit them
    only once the records are stored.
    """

    source: str
    records: list[dict[str, Any]] = field(default_factory=list)
    fetches: list[FetchResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    state_updates: list[StateUpdate] = field(default_factory=list)
    no_data: list[str] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)


def all_unchanged(collected: Collected) -> bool:
    """Whether every answer of the source's own requests was the one parsed last run (same
    sha256 or a 304), so nothing was parsed, validated or loaded again."""
    own = [f for f in collected.fetches if f.request.kind != "robots" and f.outcome != "redirect"]
    return bool(own) and all(f.not_modified for f in own)


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


def _next_page(spec: SourceSpec, request: RequestSpec) -> RequestSpec | None:
    """The list page after ``request``, or None after the declared ``max_pages``."""
    paging, number = spec.paging, request.meta.get("page")
    if paging is None or number is None or number - paging.start + 1 >= paging.max_pages:
        return None
    return _page_request(spec, request, number + 1)


class SelectorTally:
    """How many pages of a run each declared selector matched on; one that matched nothing
    on most of them means the source's markup has moved."""

    def __init__(self) -> None:
        self.pages: Counter[str] = Counter()
        self.misses: Counter[str] = Counter()

    def add(self, selectors: Mapping[str, bool]) -> None:
        for selector, matched in selectors.items():
            self.pages[selector] += 1
            self.misses[selector] += not matched

    def warnings(self, source: str) -> list[str]:
        return [
            f"layout_changed: {source}: {selector} matched nothing on {self.misses[selector]} "
            f"of {pages} pages"
            for selector, pages in self.pages.items()
            if self.misses[selector] * 2 > pages
        ]


def tombstone(spec: SourceSpec, post_id: str, fetch_id: str, reason: str) -> dict[str, Any]:
    """The record of a post the source removed."""
    return {"source": spec.name, "post_id": post_id, "fetch_id": fetch_id, "reason": reason}


@dataclass
class _ListPage:
    """A list page of this run: its validators are kept once all its posts are stored."""

    validators: Validators | None
    waiting: set[str] = field(default_factory=set)
    failed: bool = False


class _Board:
    """One board of a source (a declared request without its page number) in this run."""

    def __init__(self, spec: SourceSpec, fetcher: Fetcher, request: RequestSpec, full: bool):
        self.spec, self.key = spec, spec_key(request, fetcher.redactor)
        state = fetcher.state
        remembered = state if state is not None and not full else None
        self.earlier = remembered.seen_posts(spec.name, self.key) if remembered else set()
        self.owed = remembered.pending_posts(spec.name, self.key) if remembered else set()
        self.listing = state.listing(spec.name, self.key) if state else {}
        self.met: set[str] = set()
        self.handled: set[str] = set()
        self.stored: set[str] = set()
        self.requested: set[str] = set()
        self.read_to_end = False

    def updates(self) -> tuple[list[StateUpdate], list[str]]:
        """What to commit for this board, and a warning for owed posts given up on."""
        name, key = self.spec.name, self.key
        updates: list[StateUpdate] = []
        if self.stored:
            updates.append(SeenPosts(name, key, frozenset(self.stored)))
        failed = self.requested - self.stored
        if failed:
            updates.append(PendingPosts(name, key, frozenset(failed)))
        lost = self.owed - self.met if self.read_to_end else set()
        if not lost:
            return updates, []
        updates.append(PendingPosts(name, key, frozenset(lost), dropped=True))
        ids = ", ".join(sorted(lost))
        return updates, [f"{name}: owed post(s) {ids} no longer listed; not retried any more"]


@dataclass
class _Item:
    request: RequestSpec
    board: _Board | None = None
    page: _ListPage | None = None
    post_id: str | None = None


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
    if spec.kind == "curated_csv":
        return collect_curated(spec)
    crawl = _Crawl(spec, fetcher, full)
    crawl.run(api_key)
    out = crawl.out
    if commit and fetcher.state is not None:
        fetcher.state.commit(out.state_updates)
    return out


class _Crawl:
    def __init__(self, spec: SourceSpec, fetcher: Fetcher, full: bool):
        self.spec, self.fetcher, self.full = spec, fetcher, full
        self.parse = get_parser(spec.parser)
        self.out = Collected(spec.name)
        self.queue: deque[_Item] = deque()
        self.boards: list[_Board] = []
        self.tally = SelectorTally()

    def run(self, api_key: str | None) -> None:
        spec = self.spec
        for request in start_requests(spec, api_key):
            board = _Board(spec, self.fetcher, request, self.full)
            self.boards.append(board)
            first = _page_request(spec, request, spec.paging.start) if spec.paging else request
            self.queue.append(_Item(first, board))
        waited: set[str] = set()
        while self.queue and len(self.out.fetches) < MAX_REQUESTS_PER_RUN:
            if self.fetcher.closed:
                self.out.warnings.append(
                    f"{spec.name}: the run stopped with {len(self.queue)} requests not made"
                )
                break
            item = self.queue.popleft()
            try:
                self._step(item, waited)
            except _StopSource:
                break
        for board in self.boards:
            updates, warnings = board.updates()
            self.out.state_updates.extend(updates)
            self.out.warnings.extend(warnings)
        self.out.warnings.extend(self.tally.warnings(spec.name))

    def _is_list(self, item: _Item) -> bool:
        return item.board is not None and item.post_id is None

    def _step(self, item: _Item, waited: set[str]) -> None:
        spec, out, request = self.spec, self.out, item.request
        listing = self._is_list(item)
        owed = listing and item.board is not None and bool(item.board.owed - item.board.met)
        result = self.fetcher.fetch(spec, request, conditional=not self.full and not owed)
        out.fetches.extend(result.exchanges())
        out.warnings.extend(f"{r.url}: {r.warning}" for r in result.exchanges() if r.warning)
        if result.not_modified:
            return
        if item.post_id is not None and result.status in GONE_STATUSES:
            self._removed(item, result.fetch_id, f"HTTP {result.status}")
            return
        if not result.ok and not (spec.kind in API_KINDS and result.status and result.body):
            self._failed(item, f"{result.url}: {result.error}")
            return
        try:
            parsed = self.parse(_page(spec, request, result))
        except ApiConfigError as exc:
            out.errors.append(f"{result.url}: {exc} (source stopped for this run)")
            raise _StopSource from exc
        except QuotaError as exc:
            short_wait = exc.retry_after is not None and exc.retry_after <= MAX_QUOTA_WAIT
            if short_wait and request.model_dump_json() not in waited:
                waited.add(request.model_dump_json())
                if self.fetcher.live:
                    time.sleep(exc.retry_after)
                self.queue.appendleft(item)
                return
            out.errors.append(f"{result.url}: {exc} (rest of the source deferred to the next run)")
            raise _StopSource from exc
        except ParseError as exc:
            self._failed(item, f"{result.url}: {exc}")
            return
        if not result.ok:
            self._failed(item, f"{result.url}: {result.error}")
            return
        if parsed.outcome == "no_data":
            out.no_data.append(result.url)
        out.warnings.extend(parsed.warnings)
        self.tally.add(parsed.selectors)
        posts = parsed.posts
        if posts is None and listing and spec.paging:
            posts = [_listed(r) for r in parsed.records if r.get("post_id") is not None]
        if listing and posts is not None:
            self._list_page(item, result, posts)
            if parsed.posts is None:
                self.queue.extend(_Item(follow) for follow in parsed.follow)
            return
        for post_id in parsed.removed:
            self._removed(_Item(request, item.board, item.page, post_id), result.fetch_id)
        for record in parsed.records:
            record["fetch_id"] = result.fetch_id
        out.records.extend(parsed.records)
        self.queue.extend(_Item(follow) for follow in parsed.follow)
        if result.validators:
            out.state_updates.append(result.validators)
        if item.post_id is not None and parsed.records:
            self._stored(item)

    def _list_page(self, item: _Item, result: FetchResult, posts: list[ListedPost]) -> None:
        board = item.board
        assert board is not None
        page = _ListPage(result.validators)
        new = False
        for post in posts:
            post_id = post.post_id
            fresh = post_id not in board.earlier
            if post_id in board.owed:
                board.met.add(post_id)
            if post_id in board.handled:
                continue
            new = new or (fresh and not post.pinned)
            board.handled.add(post_id)
            if post.record is not None:
                post.record["fetch_id"] = result.fetch_id
                self.out.records.append(post.record)
                board.stored.add(post_id)
            elif post.detail is None:
                board.stored.add(post_id)
            elif fresh:
                page.waiting.add(post_id)
                board.requested.add(post_id)
                self.queue.append(_Item(post.detail, board, page, post_id))
        self._maybe_done(page)
        self._recheck_vanished(item, result, posts)
        following = _next_page(self.spec, item.request)
        if posts and (new or board.owed - board.met):
            if following is not None:
                self.queue.append(_Item(following, board))
            else:
                board.read_to_end = True
        elif not posts:
            board.read_to_end = True

    def _recheck_vanished(self, item: _Item, result: FetchResult, posts: list[ListedPost]) -> None:
        """Request again the detail page of each post gone from between its neighbours."""
        board, number = item.board, item.request.meta.get("page", 0)
        assert board is not None
        listed = tuple(
            (p.post_id, p.detail.model_dump_json()) for p in posts if p.detail and not p.pinned
        )
        if self.fetcher.state is not None and listed:
            self.out.state_updates.append(ListedPage(self.spec.name, board.key, number, listed))
        now = {p.post_id for p in posts}
        before = board.listing.get(number, [])
        for index, (post_id, detail) in enumerate(before):
            later_kept = any(other in now for other, _ in before[index + 1 :])
            if post_id in now or post_id in board.handled or not later_kept:
                continue
            board.handled.add(post_id)
            request = RequestSpec.model_validate_json(detail)
            request = request.model_copy(update={"meta": {**request.meta, "recheck": True}})
            self.queue.append(_Item(request, board, None, post_id))

    def _maybe_done(self, page: _ListPage | None) -> None:
        if page is not None and not page.waiting and not page.failed and page.validators:
            self.out.state_updates.append(page.validators)

    def _stored(self, item: _Item) -> None:
        assert item.board is not None and item.post_id is not None
        item.board.stored.add(item.post_id)
        if item.page is not None and item.post_id in item.page.waiting:
            item.page.waiting.discard(item.post_id)
            self._maybe_done(item.page)

    def _removed(self, item: _Item, fetch_id: str, reason: str = "deleted post page") -> None:
        assert item.post_id is not None
        self.out.removed.append(tombstone(self.spec, item.post_id, fetch_id, reason))
        if item.board is not None:
            self._stored(item)

    def _failed(self, item: _Item, error: str) -> None:
        self.out.errors.append(error)
        if item.page is not None:
            item.page.failed = True


class _StopSource(Exception):
    """The rest of the source waits for the next run."""


def _listed(record: dict[str, Any]) -> ListedPost:
    return ListedPost(str(record["post_id"]), record=record)


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
