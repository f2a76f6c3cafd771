"""Benchmark: crawl twelve loopback hosts politely, then re-parse the archive.

Twelve hosts (127.0.0.2 … 127.0.0.13, all this machine) each serve a robots.txt and a board
of SAMPLE list pages (ten invented calls a page, with a next-page link), from a separate
process so the server does not compete with the crawler for the GIL. Each host is one
source; one request in flight per host; robots.txt obeyed. The crawl runs as a pipeline run
with FEZ_TASK_RUNNER=processes and FEZ_FETCH_PROCESSES=2 does: one Prefect task per host
group on Prefect's ProcessPoolTaskRunner (or prefect-dask's DaskTaskRunner on a local
cluster), inside a flow run on Prefect's temporary server; the runner's workers are started
before the clock (their start-up time is reported). With ``--processes 1`` the parsers are
imported before the clock, as ``load_sources`` has done before a run crawls. The politeness
bound is pages × min_interval: robots.txt goes first, and each page must wait one interval
after the request before it. On the process or Dask runner the same tasks then run empty
(the crawl task's parameters, no crawl): that round trip, against the bound, is what Prefect
alone costs the crawl.

    uv run python bench/bench_fetch.py                 # both scenarios
    uv run python bench/bench_fetch.py --quick         # a short smoke run
    uv run python bench/bench_fetch.py --runner dask   # host groups on a local Dask cluster
    uv run python bench/bench_fetch.py --processes 1   # threads only, in this process

Targets: (a) 25 pages at 0.2 s: wall ≤ 1.05 × the bound; (b) 100 pages at 0.05 s: wall ≤ 1.3 ×
the bound. Also reported: the highest per-host concurrency the servers saw (must be 1) and
the archive re-parse throughput in pages per second on one core (best of three passes).
"""

from __future__ import annotations

import argparse
import functools
import multiprocessing
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flows.runtime import configure_environment  # noqa: E402

configure_environment(Path(tempfile.mkdtemp(prefix="bench_fetch_prefect_")))

from prefect import flow, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner  # noqa: E402

from bench.figures import Figure, save  # noqa: E402
from flows.pipeline import RunOptions, _collect_in_groups  # noqa: E402
from flows.settings import Settings  # noqa: E402
from flows.task_runners import workers_report_here  # noqa: E402
from sources.crawl import collect_many  # noqa: E402
from sources.fetch.archive import WarcArchive  # noqa: E402
from sources.fetch.client import Fetcher, FetchPolicy, build_session  # noqa: E402
from sources.fetch.redact import Redactor  # noqa: E402
from sources.host_groups import host_groups  # noqa: E402
from sources.registry import SourceSpec  # noqa: E402
from sources.reparse import reparse_archive  # noqa: E402
from tests.fetch_helpers import GTP_LIKE_LIST, board_page  # noqa: E402
from tests.httpserver import LocalServer, Reply  # noqa: E402

HOSTS = 12
ROWS_PER_PAGE = 10
ROBOTS = b"User-agent: *\nDisallow: /admin/\nAllow: /\n"


@dataclass(frozen=True)
class Scenario:
    name: str
    pages: int
    interval: float
    target: float

    @property
    def bound(self) -> float:
        return self.pages * self.interval


def _serve(pages: int, pipe) -> None:
    """The server process: twelve hosts; answers 'stop' with what each host saw."""
    rendered = {
        number: Reply(
            200,
            board_page(
                range(number * 100, number * 100 + ROWS_PER_PAGE),
                next_page=number + 1 if number < pages else None,
            ).encode(),
            {"Content-Type": "text/html; charset=utf-8"},
        )
        for number in range(1, pages + 1)
    }

    def board(seen):
        return rendered.get(int(seen.query.split("page=")[1]), Reply(404))

    servers = []
    for host in range(2, 2 + HOSTS):
        server = LocalServer(f"127.0.0.{host}")
        server.route("/robots.txt", Reply(200, ROBOTS, {"Content-Type": "text/plain"}))
        server.route("/board", board)
        servers.append(server.start())
    pipe.send([s.netloc for s in servers])
    pipe.recv()
    pipe.send([(s.peak_in_flight, len(s.requests)) for s in servers])
    for server in servers:
        server.stop()


def _spec(netloc: str, number: int, scenario: Scenario) -> SourceSpec:
    return SourceSpec(
        name=f"bench_{number:02d}",
        title="Benchmark board",
        description="A SAMPLE board on loopback for the fetch benchmark.",
        institution="gtp",
        licence="sample",
        kind="html_board",
        parser="board",
        record_type="announcement",
        hosts=[netloc],
        politeness={"min_interval": scenario.interval},
        paging={"param": "page", "max_pages": scenario.pages},
        requests=[{"url": f"http://{netloc}/board"}],
        options={**GTP_LIKE_LIST, "url": f"http://{netloc}/view?id={{id}}"},
        lacks=["posted_date"],
    )


def _policy(scenario: Scenario) -> FetchPolicy:
    return FetchPolicy(
        user_agent="asv-fez-pipeline-bench/0.1 (+https://github.com/asv-fez/asv-fez-pipeline)",
        min_interval=scenario.interval,
        max_in_flight_per_host=1,
        max_concurrency=HOSTS,
    )


def _open_fetcher(scenario: Scenario, data_dir: Path, part: str = "") -> Fetcher:
    """Runs in each crawl worker (and, with ``part``, in the flow): the fetcher a pipeline
    run would open, on loopback."""
    policy = _policy(scenario)
    archive = WarcArchive(data_dir / "raw", scenario.name, part)
    return Fetcher(build_session(policy), archive, policy, Redactor(["serviceKey", "apiKey"]))


def _import_parsers() -> None:
    """Import every parser, as ``load_sources`` has before a pipeline run crawls (it checks
    each source's options against its parser); the bench builds its sources directly."""
    import importlib
    import pkgutil

    import sources.parsers

    for module in pkgutil.iter_modules(sources.parsers.__path__):
        importlib.import_module(f"sources.parsers.{module.name}")


@task(name="warm-worker")
def _warm() -> None:
    """Imports what a crawl task needs (the crawler, every parser), as a worker that has
    crawled before has; long enough that each warm-up lands on a worker of its own."""
    import flows.pipeline

    _import_parsers()
    assert flows.pipeline.collect_group
    time.sleep(1.0)


def _runner(kind: str, processes: int) -> TaskRunner:
    if kind == "dask":
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(
            cluster_kwargs={
                "n_workers": processes,
                "threads_per_worker": 1,
                "dashboard_address": None,
            }
        )
    return ProcessPoolTaskRunner(max_workers=processes)


@task(name="empty-host-group", cache_policy=NO_CACHE)
def _empty_group(
    label: str, specs: list, opener, api_keys: dict, full: bool, concurrency: int
) -> None:
    """``collect_group``'s signature and parameters with no crawl: what Prefect alone costs."""


def _round_trip(runner: TaskRunner, specs, opener, processes: int) -> float:
    """Seconds from submitting one empty task per host group to having all their results:
    Prefect's own cost of the crawl's tasks, which the politeness bound leaves no room for."""
    started = time.perf_counter()
    futures = [
        runner.submit(
            _empty_group,
            parameters={
                "label": "empty",
                "specs": group,
                "opener": opener,
                "api_keys": {s.name: None for s in group},
                "full": False,
                "concurrency": 1,
            },
        )
        for group in host_groups(specs, processes)
    ]
    for future in futures:
        future.result()
    return time.perf_counter() - started


@flow(name="bench-fetch")
def crawl_on_runner(specs, opener, kind: str, processes: int) -> tuple[dict, float, float, float]:
    """The pipeline's own collect step on a started runner, then the same tasks empty:
    (collected, warm-up s, wall s, empty round trip s)."""
    settings = Settings(
        _env_file=None, task_runner=kind, fetch_processes=processes, max_concurrency=HOSTS
    )
    keys = {s.name: (None, None) for s in specs}
    flow_fetcher = opener(part="flow")
    with workers_report_here(), _runner(kind, processes) as runner:
        started = time.perf_counter()
        for future in [runner.submit(_warm, parameters={}) for _ in range(processes)]:
            future.result()
        warm = time.perf_counter() - started
        started = time.perf_counter()
        results = _collect_in_groups(
            runner, specs, keys, opener, flow_fetcher, settings, RunOptions(steps=("fetch",))
        )
        wall = time.perf_counter() - started
        empty = _round_trip(runner, specs, opener, processes)
    flow_fetcher.close()
    return {r.spec.name: r.collected for r in results}, warm, wall, empty


def run(scenario: Scenario, data_dir: Path, processes: int, kind: str) -> dict:
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    server = context.Process(target=_serve, args=(scenario.pages, theirs), daemon=True)
    server.start()
    netlocs = ours.recv()
    specs = [_spec(netloc, number, scenario) for number, netloc in enumerate(netlocs)]
    opener = functools.partial(_open_fetcher, scenario, data_dir)
    if processes > 1:
        collected, warm, wall, empty = crawl_on_runner(specs, opener, kind, processes)
    else:
        _import_parsers()
        kind, warm, empty, started = "threads", 0.0, None, time.perf_counter()
        collected = collect_many(specs, opener(), commit=False)
        wall = time.perf_counter() - started
    ours.send("stop")
    seen = ours.recv()
    server.join(timeout=5)
    pages = sum(1 for c in collected.values() for f in c.fetches if f.request.kind == "list")
    records = sum(len(c.records) for c in collected.values())
    errors = [e for c in collected.values() for e in c.errors]
    return {
        "scenario": scenario,
        "wall": wall,
        "warm": warm,
        "empty": empty,
        "processes": processes,
        "runner": kind,
        "pages": pages,
        "records": records,
        "errors": errors,
        "peak": max(p for p, _ in seen),
        "requests": sum(n for _, n in seen),
        "reparse_rate": _reparse_rate(data_dir / "raw", specs, pages, records),
    }


def _reparse_rate(raw: Path, specs: list[SourceSpec], pages: int, records: int) -> float:
    """Pages re-parsed per second of CPU, the best of three passes over the archive (as
    ``timeit`` takes the best), with the parsers imported first: a steady rate, not the
    one-off import that the first pass on the process runner's flow side would include."""
    _import_parsers()
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        reparsed = reparse_archive(raw, {s.name: s for s in specs})
        best = min(best, time.process_time() - started)
        assert sum(len(c.records) for c in reparsed.values()) == records
    return pages / best if best else float("inf")


def report(result: dict) -> str:
    scenario: Scenario = result["scenario"]
    ratio = result["wall"] / scenario.bound
    verdict = "ok" if ratio <= scenario.target and result["peak"] == 1 else "MISSED"
    return (
        f"{scenario.name}: {HOSTS} hosts x {scenario.pages} pages at {scenario.interval} s | "
        f"wall {result['wall']:.2f} s, bound {scenario.bound:.2f} s, ratio {ratio:.3f} "
        f"(target <= {scenario.target}) {verdict} | peak per-host concurrency {result['peak']} | "
        f"{result['requests']} requests, {result['pages']} pages, {result['records']} records, "
        f"{len(result['errors'])} errors | {result['runner']} runner, {result['processes']} "
        f"workers, started in {result['warm']:.2f} s before the clock{_empty_note(result)} | "
        f"re-parse {result['reparse_rate']:.0f} pages/s (1 core)"
    )


def _empty_note(result: dict) -> str:
    if result["empty"] is None:
        return ""
    return f", the same tasks empty take {result['empty']:.2f} s"


def figures(result: dict) -> list[Figure]:
    scenario: Scenario = result["scenario"]
    label = f"crawl {scenario.name} ({scenario.pages} pages x {scenario.interval} s)"
    found = [
        Figure(f"{label}: wall / politeness bound", result["wall"] / scenario.bound, "×",
               scenario.target),
        Figure(f"{label}: peak requests in flight per host", result["peak"], "", 1),
        Figure(f"{label}: errors", len(result["errors"]), "", 0),
        Figure(f"{label}: archive re-parse (1 core)", result["reparse_rate"], "pages/s", 500,
               at_most=False),
    ]  # fmt: skip
    if result["empty"] is not None:
        name = f"{label}: the same tasks empty on the {result['runner']} runner / bound"
        found.append(Figure(name, result["empty"] / scenario.bound, "×"))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small scenarios for a smoke run")
    parser.add_argument(
        "--processes", type=int, default=2, help="host groups / workers (FEZ_FETCH_PROCESSES)"
    )
    parser.add_argument(
        "--runner", choices=("processes", "dask"), default="processes", help="FEZ_TASK_RUNNER"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here (python -m bench)")
    args = parser.parse_args()
    scenarios = [Scenario("a", 25, 0.2, 1.05), Scenario("b", 100, 0.05, 1.3)]
    if args.quick:
        scenarios = [Scenario("quick", 5, 0.05, 1.3)]
    found: list[Figure] = []
    for scenario in scenarios:
        with tempfile.TemporaryDirectory(prefix="bench_fetch_") as tmp:
            result = run(scenario, Path(tmp), args.processes, args.runner)
            print(report(result), flush=True)
            found.extend(figures(result))
    if args.json:
        save(found, args.json)


if __name__ == "__main__":
    main()
