"""The whole pipeline as one Prefect flow.

fetch (polite, archived as WARC) → parse → validate rows (pandera; failures quarantined) →
merge into the warehouse's ``raw`` schema → ``dbt build`` → quality gate (Great Expectations)
→ publish a release and switch ``latest`` to it.

Raw tables only ever gain versions (a post seen again moves its ``last_seen``); marts are
rebuilt by dbt; each publish adds a release. The deployment in ``prefect.yaml`` runs it daily
at 06:00 Asia/Seoul, before office hours, when the institutions' boards have settled.
Each source is one task (never one per page or row), run concurrently; with
``FEZ_FETCH_PROCESSES`` above 1, each host group is one task, crawled in a worker process.

Where no Prefect API can be reached (no ``PREFECT_API_URL`` and no loopback interface for the
temporary server, as under ``unshare -n``), ``run_without_prefect`` runs the same steps in
the same order with a thread pool, without Prefect's run history.
"""

from __future__ import annotations

import functools
import json
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.blocks.system import Secret
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.exceptions import MissingContextError

from expectations.rows import validate_records
from flows.runtime import new_run_id
from flows.settings import Settings
from flows.transform import PIPELINE_BUILD, DbtFailedError, run_dbt
from flows.warehouse import connect, load_source, record_source_run
from sources.crawl import Collected, collect, collect_curated
from sources.crawl_pool import CrawlPool, FetcherOpener, host_groups
from sources.fetch.client import Fetcher, open_fetcher
from sources.fetch.redact import Redactor, declared_secret_params
from sources.fetch.replay import open_replay
from sources.keys import missing_key_message
from sources.registry import SourceSpec, load_sources, select_sources
from sources.reparse import reparse_archive

STEPS = ("fetch", "transform", "check", "publish")
SAMPLES = "samples"
REPLAY_PLACEHOLDER_KEY = "replay-placeholder-key"


@dataclass
class SourceReport:
    source: str
    status: str
    fetched: int = 0
    records: int = 0
    new_records: int = 0
    quarantined: int = 0
    message: str = ""


@dataclass
class RunSummary:
    run_id: str
    replay: str | None
    sources: list[SourceReport] = field(default_factory=list)
    dbt_nodes: int = 0
    quality: list[dict[str, Any]] = field(default_factory=list)
    freshness: list[tuple[str, str, str]] = field(default_factory=list)
    quarantined: dict[str, int] = field(default_factory=dict)
    release: str | None = None
    release_tables: dict[str, int] = field(default_factory=dict)
    blocked: list[str] = field(default_factory=list)
    release_new: bool = False


@dataclass
class SourceResult:
    spec: SourceSpec
    collected: Collected
    started_at: datetime
    skipped: str | None = None


def _logger() -> logging.Logger | logging.LoggerAdapter:
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("fez")


def _redactor(settings: Settings, keys: list[str], specs: list[SourceSpec]) -> Redactor:
    values = [*settings.secret_values(), *keys, REPLAY_PLACEHOLDER_KEY]
    return Redactor([*settings.secret_params, *declared_secret_params(specs)], values)


def secret_block_name(setting: str) -> str:
    """The Prefect Secret block that may hold a key: ``kosis_api_key`` → ``fez-kosis-api-key``."""
    return "fez-" + setting.replace("_", "-")


def _key_from_secret_block(setting: str) -> str | None:
    """A key stored in a Prefect Secret block, when this runs inside a Prefect flow run."""
    if FlowRunContext.get() is None:
        return None
    try:
        return Secret.load(secret_block_name(setting)).get() or None
    except ValueError:
        return None


def _api_key(
    spec: SourceSpec, settings: Settings, replaying: bool
) -> tuple[str | None, str | None]:
    """The key a source needs, or the reason it is skipped (no key in a live run).

    Keys come from the environment (settings) first, then from a Prefect Secret block. A
    replay needs no key: a placeholder stands in, and the redactor writes it as REDACTED,
    which is how the bundled samples record keys."""
    if not spec.api_key:
        return None, None
    missing = missing_key_message(spec, settings)
    if missing is None:
        return getattr(settings, spec.api_key).get_secret_value(), None
    if replaying:
        return REPLAY_PLACEHOLDER_KEY, None
    from_block = _key_from_secret_block(spec.api_key)
    if from_block:
        return from_block, None
    return None, f"{missing} or a Prefect Secret block {secret_block_name(spec.api_key)}"


@task(name="collect-source", cache_policy=NO_CACHE, task_run_name="collect-{spec.name}")
def collect_source(
    spec: SourceSpec, fetcher: Fetcher, key: tuple[str | None, str | None], full: bool
) -> SourceResult:
    """Crawl one source; ``key`` is its API key or the reason it is skipped. Keys are task
    inputs, never flow parameters: Prefect stores flow parameters in plain text."""
    started = datetime.now(UTC)
    api_key, skipped = key
    if skipped:
        _logger().warning("%s", skipped)
        return SourceResult(spec, Collected(spec.name), started, skipped)
    collected = collect(spec, fetcher, api_key, full=full, commit=False)
    for error in collected.errors:
        _logger().warning("%s: %s", spec.name, error)
    return SourceResult(spec, collected, started)


@task(name="collect-sources", cache_policy=NO_CACHE, task_run_name="collect-{label}")
def collect_group(
    label: str,
    specs: list[SourceSpec],
    pool: CrawlPool,
    opener: FetcherOpener,
    api_keys: dict[str, str | None],
    full: bool,
    concurrency: int,
) -> list[SourceResult]:
    """Crawl one host group in a worker process (``FEZ_FETCH_PROCESSES`` > 1)."""
    started = datetime.now(UTC)
    collected = pool.collect(opener, specs, api_keys, full=full, concurrency=concurrency)
    for name, result in collected.items():
        for error in result.errors:
            _logger().warning("%s: %s", name, error)
    return [SourceResult(s, collected.get(s.name, Collected(s.name)), started) for s in specs]


def _status(result: SourceResult) -> tuple[str, str]:
    collected = result.collected
    layout = [w for w in collected.warnings if w.startswith("layout_changed")]
    if result.skipped:
        return "skipped", result.skipped
    if layout:
        return "layout_changed", layout[0]
    if collected.errors and not collected.records:
        return "failing", collected.errors[0]
    if collected.errors:
        return "partial", collected.errors[0]
    if collected.no_data and not collected.records:
        return "no_data", f"the source has no data for {len(collected.no_data)} request(s)"
    return "ok", ""


def _pages_fetched(collected: Collected) -> int:
    """The source's own requests: robots.txt is fetched once per host for whichever source
    asks first, so counting it would move a shared host's count between identical runs."""
    return sum(1 for f in collected.fetches if f.request.kind != "robots")


@task(name="load-raw", cache_policy=NO_CACHE)
def load_results(
    results: list[SourceResult], settings: Settings, run_id: str
) -> list[SourceReport]:
    """Validate each source's records and merge them into the ``raw`` schema."""
    reports = []
    con = connect(settings.warehouse)
    try:
        for result in results:
            spec, collected = result.spec, result.collected
            validated = validate_records(spec.record_type, collected.records)
            loaded_at = datetime.now(UTC)
            new = load_source(
                con,
                run_id=run_id,
                record_type=spec.record_type,
                good=validated.good,
                quarantined=validated.quarantined,
                fetch_rows=[f.log_row(run_id) for f in collected.fetches],
                loaded_at=loaded_at,
                removals=collected.removed,
            )
            status, message = _status(result)
            report = SourceReport(
                source=spec.name,
                status=status,
                fetched=_pages_fetched(collected),
                records=len(validated.good),
                new_records=new,
                quarantined=len(validated.quarantined),
                message=message,
            )
            record_source_run(
                con,
                {
                    "run_id": run_id,
                    "started_at": result.started_at,
                    "finished_at": loaded_at,
                    **asdict(report),
                },
            )
            reports.append(report)
    finally:
        con.close()
    return reports


@task(name="dbt-build", cache_policy=NO_CACHE)
def transform(
    settings: Settings, run_id: str, as_of: date | None = None
) -> tuple[int, list[tuple[str, str, str]]]:
    """``dbt build``, then source freshness; returns the nodes built and each raw table's
    freshness (source, status, newest load). ``as_of``: the day statuses are computed for."""
    from flows.dbt_extras import source_freshness

    logger = _logger()
    os.environ["FEZ_RUN_ID"] = run_id
    try:
        as_of_vars = ["--vars", json.dumps({"as_of": as_of.isoformat()})] if as_of else []
        outcome = run_dbt([*PIPELINE_BUILD, *as_of_vars], settings.warehouse, settings.data_dir)
    except DbtFailedError as exc:
        for failure in exc.failures:
            logger.error("dbt: %s", failure)
        raise
    for warning in outcome.warnings:
        logger.warning("dbt: %s", warning)
    freshness = [
        (
            f.source,
            f.status,
            f.max_loaded_at.isoformat(timespec="minutes") if f.max_loaded_at else "-",
        )
        for f in source_freshness(settings.warehouse, settings.data_dir)
    ]
    for source, status, _ in freshness:
        if status in {"warn", "error"}:
            logger.warning("freshness: %s is %s", source, "stale" if status == "error" else "late")
    return outcome.nodes, freshness


@task(name="quarantine-counts", cache_policy=NO_CACHE)
def count_quarantined(settings: Settings, run_id: str) -> dict[str, int]:
    from flows.dbt_extras import quarantine_counts

    con = connect(settings.warehouse)
    try:
        return quarantine_counts(con, run_id)
    finally:
        con.close()


@task(name="quality-gate", cache_policy=NO_CACHE)
def check(settings: Settings, run_id: str | None = None) -> list[dict[str, Any]]:
    """Judge the datasets the run ``run_id`` changed (default: the last run that loaded)."""
    from expectations.quality import run_quality_gate

    con = connect(settings.warehouse)
    try:
        gate = run_quality_gate(con, settings.data_dir, settings.published_dir, run_id)
    finally:
        con.close()
    logger = _logger()
    logger.info(
        "quality gate: run %s changed %s", gate.run_id, ", ".join(gate.changed) or "nothing"
    )
    for suite in gate.suites:
        for failure in suite.failed:
            log = logger.error if suite.critical else logger.warning
            log("quality gate: suite %s: %s failed", suite.suite, failure)
    return [asdict(s) for s in gate.suites]


@task(name="publish", cache_policy=NO_CACHE)
def publish_release(
    settings: Settings, run_id: str, samples: bool, summary: RunSummary
) -> tuple[str, dict[str, int], bool]:
    """Cut a release when the content changed; returns the release that is latest, its row
    counts, and whether it is new."""
    from flows.publish import publish_run

    health = [asdict(s) for s in summary.sources]
    release = publish_run(
        settings, run_id, samples=samples, quality=summary.quality, source_health=health
    )
    return release.release_id, release.tables, release.new


Submit = Callable[..., Any]


@dataclass(frozen=True)
class RunOptions:
    """What a run does: its steps, its sources and where HTTP answers come from."""

    steps: tuple[str, ...] = STEPS
    sources: tuple[str, ...] = ()
    replay: str | None = None
    sources_overlay: str | None = None
    full: bool = False
    as_of: date | None = None


def _collect_all(
    submit: Submit, options: RunOptions, settings: Settings, run_id: str
) -> tuple[list[SourceResult], Fetcher | None]:
    specs = load_sources(Path(options.sources_overlay) if options.sources_overlay else None)
    if "reparse" in options.steps:
        chosen = select_sources(specs, list(options.sources), samples=True)
        now = datetime.now(UTC)
        archived = [s.name for s in chosen if s.kind != "curated_csv"]
        collected = reparse_archive(settings.raw_dir, specs, archived)
        for spec in chosen:
            if spec.kind == "curated_csv":
                collected[spec.name] = collect_curated(spec)
        return [
            SourceResult(s, collected.get(s.name, Collected(s.name)), now) for s in chosen
        ], None
    replaying = options.replay is not None
    chosen = select_sources(specs, list(options.sources), samples=options.replay == SAMPLES)
    keys = {spec.name: _api_key(spec, settings, replaying) for spec in chosen}
    redactor = _redactor(settings, [key for key, _ in keys.values() if key], chosen)
    replay = None
    if replaying:
        replay = open_replay(None if options.replay == SAMPLES else Path(options.replay), redactor)
    fetcher = open_fetcher(settings, run_id, replay=replay, redactor=redactor)
    try:
        if settings.fetch_processes > 1:
            opener = functools.partial(open_fetcher, settings, run_id, replay, redactor)
            return _collect_in_processes(submit, chosen, keys, opener, settings, options), fetcher
        futures = [
            submit(collect_source, spec, fetcher, keys[spec.name], options.full) for spec in chosen
        ]
        return [f.result() for f in futures], fetcher
    finally:
        fetcher.close()


def _collect_in_processes(
    submit: Submit,
    chosen: list[SourceSpec],
    keys: dict[str, tuple[str | None, str | None]],
    opener: FetcherOpener,
    settings: Settings,
    options: RunOptions,
) -> list[SourceResult]:
    """Host groups in worker processes; the sources skipped for a missing key stay here."""
    started = datetime.now(UTC)
    skipped = [s for s in chosen if keys[s.name][1]]
    for spec in skipped:
        _logger().warning("%s", keys[spec.name][1])
    groups = host_groups([s for s in chosen if not keys[s.name][1]], settings.fetch_processes)
    share = max(1, settings.max_concurrency // max(1, len(groups)))
    api_keys = {name: key for name, (key, _) in keys.items()}
    with CrawlPool(max(1, len(groups))) as pool:
        futures = [
            submit(
                collect_group,
                f"{g[0].name}+{len(g) - 1}",
                g,
                pool,
                opener,
                api_keys,
                options.full,
                share,
            )
            for g in groups
        ]
        results = [r for f in futures for r in f.result()]
    results += [SourceResult(s, Collected(s.name), started, keys[s.name][1]) for s in skipped]
    order = {s.name: i for i, s in enumerate(chosen)}
    return sorted(results, key=lambda r: order[r.spec.name])


def run_steps(submit: Submit, call: Submit, options: RunOptions) -> RunSummary:
    """The pipeline's steps; ``submit`` starts a task concurrently, ``call`` runs one inline."""
    settings = Settings()
    run_id = new_run_id()
    summary = RunSummary(run_id=run_id, replay=options.replay)
    if "publish" in options.steps:
        from flows.publish import prepare_publish

        prepare_publish(settings.published_dir, settings.min_free_mb * 2**20)
    if "fetch" in options.steps or "reparse" in options.steps:
        results, fetcher = _collect_all(submit, options, settings, run_id)
        summary.sources = call(load_results, results, settings, run_id)
        if fetcher is not None and fetcher.state is not None:
            fetcher.state.commit(u for r in results for u in r.collected.state_updates)
    if "transform" in options.steps:
        as_of = options.as_of or settings.as_of
        summary.dbt_nodes, summary.freshness = call(transform, settings, run_id, as_of)
    if summary.sources or "transform" in options.steps:
        summary.quarantined = call(count_quarantined, settings, run_id)
    if "check" in options.steps:
        summary.quality = call(check, settings, run_id if summary.sources else None)
        summary.blocked = [
            q["suite"] for q in summary.quality if q["critical"] and not q["success"]
        ]
    if "publish" in options.steps and not summary.blocked:
        samples = options.replay == SAMPLES
        published = call(publish_release, settings, run_id, samples, summary)
        summary.release, summary.release_tables, summary.release_new = published
    return summary


@flow(name="fez-pipeline")
def pipeline(
    steps: tuple[str, ...] = STEPS,
    sources: tuple[str, ...] = (),
    replay: str | None = None,
    sources_overlay: str | None = None,
    full: bool = False,
    as_of: date | None = None,
) -> RunSummary:
    """Run the pipeline's steps (fetch or reparse, transform, check, publish).

    ``replay`` is 'samples' (the bundled samples) or a path to WARC files or a recorded
    bundle; ``full`` re-crawls boards past the pages seen in earlier runs; ``as_of`` computes
    announcement statuses for that day (00:00 KST) instead of the run's start.
    """
    options = RunOptions(steps, tuple(sources), replay, sources_overlay, full, as_of)
    return run_steps(lambda t, *a: t.submit(*a), lambda t, *a: t(*a), options)


def run_without_prefect(options: RunOptions) -> RunSummary:
    """The same steps without Prefect's engine, for machines where no API can be reached."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        return run_steps(lambda t, *a: pool.submit(t.fn, *a), lambda t, *a: t.fn(*a), options)


if __name__ == "__main__":
    pipeline(replay=SAMPLES)
