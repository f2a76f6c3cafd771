"""Crawl in several processes when one core is not enough.

A thread per source is plenty for real sites: they answer in tenths of a second and ask for
a second between requests. A fast crawl of many hosts is CPU-bound instead: parsing and
archiving hold Python's GIL, and with a dozen threads contending for it each page costs
about twice the CPU it costs alone. ``CrawlPool`` splits the sources into host groups
(sources that share a host stay together, so that host's gate still sees every request to
it) and crawls each group in a worker process with its own fetcher: its own session, robots
cache and archive files (one per source and run, so no two processes write the same file).
The global concurrency limit is shared out between the groups.

Workers come from a fork server that has already imported the crawler and every parser, so
a worker starts in milliseconds rather than after a second of imports; ``warm`` starts them
ahead of the crawl. State updates come back uncommitted: the caller commits them once the
records are stored.
"""

from __future__ import annotations

import importlib
import multiprocessing
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import nullcontext

import sources.parsers
from sources.crawl import Collected, collect_many
from sources.fetch.client import Fetcher
from sources.registry import SourceSpec

FetcherOpener = Callable[[], Fetcher]
"""Opens a fetcher in the worker; must pickle (a module-level function or a partial of one)."""

for _module in pkgutil.iter_modules(sources.parsers.__path__):
    importlib.import_module(f"sources.parsers.{_module.name}")


def host_groups(specs: Sequence[SourceSpec], count: int) -> list[list[SourceSpec]]:
    """At most ``count`` groups of sources, no host in two groups, as even in size as the
    hosts allow (largest clusters first, each into the smallest group so far)."""
    parent: dict[str, str] = {}

    def root(host: str) -> str:
        while parent.setdefault(host, host) != host:
            host = parent[host]
        return host

    for spec in specs:
        hosts = spec.hosts or [f"source:{spec.name}"]
        for host in hosts[1:]:
            parent[root(host)] = root(hosts[0])
    clusters: dict[str, list[SourceSpec]] = {}
    for spec in specs:
        clusters.setdefault(root((spec.hosts or [f"source:{spec.name}"])[0]), []).append(spec)
    groups: list[list[SourceSpec]] = [[] for _ in range(max(1, min(count, len(clusters))))]
    for cluster in sorted(clusters.values(), key=len, reverse=True):
        min(groups, key=len).extend(cluster)
    return [group for group in groups if group]


def _ready() -> bool:
    return True


def crawl_group(
    opener: FetcherOpener,
    specs: Sequence[SourceSpec],
    api_keys: Mapping[str, str | None],
    full: bool,
    concurrency: int,
) -> dict[str, Collected]:
    """In a worker: crawl one host group with a fetcher of its own, state left uncommitted."""
    fetcher = opener()
    fetcher.limit_concurrency(concurrency)
    try:
        return collect_many(specs, fetcher, api_keys, full=full, commit=False)
    finally:
        fetcher.close()


class CrawlPool:
    """Worker processes that crawl host groups; use as a context manager."""

    def __init__(self, processes: int):
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        self.processes = processes
        self._executor = ProcessPoolExecutor(processes, mp_context=context)

    def __enter__(self) -> CrawlPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self._executor.shutdown(cancel_futures=True)

    def warm(self) -> None:
        """Start every worker now, so the crawl does not wait for them."""
        for future in [self._executor.submit(_ready) for _ in range(self.processes)]:
            future.result()

    def submit(
        self,
        opener: FetcherOpener,
        specs: Sequence[SourceSpec],
        api_keys: Mapping[str, str | None],
        *,
        full: bool,
        concurrency: int,
    ) -> Future[dict[str, Collected]]:
        """Start crawling one host group in a worker; ``result`` gives what it collected."""
        return self._executor.submit(
            crawl_group, opener, list(specs), dict(api_keys), full, concurrency
        )

    def collect(
        self,
        opener: FetcherOpener,
        specs: Sequence[SourceSpec],
        api_keys: Mapping[str, str | None],
        *,
        full: bool,
        concurrency: int,
    ) -> dict[str, Collected]:
        """Crawl one host group in a worker and wait for it."""
        return gather(
            specs, self.submit(opener, specs, api_keys, full=full, concurrency=concurrency)
        )


def gather(
    specs: Sequence[SourceSpec], future: Future[dict[str, Collected]]
) -> dict[str, Collected]:
    """A group's results; a worker that died is reported in each of its sources' errors."""
    try:
        return future.result()
    except Exception as exc:
        reason = f"crawl worker failed: {type(exc).__name__}: {exc}"
        return {spec.name: Collected(spec.name, errors=[reason]) for spec in specs}


def collect_in_processes(
    specs: Sequence[SourceSpec],
    opener: FetcherOpener,
    processes: int,
    max_concurrency: int,
    api_keys: Mapping[str, str | None] | None = None,
    *,
    full: bool = False,
    pool: CrawlPool | None = None,
) -> dict[str, Collected]:
    """``collect_many`` over ``processes`` worker processes (a started ``pool`` or a new one)."""
    groups = host_groups(specs, processes)
    share = max(1, max_concurrency // len(groups)) if groups else 1
    with nullcontext(pool) if pool else CrawlPool(len(groups) or 1) as workers:
        futures = [
            (group, workers.submit(opener, group, api_keys or {}, full=full, concurrency=share))
            for group in groups
        ]
        return {name: c for group, future in futures for name, c in gather(group, future).items()}
