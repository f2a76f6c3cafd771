"""The whole pipeline as one Prefect flow.

fetch (polite, archived as WARC) → parse → validate rows (pandera; failures quarantined) →
merge into the warehouse's ``raw`` schema → ``dbt build`` → quality gate (Great Expectations)
→ publish a release and switch ``latest`` to it.

Raw tables only ever gain versions (a post seen again moves its ``last_seen``); marts are
rebuilt by dbt; each publish adds a release. The deployment in ``prefect.yaml`` runs it daily
at 06:00 Asia/Seoul, before office hours, when the institutions' boards have settled.
Each source is one task (never one per page or row), run concurrently.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from expectations.rows import validate_records
from flows.settings import Settings
from flows.transform import run_dbt
from flows.warehouse import connect, load_source, record_source_run
from sources.crawl import Collected, collect
from sources.fetch.archive import WarcArchive
from sources.fetch.client import Fetcher, FetchPolicy, build_session
from sources.fetch.redact import Redactor
from sources.fetch.replay import ReplayStore
from sources.registry import SourceSpec, load_sources, select_sources

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
    release: str | None = None
    release_tables: dict[str, int] = field(default_factory=dict)
    blocked: list[str] = field(default_factory=list)


@dataclass
class SourceResult:
    spec: SourceSpec
    collected: Collected
    started_at: datetime
    skipped: str | None = None


def _redactor(settings: Settings) -> Redactor:
    return Redactor(settings.secret_params, [*settings.secret_values(), REPLAY_PLACEHOLDER_KEY])


def _replay_store(replay: str | None, redactor: Redactor) -> ReplayStore | None:
    if replay is None:
        return None
    if replay == SAMPLES:
        return ReplayStore.from_samples(redactor)
    return ReplayStore.from_warc([Path(replay)], redactor)


def _api_key(
    spec: SourceSpec, settings: Settings, replaying: bool
) -> tuple[str | None, str | None]:
    """The key a source needs, or the reason it is skipped (no key in live mode)."""
    if not spec.api_key:
        return None, None
    secret = getattr(settings, spec.api_key)
    if secret is not None:
        return secret.get_secret_value(), None
    if replaying:
        return REPLAY_PLACEHOLDER_KEY, None
    return None, f"skipped: no API key (set FEZ_{spec.api_key.upper()})"


@task(name="collect-source", cache_policy=NO_CACHE, task_run_name="collect-{spec.name}")
def collect_source(
    spec: SourceSpec, fetcher: Fetcher, settings: Settings, replaying: bool
) -> SourceResult:
    started = datetime.now(UTC)
    api_key, skipped = _api_key(spec, settings, replaying)
    if skipped:
        get_run_logger().warning("%s %s", spec.name, skipped)
        return SourceResult(spec, Collected(spec.name), started, skipped)
    collected = collect(spec, fetcher, api_key)
    for error in collected.errors:
        get_run_logger().warning("%s: %s", spec.name, error)
    return SourceResult(spec, collected, started)


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
    return "ok", ""


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
            )
            status, message = _status(result)
            report = SourceReport(
                source=spec.name,
                status=status,
                fetched=len(collected.fetches),
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
def transform(settings: Settings) -> int:
    logger = get_run_logger()
    run_dbt(["seed"], settings.warehouse, settings.data_dir)
    outcome = run_dbt(
        ["build", "--exclude", "resource_type:seed"], settings.warehouse, settings.data_dir
    )
    for warning in outcome.warnings:
        logger.warning("dbt: %s", warning)
    return outcome.nodes


@task(name="quality-gate", cache_policy=NO_CACHE)
def check(settings: Settings) -> list[dict[str, Any]]:
    from expectations.quality import run_quality_gate

    con = connect(settings.warehouse)
    try:
        gate = run_quality_gate(con, settings.data_dir)
    finally:
        con.close()
    logger = get_run_logger()
    for suite in gate.suites:
        for failure in suite.failed:
            log = logger.error if suite.critical else logger.warning
            log("quality gate: suite %s: %s failed", suite.suite, failure)
    return [asdict(s) for s in gate.suites]


@task(name="publish", cache_policy=NO_CACHE)
def publish_release(settings: Settings, run_id: str) -> tuple[str, dict[str, int]]:
    from flows.publish import publish

    con = connect(settings.warehouse)
    try:
        release = publish(con, settings.published_dir, run_id)
    finally:
        con.close()
    return release.release_id, release.tables


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


@flow(name="fez-pipeline")
def pipeline(
    sources: list[str] | None = None,
    replay: str | None = None,
    sources_overlay: str | None = None,
    steps: tuple[str, ...] = STEPS,
) -> RunSummary:
    """Run the given steps of the pipeline; ``replay`` is 'samples' or a WARC path."""
    settings = Settings()
    run_id = new_run_id()
    summary = RunSummary(run_id=run_id, replay=replay)
    if "fetch" in steps:
        specs = select_sources(
            load_sources(Path(sources_overlay) if sources_overlay else None), sources
        )
        redactor = _redactor(settings)
        policy = FetchPolicy(
            user_agent=settings.user_agent,
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            max_body_bytes=settings.max_body_bytes,
        )
        session = build_session(policy, _replay_store(replay, redactor))
        fetcher = Fetcher(session, WarcArchive(settings.raw_dir, run_id), policy, redactor)
        futures = [
            collect_source.submit(spec, fetcher, settings, replay is not None) for spec in specs
        ]
        summary.sources = load_results([f.result() for f in futures], settings, run_id)
    if "transform" in steps:
        summary.dbt_nodes = transform(settings)
    if "check" in steps:
        summary.quality = check(settings)
        summary.blocked = [
            q["suite"] for q in summary.quality if q["critical"] and not q["success"]
        ]
    if "publish" in steps and not summary.blocked:
        summary.release, summary.release_tables = publish_release(settings, run_id)
    return summary


if __name__ == "__main__":
    pipeline(replay=SAMPLES)
