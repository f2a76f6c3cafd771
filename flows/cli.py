"""``fez``: the pipeline's command line.

Prefect, dbt and Great Expectations are imported only inside the commands that need them,
after the environment that keeps them quiet and offline is in place.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from flows import exit_codes
from flows.runtime import check_data_dir, configure_environment, prefect_api_reachable
from flows.settings import InvalidSettingError, Settings
from flows.temporary_server import TemporaryServer, import_while_starting, launch_temporary_server

# Logs of scheduled runs are read later in wide viewers: do not squeeze the run table to 80
# columns when the output is not a terminal.
console = Console(
    soft_wrap=True,
    width=None if sys.stdout.isatty() or "COLUMNS" in os.environ else 140,
)
err_console = Console(stderr=True, soft_wrap=True)


class FezError(click.ClickException):
    """A one-line error for the user; never a traceback."""

    def __init__(self, message: str, exit_code: int = exit_codes.FAILED):
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file=None) -> None:
        err_console.print(f"[bold red]error:[/] {self.format_message()}", highlight=False)


def _usage_errors() -> tuple[type[Exception], ...]:
    """Bad input from the person at the keyboard: a setting, an overlay, a replay path."""
    from flows.preflight import ReplaySourceError
    from sources.registry import OverlayError, UnknownSourceError

    return InvalidSettingError, OverlayError, UnknownSourceError, ReplaySourceError


def _known_errors() -> tuple[type[BaseException], ...]:
    from prefect.exceptions import CancelledRun, FailedRun

    from flows.locking import RunLockedError
    from flows.preflight import NotReadyError
    from flows.release.store import PublishError
    from flows.run_context import RunInterrupted
    from flows.runtime import DataDirError
    from flows.transform import DbtFailedError
    from flows.warehouse import WarehouseLockedError
    from sources.record import BundleExistsError
    from sources.registry import SourceDeclarationError

    return (
        RunLockedError,
        WarehouseLockedError,
        SourceDeclarationError,
        DbtFailedError,
        BundleExistsError,
        PublishError,
        NotReadyError,
        DataDirError,
        RunInterrupted,
        FailedRun,
        CancelledRun,
    )


def friendly_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the pipeline's expected failures into one-line messages and exit codes."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except _usage_errors() as exc:
            raise FezError(str(exc), exit_codes.USAGE) from None
        except _known_errors() as exc:
            raise FezError(str(exc)) from None

    return wrapper


def _settings() -> Settings:
    settings = Settings()
    configure_environment(settings.data_dir)
    return settings


def check_ready(settings: Settings, steps: list[str], replay: str | None) -> None:
    """What the steps need that an earlier command makes; nothing is written before this."""
    from flows import preflight
    from flows.release.datasets import DATASETS

    if replay not in (None, "samples"):
        preflight.check_replay_source(Path(replay))
    if "reparse" in steps:
        preflight.require_archive(settings.raw_dir)
    if "fetch" in steps or "reparse" in steps:
        return
    if "transform" in steps:
        preflight.require_warehouse(settings.warehouse)
    else:
        preflight.require_relations(settings.warehouse, [d.relation for d in DATASETS])


def _print_summary(summary, published_dir: Path) -> None:
    if summary.sources:
        title = f"Run {summary.run_id}" + (f" (replay: {summary.replay})" if summary.replay else "")
        table = Table(title=title)
        numbers = ("fetched", "records", "new", "quarantined")
        table.add_column("source", no_wrap=True)
        table.add_column("status", no_wrap=True)
        for column in numbers:
            table.add_column(column, justify="right", no_wrap=True)
        for s in summary.sources:
            quarantined = summary.quarantined.get(s.source, s.quarantined)
            counts = (s.fetched, s.records, s.new_records, quarantined)
            table.add_row(s.source, s.status, *(str(n) for n in counts))
        console.print(table)
        for s in summary.sources:
            if s.message:
                console.print(f"  {s.source}: {s.message}", highlight=False)
    if summary.nothing_new:
        console.print("nothing new: warehouse and release unchanged (dbt build and gate skipped)")
    if summary.dbt_nodes:
        console.print(f"dbt build: {summary.dbt_nodes} nodes passed")
    stale = [(name, status) for name, status, _ in summary.freshness if status not in {"pass"}]
    if summary.freshness:
        detail = ", ".join(f"{name} {status}" for name, status in stale) or "all fresh"
        console.print(f"source freshness: {detail}", highlight=False)
    for suite in summary.quality:
        mark = "[green]passed[/]" if suite["success"] else "[red]failed[/]"
        console.print(f"quality suite {suite['suite']}: {mark}")
    if summary.unhealthy:
        console.print(
            f"[red]unhealthy sources (failed {Settings().unhealthy_after} runs in a row or more):"
            f" {', '.join(summary.unhealthy)}[/]"
        )
    if summary.blocked:
        from flows.release.store import latest_id

        latest = latest_id(published_dir)
        kept = f"release {latest} stays latest" if latest else "no release exists yet"
        console.print(f"[red]release blocked by {', '.join(summary.blocked)}; {kept}[/]")
    if summary.release and not summary.release_new:
        console.print(f"no change, release {summary.release} stays latest")
    elif summary.release:
        counts = ", ".join(f"{k} {v}" for k, v in summary.release_tables.items())
        console.print(
            f"published release {summary.release} ({counts}) → {published_dir / 'latest'}"
        )


STEP_MODULES = (("transform", "dbt.cli.main"), ("check", "great_expectations"))
"""The heavy module each step imports, warmed while Prefect's temporary server starts."""
MAY_GO_UNUSED = {"great_expectations"}
"""Not warmed for a run that fetches while the server opens an existing database: that server
serves before this 3 s import would end, and the rest of the import would delay every run, the
ones that find nothing new and skip the gate as well (the gate imports it when it runs). A
command that always judges (``fez check``, ``fez publish``) and a server creating its database
(13 s) still warm it."""


def warm_modules(steps: list[str], server: TemporaryServer | None) -> list[str]:
    """The modules to import while ``server`` starts, in order."""
    skipped = MAY_GO_UNUSED if "fetch" in steps and server and not server.creates_database else ()
    return [module for step, module in STEP_MODULES if step in steps and module not in skipped]


def _run(
    steps: list[str],
    sources: tuple[str, ...] = (),
    replay: str | None = None,
    overlay: Path | None = None,
    full: bool = False,
    as_of: datetime | None = None,
) -> None:
    settings = _settings()
    from sources.registry import load_sources, select_sources

    select_sources(load_sources(overlay), list(sources))
    check_ready(settings, steps, replay)
    # The flow checks the data dir itself; checked here too because Prefect's temporary
    # server keeps its home there and would fail to start with a less helpful message.
    check_data_dir(settings.data_dir)
    orchestrated = prefect_api_reachable()
    server = launch_temporary_server() if orchestrated else None
    from flows.pipeline import RunOptions

    import_while_starting(server, warm_modules(steps, server))
    options = RunOptions(
        steps=tuple(steps),
        sources=sources,
        replay=replay,
        sources_overlay=str(overlay) if overlay else None,
        full=full,
        as_of=as_of.date() if as_of else None,
    )
    with console.status(f"Running {' → '.join(steps)} …"):
        summary = _orchestrated(options, server) if orchestrated else _unorchestrated(options)
    _print_summary(summary, settings.published_dir)
    # Everything this process built (dbt's manifest, Prefect's clients, the gate's context) is
    # garbage now; the interpreter's final collection would walk it for seconds before exit.
    gc.freeze()
    if summary.blocked:
        sys.exit(exit_codes.FAILED)
    sys.exit(exit_codes.for_sources(s.status for s in summary.sources))


def _orchestrated(options, server: TemporaryServer | None):
    """The run as a Prefect flow run, on the configured API or the temporary server."""
    from flows.pipeline import RunSummary, pipeline

    with server.serving() if server else contextlib.nullcontext():
        # A blocked release ends the flow run Failed, carrying the summary to print.
        state = pipeline(**asdict(options), return_state=True)
        summary = state.result(raise_on_failure=False)
        if not isinstance(summary, RunSummary):
            state.result()  # raises why the run ended without a summary
    return summary


def _unorchestrated(options):
    from flows.pipeline import run_without_prefect

    err_console.print(
        "note: no Prefect API and no loopback network for a temporary server; "
        "running without Prefect orchestration (no run history)"
    )
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    return run_without_prefect(options)


source_option = click.option(
    "--source", "-s", "sources", multiple=True, metavar="NAME",
    help="Only this source (repeatable); default: every verified source.",
)  # fmt: skip
replay_option = click.option(
    "--replay", is_flag=False, flag_value="samples", default=None, metavar="[PATH]",
    help="Answer HTTP from the bundled samples, or from a WARC archive at PATH.",
)  # fmt: skip
full_option = click.option(
    "--full", is_flag=True, help="Re-crawl boards past the pages seen in earlier runs."
)
as_of_option = click.option(
    "--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
    metavar="YYYY-MM-DD",
    help="Compute announcement statuses for this day (00:00 KST); default: now (FEZ_AS_OF).",
)  # fmt: skip
overlay_option = click.option(
    "--sources-overlay", "overlay", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML overriding declared fields of any source ({name: {field: value}}).",
)  # fmt: skip


@click.group()
def app() -> None:
    """ASV FEZ pipeline: announcements and statistics of the Ansan Science Valley FEZ."""


@app.command()
@source_option
@replay_option
@full_option
@overlay_option
@as_of_option
@friendly_errors
def run(
    sources: tuple[str, ...],
    replay: str | None,
    full: bool,
    overlay: Path | None,
    as_of: datetime | None,
) -> None:
    """Run the whole pipeline: fetch, transform, check, publish."""
    _run(["fetch", "transform", "check", "publish"], sources, replay, overlay, full, as_of)


@app.command()
@source_option
@replay_option
@full_option
@overlay_option
@friendly_errors
def fetch(sources: tuple[str, ...], replay: str | None, full: bool, overlay: Path | None) -> None:
    """Fetch, archive, parse, validate and load into the raw schema."""
    _run(["fetch"], sources, replay, overlay, full)


@app.command()
@source_option
@overlay_option
@friendly_errors
def reparse(sources: tuple[str, ...], overlay: Path | None) -> None:
    """Re-parse the whole raw archive (no network) and load the records; for parser changes."""
    _run(["reparse"], sources, None, overlay)


@app.command()
@source_option
@overlay_option
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Bundle folder to write; default: the bundled samples in sources/samples/.",
)  # fmt: skip
@click.option("--overwrite", is_flag=True, help="Replace existing folders of the bundle.")
@friendly_errors
def record(
    sources: tuple[str, ...], overlay: Path | None, out: Path | None, overwrite: bool
) -> None:
    """Fetch live and write a replay bundle (manifest + one file per response)."""
    from flows.runtime import new_run_id
    from sources.fetch.client import open_fetcher
    from sources.fetch.replay import SAMPLES_DIR
    from sources.keys import missing_key_message
    from sources.record import record_bundle
    from sources.registry import load_sources, select_sources

    settings = _settings()
    specs = select_sources(load_sources(overlay), list(sources))
    check_data_dir(settings.data_dir)
    keys = {}
    for spec in specs:
        if spec.api_key and missing_key_message(spec, settings) is None:
            keys[spec.name] = getattr(settings, spec.api_key).get_secret_value()
    fetcher = open_fetcher(settings, new_run_id(), specs=specs)
    with console.status("Recording …"):
        try:
            collected = record_bundle(specs, fetcher, out or SAMPLES_DIR, keys, overwrite=overwrite)
        finally:
            fetcher.close()
    statuses = []
    for name, result in collected.items():
        console.print(f"{name}: {len(result.fetches)} responses, {len(result.errors)} errors")
        for error in result.errors:
            console.print(f"  {name}: {error}", highlight=False)
        answered = any(f.status is not None and f.request.kind != "robots" for f in result.fetches)
        statuses.append("failing" if not answered else "partial" if result.errors else "ok")
    sys.exit(exit_codes.for_sources(statuses))


@app.command()
@as_of_option
@friendly_errors
def transform(as_of: datetime | None) -> None:
    """Build the dbt project (seeds, models, snapshots, tests)."""
    _run(["transform"], as_of=as_of)


@app.command()
@friendly_errors
def check() -> None:
    """Run the quality gate on the marts."""
    _run(["check"])


@app.command()
@friendly_errors
def publish() -> None:
    """Publish the marts as a new release (after the quality gate)."""
    _run(["check", "publish"])


@app.command()
@click.argument("source")
@overlay_option
@friendly_errors
def probe(source: str, overlay: Path | None) -> None:
    """Check SOURCE live: for a board, what its selectors and the generic reader find on one
    list page; for a KOSIS table, its items, units and axes (getMeta) against the YAML."""
    from flows.runtime import new_run_id
    from sources.fetch.client import open_fetcher
    from sources.keys import missing_key_message
    from sources.kosis_meta import format_meta, probe_kosis
    from sources.probe import format_probe
    from sources.probe import probe as probe_source
    from sources.registry import load_sources, select_sources

    settings = _settings()
    (spec,) = select_sources(load_sources(overlay), [source])
    missing = missing_key_message(spec, settings)
    if missing:
        raise FezError(missing, exit_codes.USAGE)
    check_data_dir(settings.data_dir)
    api_key = getattr(settings, spec.api_key).get_secret_value() if spec.api_key else None
    fetcher = open_fetcher(settings, new_run_id())
    try:
        if spec.parser == "kosis":
            meta = probe_kosis(spec, fetcher, api_key)
            text, failed = format_meta(meta), not meta.ok
        else:
            report = probe_source(spec, fetcher, api_key)
            text, failed = format_probe(report), report.error is not None
    finally:
        fetcher.close()
    console.print(text, highlight=False)
    sys.exit(exit_codes.FAILED if failed else exit_codes.OK)


@app.command(name="sources")
@overlay_option
@friendly_errors
def sources_command(overlay: Path | None) -> None:
    """List declared sources and their health."""
    import duckdb

    from flows.health import source_health
    from sources.registry import load_sources

    settings = _settings()
    specs = load_sources(overlay)
    last: dict[str, tuple] = {}
    health = {}
    if settings.warehouse.exists():
        try:
            con = duckdb.connect(str(settings.warehouse), read_only=True)
        except duckdb.IOException:
            err_console.print("warehouse busy: health not shown")
        else:
            with con:
                rows = con.execute(
                    "select source, arg_max(status, finished_at), "
                    "max(finished_at) filter (where status in ('ok', 'partial', 'no_data')) "
                    "from raw.source_runs group by source"
                ).fetchall()
                health = source_health(con, settings.unhealthy_after)
            last = {r[0]: r[1:] for r in rows}
    table = Table(title="Declared sources")
    for column in ("source", "institution", "kind", "status", "health", "last success", "title"):
        table.add_column(column)
    for spec in specs.values():
        status, success = last.get(spec.name, (None, None))
        status = status or ("unverified" if not spec.verified else "never run")
        source_health_ = health[spec.name].health if spec.name in health else "-"
        table.add_row(
            spec.name, spec.institution, spec.kind, status, source_health_,
            success.strftime("%Y-%m-%d %H:%M") if success else "-", spec.title,
        )  # fmt: skip
    console.print(table)


@app.command()
@friendly_errors
def releases() -> None:
    """List the published releases with their row counts; the latest is marked."""
    from flows.release.store import list_releases

    settings = _settings()
    found = list_releases(settings.published_dir)
    if not found:
        raise FezError(f"no release exists yet in {settings.published_dir}")
    table = Table(title=f"Releases in {settings.published_dir}")
    for column in ("release", "latest", "published", "samples"):
        table.add_column(column, no_wrap=True)
    names = list(dict.fromkeys(n for info in found for n in info.manifest.get("tables", {})))
    for name in names:
        table.add_column(name, justify="right")
    for info in reversed(found):
        manifest = info.manifest
        rows = manifest.get("tables", {})
        table.add_row(
            info.release_id, "latest" if info.is_latest else "",
            str(manifest.get("published_at", "-")), "yes" if manifest.get("samples") else "",
            *(str(rows.get(name, "-")) for name in names),
        )  # fmt: skip
    console.print(table)


@app.command()
@click.argument("release")
@friendly_errors
def rollback(release: str) -> None:
    """Point `latest` back at RELEASE (atomically); the next run that changes content
    publishes a new release again."""
    from flows.release.store import find_release
    from flows.release.store import rollback as rollback_to
    from flows.run_context import run_context

    settings = _settings()
    find_release(settings.published_dir, release)
    with run_context(settings):
        info = rollback_to(settings.published_dir, release)
    console.print(f"latest → release {info.release_id}")


@app.command()
@click.argument("sql")
@click.option(
    "--warehouse", "on_warehouse", is_flag=True,
    help="Query the warehouse (read-only) instead of the latest release's files.",
)  # fmt: skip
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")
@friendly_errors
def query(sql: str, on_warehouse: bool, as_csv: bool) -> None:
    """Run read-only SQL on the latest release (one table per dataset) or the warehouse."""
    import csv

    from flows.release.query import release_connection, run_query, warehouse_connection

    settings = _settings()
    if on_warehouse:
        con = warehouse_connection(settings.warehouse)
    else:
        con = release_connection(settings.published_dir)
    with con:
        result = run_query(con, sql)
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows(result.rows)
        return
    table = Table()
    for column in result.columns:
        table.add_column(column)
    for row in result.rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)


@app.command()
@click.option("--source", "-s", "source", default=None, metavar="NAME", help="Only this source.")
@click.option("--rule", default=None, help="Only records held by this rule (as listed).")
@click.option("--limit", default=5, show_default=True, help="Records shown per source and rule.")
@click.option(
    "--release", is_flag=True, help="Validate the held records again and load those that pass."
)
@friendly_errors
def quarantine(source: str | None, rule: str | None, limit: int, release: bool) -> None:
    """List quarantined records by source and rule, with the archived response each came from;
    --release re-admits them after a rule or parser was fixed."""
    from flows.preflight import require_warehouse
    from flows.quarantine import show_quarantine

    settings = _settings()
    require_warehouse(settings.warehouse)
    for line in show_quarantine(settings, source, rule, limit, release):
        console.print(line, highlight=False, markup=False)


@app.command()
def serve() -> None:
    """Run every schedule of prefect.yaml in this process (needs PREFECT_API_URL: a server)."""
    from flows.serve import serve_all

    _settings()
    if not os.environ.get("PREFECT_API_URL"):
        raise FezError(
            "fez serve needs a Prefect server for its schedules: start one with "
            "`prefect server start` and set PREFECT_API_URL=http://127.0.0.1:4200/api"
        )
    serve_all()


@app.command()
@friendly_errors
def doctor() -> None:
    """Check the environment: versions, data dir, both locks, API keys. Writes nothing."""
    from importlib.metadata import version

    from flows.doctor import environment_checks

    settings = _settings()
    table = Table(title="fez doctor", show_header=False)
    table.add_row("python", sys.version.split()[0])
    for package in ("prefect", "dbt-core", "dbt-duckdb", "duckdb", "great-expectations", "pandera"):
        table.add_row(package, version(package))
    table.add_row("data dir", str(settings.data_dir.absolute()))
    table.add_row("warehouse", str(settings.warehouse))
    checks = environment_checks(settings.data_dir, settings.warehouse)
    for found in checks:
        table.add_row(found.name, f"[{'red' if found.problem else 'green'}]{found.answer}[/]")
    for name, key in settings.api_keys().items():
        table.add_row(
            f"FEZ_{name.upper()}",
            "set" if key else "[yellow]not set[/] (sources needing it are skipped)",
        )
    console.print(table, highlight=False)
    sys.exit(exit_codes.FAILED if any(c.problem for c in checks) else exit_codes.OK)
