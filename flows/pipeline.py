"""The whole pipeline as one Prefect flow.

fetch (polite, archived as WARC) → parse → validate rows (pandera; failures quarantined) →
merge into the warehouse's ``raw`` schema → ``dbt build`` → quality gate (Great Expectations)
→ publish a release and switch ``latest`` to it.

Raw tables only ever gain versions (a post seen again moves its ``last_seen``); marts are
rebuilt by dbt; each publish adds a release. The flow owns its run: it enters
``flows/run_context.py`` itself (quiet environment, data dir, the writer lock taken before
anything is fetched, the warehouse, SIGTERM/SIGINT), so a scheduled deployment is guarded
exactly like ``fez run``. A run that finds another writer waits ``FEZ_WRITER_WAIT`` seconds,
then ends ``Cancelled`` (skipped); the next run catches up.

The deployments in ``prefect.yaml`` (all Asia/Seoul) run it with a ``scope``: ``announcements``
every hour (boards and feeds, the announcement branch of the dbt project), ``statistics``
daily at 06:00 (statistics sources, the whole dbt project), and a weekly full refresh.
Each source is one task (never one per page or row), run concurrently on threads; with
``FEZ_TASK_RUNNER`` ``processes`` or ``dask``, each host group is one task on that runner.

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
from prefect.states import Cancelled, Failed, State
from prefect.task_runners import TaskRunner

from expectations.rows import Validated, validate_batches
from flows import notify
from flows.build_marks import (
    BuildMark,
    as_of_moment,
    built_with_this_project,
    mark_build,
    project_hash,
    unchanged_since_build,
)
from flows.health import FAILED_STATUSES, SourceHealth, source_health
from flows.locking import RunLockedError
from flows.run_context import run_context
from flows.run_report import count_changed, create_artifacts
from flows.runtime import DataDirError, new_run_id
from flows.settings import Settings
from flows.task_runners import group_task_runner, workers_report_here
from flows.transform import PIPELINE_BUILD, SCOPE_DBT_SELECT, DbtFailedError, run_dbt
from flows.warehouse import WarehouseLockedError, connect, load_source
from sources.crawl import Collected, all_unchanged, collect, collect_curated
from sources.fetch.client import Fetcher, open_fetcher
from sources.fetch.redact import Redactor, declared_secret_params
from sources.fetch.replay import open_replay
from sources.host_groups import (
    FetcherOpener,
    Packed,
    crawl_group,
    failed_group,
    fetch_robots_first,
    host_groups,
    open_primed,
    unpack,
)
from sources.keys import missing_key_message
from sources.registry import SourceSpec, load_sources, select_sources
from sources.reparse import reparse_archive

STEPS = ("fetch", "transform", "check", "publish")
SCOPES = ("all", "announcements", "statistics")
SCOPE_RECORD_TYPES = {"announcements": "announcement", "statistics": "observation"}
SOURCE_RUN_COLUMNS = ("source", "status", "fetched", "records", "new_records", "quarantined")
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
    changed: int = 0
    errors: int = 0
    duration_s: float = 0.0


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
    health: list[SourceHealth] = field(default_factory=list)
    nothing_new: bool = False

    @property
    def unhealthy(self) -> list[str]:
        return [h.source for h in self.health if h.health == "unhealthy"]


@dataclass
class SourceResult:
    spec: SourceSpec
    collected: Collected
    started_at: datetime
    skipped: str | None = None
    finished_at: datetime | None = None


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
    return SourceResult(spec, collected, started, finished_at=datetime.now(UTC))


@task(name="collect-sources", cache_policy=NO_CACHE, task_run_name="collect-{label}")
def collect_group(
    label: str,
    specs: list[SourceSpec],
    opener: FetcherOpener,
    api_keys: dict[str, str | None],
    full: bool,
    concurrency: int,
) -> Packed[list[SourceResult]]:
    """Crawl one host group with a fetcher of its own, on the process or Dask runner."""
    started = datetime.now(UTC)
    collected = crawl_group(opener, specs, api_keys, full, concurrency)
    for name, result in collected.items():
        for error in result.errors:
            _logger().warning("%s: %s", name, error)
    finished = datetime.now(UTC)
    return Packed(
        [
            SourceResult(s, collected.get(s.name, Collected(s.name)), started, finished_at=finished)
            for s in specs
        ]
    )


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
    if collected.fetches and not collected.records and all_unchanged(collected):
        return "ok", "unchanged: every answer is the one parsed last run (not parsed again)"
    return "ok", ""


def _pages_fetched(collected: Collected) -> int:
    """The source's own requests: robots.txt is fetched once per host for whichever source
    asks first, so counting it would move a shared host's count between identical runs."""
    return sum(1 for f in collected.fetches if f.request.kind != "robots")


def _validated(results: list[SourceResult]) -> list[Validated]:
    """Each source's records validated, one pandera pass per record type."""
    by_type: dict[str, list[int]] = {}
    for position, result in enumerate(results):
        by_type.setdefault(result.spec.record_type, []).append(position)
    checked: dict[int, Validated] = {}
    for record_type, positions in by_type.items():
        batches = [results[p].collected.records for p in positions]
        checked.update(zip(positions, validate_batches(record_type, batches), strict=True))
    return [checked[p] for p in range(len(results))]


@task(name="load-raw", cache_policy=NO_CACHE)
def load_results(
    results: list[SourceResult], settings: Settings, run_id: str
) -> list[SourceReport]:
    """Validate each source's records and merge them into the ``raw`` schema."""
    reports = []
    checked = _validated(results)
    con = connect(settings.warehouse)
    try:
        for result, validated in zip(results, checked, strict=True):
            spec, collected = result.spec, result.collected
            loaded_at = datetime.now(UTC)
            status, message = _status(result)
            finished = result.finished_at or loaded_at
            report = SourceReport(
                source=spec.name,
                status=status,
                fetched=_pages_fetched(collected),
                records=len(validated.good),
                quarantined=len(validated.quarantined),
                message=message,
                errors=len(collected.errors),
                duration_s=(finished - result.started_at).total_seconds(),
            )
            row = {k: v for k, v in asdict(report).items() if k in SOURCE_RUN_COLUMNS}
            row["message"] = message
            new = load_source(
                con,
                run_id=run_id,
                record_type=spec.record_type,
                good=validated.good,
                quarantined=validated.quarantined,
                fetch_rows=[f.log_row(run_id) for f in collected.fetches],
                loaded_at=loaded_at,
                removals=collected.removed,
                source_run={
                    "run_id": run_id,
                    "started_at": result.started_at,
                    "finished_at": loaded_at,
                    **row,
                },
            )
            report.new_records = new
            if new:
                report.changed = count_changed(con, spec.record_type, spec.name, loaded_at)
            reports.append(report)
    finally:
        con.close()
    return reports


@task(name="dbt-build", cache_policy=NO_CACHE)
def transform(
    settings: Settings, run_id: str, as_of: date | None = None, scope: str = "all"
) -> tuple[int, list[tuple[str, str, str]]]:
    """``dbt build`` (of the scope's branch of the project), then source freshness; returns
    the nodes built and each raw table's freshness (source, status, newest load).
    ``as_of``: the day statuses are computed for."""
    from flows.dbt_extras import source_freshness

    logger = _logger()
    os.environ["FEZ_RUN_ID"] = run_id
    command = list(PIPELINE_BUILD)
    if scope in SCOPE_DBT_SELECT and _branch_build_allowed(settings):
        command += SCOPE_DBT_SELECT[scope]
    elif scope in SCOPE_DBT_SELECT:
        logger.info(
            "first build of the warehouse or of a changed dbt project: building every model, "
            "not only %s",
            scope,
        )
    try:
        if as_of:
            command += ["--vars", json.dumps({"as_of": as_of.isoformat()})]
        outcome = run_dbt(command, settings.warehouse, settings.data_dir)
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


def _branch_build_allowed(settings: Settings) -> bool:
    """Whether a scoped build may leave the rest of the project alone: every published mart
    was built once, and the last good build was of this dbt project."""
    from flows.preflight import existing_relations
    from flows.release.datasets import DATASETS

    con = connect(settings.warehouse)
    try:
        marts = {d.relation for d in DATASETS} <= existing_relations(con)
        return marts and built_with_this_project(con)
    finally:
        con.close()


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
# Failures with a one-line cause: the flow ends Failed with that line, no traceback.
KNOWN_FAILURES = (DataDirError, DbtFailedError)


@dataclass(frozen=True)
class RunOptions:
    """What a run does: its steps, its sources and where HTTP answers come from.

    ``scope`` narrows a run to the announcement or the statistics sources and their branch
    of the dbt project (the scheduled deployments); ``all`` is everything."""

    steps: tuple[str, ...] = STEPS
    sources: tuple[str, ...] = ()
    replay: str | None = None
    sources_overlay: str | None = None
    full: bool = False
    as_of: date | None = None
    scope: str = "all"

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise ValueError(f"unknown scope {self.scope!r}: one of {', '.join(SCOPES)}")

    def in_scope(self, specs: list[SourceSpec]) -> list[SourceSpec]:
        record_type = SCOPE_RECORD_TYPES.get(self.scope)
        return [s for s in specs if record_type is None or s.record_type == record_type]


def _collect_all(
    submit: Submit, options: RunOptions, settings: Settings, run_id: str
) -> tuple[list[SourceResult], Fetcher | None]:
    specs = load_sources(Path(options.sources_overlay) if options.sources_overlay else None)
    if "reparse" in options.steps:
        chosen = options.in_scope(select_sources(specs, list(options.sources), samples=True))
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
    chosen = options.in_scope(chosen)
    keys = {spec.name: _api_key(spec, settings, replaying) for spec in chosen}
    redactor = _redactor(settings, [key for key, _ in keys.values() if key], chosen)
    replay = None
    if replaying:
        replay = open_replay(None if options.replay == SAMPLES else Path(options.replay), redactor)
    runner = group_task_runner(settings) if FlowRunContext.get() else None
    # Beside the workers, the flow writes only robots.txt exchanges, to files of its own.
    part = "flow" if runner is not None else ""
    fetcher = open_fetcher(settings, run_id, replay=replay, redactor=redactor, archive_part=part)
    try:
        if runner is not None:
            opener = functools.partial(open_fetcher, settings, run_id, replay, redactor)
            with workers_report_here(), runner:
                results = _collect_in_groups(
                    runner, chosen, keys, opener, fetcher, settings, options
                )
            return results, fetcher
        futures = [
            submit(collect_source, spec, fetcher, keys[spec.name], options.full) for spec in chosen
        ]
        return [f.result() for f in futures], fetcher
    finally:
        fetcher.close()


def _collect_in_groups(
    runner: TaskRunner,
    chosen: list[SourceSpec],
    keys: dict[str, tuple[str | None, str | None]],
    opener: FetcherOpener,
    flow_fetcher: Fetcher,
    settings: Settings,
    options: RunOptions,
) -> list[SourceResult]:
    """One task per host group on ``runner`` (started by the caller), each opening its fetcher
    with ``opener``; ``flow_fetcher`` asks the hosts for robots.txt first
    (``fetch_robots_first``). The sources skipped for a missing key stay here."""
    started = datetime.now(UTC)
    skipped = [s for s in chosen if keys[s.name][1]]
    for spec in skipped:
        _logger().warning("%s", keys[spec.name][1])
    crawled = [s for s in chosen if not keys[s.name][1]]
    groups = host_groups(crawled, settings.fetch_processes)
    share = max(1, settings.max_concurrency // max(1, len(groups)))
    api_keys = {name: key for name, (key, _) in keys.items()}
    handoff, robots = fetch_robots_first(flow_fetcher, crawled)
    primed = functools.partial(open_primed, opener, handoff)
    results: list[SourceResult] = []
    futures = [
        (
            group,
            runner.submit(
                collect_group,
                parameters={
                    "label": f"{group[0].name}+{len(group) - 1}",
                    "specs": group,
                    "opener": primed,
                    "api_keys": api_keys,
                    "full": options.full,
                    "concurrency": share,
                },
            ),
        )
        for group in groups
    ]
    for group, future in futures:
        try:
            results += unpack(future.result())
        except Exception as exc:
            for name, collected in failed_group(group, exc).items():
                _logger().warning("%s: %s", name, collected.errors[0])
                results.append(SourceResult(_spec_named(group, name), collected, started))
    for result in results:
        exchanges = robots.get(result.spec.name, [])
        result.collected.fetches[:0] = exchanges
        result.collected.warnings.extend(f"{x.url}: {x.warning}" for x in exchanges if x.warning)
    results += [SourceResult(s, Collected(s.name), started, keys[s.name][1]) for s in skipped]
    order = {s.name: i for i, s in enumerate(chosen)}
    return sorted(results, key=lambda r: order[r.spec.name])


def _spec_named(specs: list[SourceSpec], name: str) -> SourceSpec:
    return next(s for s in specs if s.name == name)


def run_steps(submit: Submit, call: Submit, options: RunOptions) -> RunSummary:
    """The pipeline's steps inside the run context; ``submit`` starts a task concurrently,
    ``call`` runs one inline. A run that fails (or whose release the gate blocks) is notified
    when notifications are configured."""
    settings = Settings()
    run_id = new_run_id()
    started = datetime.now(UTC)
    with run_context(settings):
        try:
            summary = _steps(submit, call, options, settings, run_id)
        except Exception as exc:
            notify.send(
                settings, *notify.failed_run_message(run_id, f"{type(exc).__name__}: {exc}")
            )
            raise
        _notify(settings, summary, started)
    return summary


def _steps(
    submit: Submit, call: Submit, options: RunOptions, settings: Settings, run_id: str
) -> RunSummary:
    summary = RunSummary(run_id=run_id, replay=options.replay)
    if "publish" in options.steps:
        from flows.publish import prepare_publish

        prepare_publish(settings.published_dir, settings.min_free_mb * 2**20)
    if "fetch" in options.steps or "reparse" in options.steps:
        results, fetcher = _collect_all(submit, options, settings, run_id)
        summary.sources = call(load_results, results, settings, run_id)
        if fetcher is not None and fetcher.state is not None:
            fetcher.state.commit(u for r in results for u in r.collected.state_updates)
    moment = as_of_moment(options.as_of or settings.as_of)
    gated_build = {"transform", "check"} <= set(options.steps)
    if gated_build and unchanged_since_build(settings.warehouse, options.scope, moment):
        summary.nothing_new = True
        _logger().info("nothing new: warehouse and release unchanged (dbt and the gate skipped)")
    loaded_before = datetime.now(UTC)
    mark = None
    if "transform" in options.steps and not summary.nothing_new:
        as_of = options.as_of or settings.as_of
        summary.dbt_nodes, summary.freshness = call(
            transform, settings, run_id, as_of, options.scope
        )
    if summary.sources or "transform" in options.steps:
        summary.quarantined = call(count_quarantined, settings, run_id)
    if "check" in options.steps and not summary.nothing_new:
        summary.quality = call(check, settings, run_id if summary.sources else None)
        summary.blocked = [
            q["suite"] for q in summary.quality if q["critical"] and not q["success"]
        ]
        if gated_build and not summary.blocked:
            mark = BuildMark(run_id, options.scope, moment, loaded_before, project_hash())
    con = connect(settings.warehouse)
    try:
        summary.health = list(source_health(con, settings.unhealthy_after).values())
    finally:
        con.close()
    for name in summary.unhealthy:
        _logger().warning(
            "%s is unhealthy: it failed %d runs in a row", name, _streak(summary, name)
        )
    if "publish" in options.steps and not summary.blocked:
        samples = options.replay == SAMPLES
        published = call(publish_release, settings, run_id, samples, summary)
        summary.release, summary.release_tables, summary.release_new = published
    if mark is not None:
        # Marked once its release is out: a run killed before then is built, judged and
        # published again by the next, which would otherwise skip dbt and the gate.
        mark_build(settings.warehouse, mark)
    return summary


def _streak(summary: RunSummary, name: str) -> int:
    return next(h.failures_in_a_row for h in summary.health if h.source == name)


def _notify(settings: Settings, summary: RunSummary, started: datetime) -> None:
    """Send what this run has to say: a blocked release, sources that just turned unhealthy,
    new open calls matching the keywords."""
    if not settings.notify_urls:
        return
    if summary.blocked:
        reason = f"the quality gate blocked the release ({', '.join(summary.blocked)})"
        notify.send(settings, *notify.failed_run_message(summary.run_id, reason))
    failed_now = {s.source: s.message for s in summary.sources if s.status in FAILED_STATUSES}
    turned = {
        h.source: failed_now[h.source]
        for h in summary.health
        if h.source in failed_now and h.failures_in_a_row == settings.unhealthy_after
    }
    if turned:
        notify.send(settings, *notify.unhealthy_message(summary.run_id, turned))
    if settings.notify_keywords and summary.dbt_nodes:
        con = connect(settings.warehouse)
        try:
            calls = notify.matching_open_calls(con, started, settings.notify_keywords)
        finally:
            con.close()
        if calls:
            notify.send(settings, *notify.open_calls_message(calls))


@flow(name="fez-pipeline")
def pipeline(
    steps: tuple[str, ...] = STEPS,
    sources: tuple[str, ...] = (),
    replay: str | None = None,
    sources_overlay: str | None = None,
    full: bool = False,
    as_of: date | None = None,
    scope: str = "all",
) -> RunSummary | State:
    """Run the pipeline's steps (fetch or reparse, transform, check, publish).

    ``replay`` is 'samples' (the bundled samples) or a path to WARC files or a recorded
    bundle; ``full`` re-crawls boards past the pages seen in earlier runs; ``as_of`` computes
    announcement statuses for that day (00:00 KST) instead of the run's start; ``scope`` is
    ``all``, ``announcements`` or ``statistics``. Ends ``Cancelled`` (skipped) when another
    run or process kept the warehouse past ``FEZ_WRITER_WAIT``, ``Failed`` with one line on
    a known problem, and ``Failed`` carrying the summary when the gate blocked the release.
    """
    options = RunOptions(
        tuple(steps), tuple(sources), replay, sources_overlay, full, as_of=as_of, scope=scope
    )
    logger = _logger()
    try:
        summary = run_steps(lambda t, *a: t.submit(*a), lambda t, *a: t(*a), options)
    except (RunLockedError, WarehouseLockedError) as exc:
        logger.warning("skipped: %s", exc)
        return Cancelled(message=f"skipped: {exc}")
    except KNOWN_FAILURES as exc:
        logger.error("%s", exc)
        return Failed(message=str(exc))
    create_artifacts(summary)
    if summary.blocked:
        blocked = f"the quality gate blocked the release: {', '.join(summary.blocked)}"
        return Failed(message=blocked, data=summary)
    return summary


def run_without_prefect(options: RunOptions) -> RunSummary:
    """The same steps without Prefect's engine, for machines where no API can be reached."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        return run_steps(lambda t, *a: pool.submit(t.fn, *a), lambda t, *a: t.fn(*a), options)


if __name__ == "__main__":
    pipeline(replay=SAMPLES)
