"""Host groups: the unit of a crawl spread over worker processes or machines.

A thread per source is plenty for real sites: they answer in tenths of a second and ask for
a second between requests. A fast crawl of many hosts is CPU-bound instead (parsing and
archiving hold Python's GIL), and a crawl of very many sources may outgrow one machine. Then
Prefect's process or Dask task runner runs one task per host group: sources that share a host
stay together, so that host's politeness gate still sees every request to it, and each group
crawls with a fetcher of its own (its own session, robots cache and archive files: one per
source and run, so no two workers write the same file). State updates come back
uncommitted: the flow commits them once the records are stored.

A worker takes a fraction of a second to start a task. The flow spends it asking each host
the crawl starts at for its robots.txt (the first request a host gets anyway), and hands the
rules and the time it was done with each host to the workers: a host's first page then
waits only what is left of its interval, and the flow's robots.txt exchanges go to WARC
files of their own (``<run_id>-flow.warc.gz``), credited to the first source that starts
at that host.
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import urlsplit

from sources.crawl import Collected, collect_many
from sources.fetch.client import Fetcher, FetchResult, url_origin
from sources.fetch.robots import RobotsRules
from sources.registry import SourceSpec

FetcherOpener = Callable[[], Fetcher]
"""Opens a fetcher in the worker; must pickle (a module-level function or a partial of one)."""

T = TypeVar("T")


class Packed(Generic[T]):
    """A worker's result that pickles itself with Python's C pickler, and unpickles as the
    value itself.

    Prefect's process and Dask runners send a task's result with cloudpickle, whose pickler
    calls back into Python for every dict, list and datetime: for a group's thousands of
    records about three times the C pickler's time, spent after the crawl."""

    def __init__(self, value: T):
        self.value = value

    def __reduce__(self):
        return pickle.loads, (pickle.dumps(self.value, protocol=pickle.HIGHEST_PROTOCOL),)


def unpack(result: Packed[T] | T) -> T:
    """The value of a worker's result, also of one that never left the process."""
    return result.value if isinstance(result, Packed) else result


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


def crawl_group(
    opener: FetcherOpener,
    specs: Sequence[SourceSpec],
    api_keys: Mapping[str, str | None],
    full: bool,
    concurrency: int,
) -> dict[str, Collected]:
    """In a worker: crawl one host group with a fetcher of its own, state left uncommitted.

    The fetches come back without their bodies (their size and sha256 kept): the flow needs
    only their ``fetch_log`` rows, the archive holds the bodies, and the result crosses a
    process (or machine) boundary, pickled whole."""
    fetcher = opener()
    fetcher.limit_concurrency(concurrency)
    try:
        collected = collect_many(specs, fetcher, api_keys, full=full, commit=False)
    finally:
        fetcher.close()
    for result in collected.values():
        for fetch in result.fetches:
            fetch.drop_body()
    return collected


@dataclass(frozen=True)
class RobotsHandoff:
    """What the flow learnt while the workers started: each origin's robots rules, and when
    the flow was done with each host it asked (wall clock, which every process shares;
    later than the request's start, so the worker's wait is never short of an interval
    however long the flow's request took to arrive)."""

    rules: dict[str, RobotsRules]
    done_at: dict[str, float]


def fetch_robots_first(
    fetcher: Fetcher, specs: Sequence[SourceSpec]
) -> tuple[RobotsHandoff, dict[str, list[FetchResult]]]:
    """In the flow: the robots.txt of every origin the ``specs`` start at, one thread each.
    Returns the handoff for the workers and, by source, the exchanges to credit it with."""
    firsts: dict[str, tuple[SourceSpec, str]] = {}
    for spec in specs:
        for request in spec.requests:
            if urlsplit(request.url).scheme in ("http", "https"):
                firsts.setdefault(url_origin(request.url), (spec, request.url))
    credited: dict[str, list[FetchResult]] = {}
    with ThreadPoolExecutor(max_workers=max(1, min(len(firsts), 32))) as pool:
        fetched = pool.map(
            lambda first: (first[0].name, fetcher.fetch_robots(*first)), firsts.values()
        )
        for name, exchanges in fetched:
            for exchange in exchanges:
                exchange.drop_body()  # as a worker's: the archive holds it
            credited.setdefault(name, []).extend(exchanges)
    done = time.time()
    handoff = RobotsHandoff(fetcher.robots.known(), dict.fromkeys(fetcher.scheduler.asked(), done))
    return handoff, credited


def open_primed(opener: FetcherOpener, handoff: RobotsHandoff) -> Fetcher:
    """In a worker: the group's fetcher, holding the flow's robots rules and hosts' pace."""
    fetcher = opener()
    fetcher.robots.seed(handoff.rules)
    fetcher.scheduler.carry_over(handoff.done_at)
    return fetcher


def failed_group(specs: Sequence[SourceSpec], exc: BaseException) -> dict[str, Collected]:
    """A group whose worker failed: the failure in each of its sources' errors."""
    reason = f"crawl worker failed: {type(exc).__name__}: {exc}"
    return {spec.name: Collected(spec.name, errors=[reason]) for spec in specs}
