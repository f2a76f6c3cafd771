"""The flow's own decisions: where API keys come from, what a source's run status is, that
it guards its own run (one writer at a time, skipped when another writes) and what it tells
the Prefect UI."""

import contextvars
import logging
import threading
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from prefect import task
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

import flows.pipeline as pipeline
from flows.build_marks import BuildMark, mark_build, project_hash
from flows.cli import app
from flows.locking import run_lock
from flows.settings import Settings
from flows.warehouse import connect
from sources.crawl import Collected
from sources.registry import load_sources

SPECS = load_sources()


@pytest.fixture
def no_env_keys(monkeypatch):
    for name in Settings.model_fields:
        if name.endswith(("_key", "_service_key")):
            monkeypatch.delenv(f"FEZ_{name.upper()}", raising=False)
    return Settings(_env_file=None)


def test_live_run_without_a_key_skips_the_source_naming_both_ways_to_give_one(no_env_keys):
    key, skipped = pipeline._api_key(SPECS["ecos_macro"], no_env_keys, replaying=False)
    assert key is None
    assert "FEZ_ECOS_API_KEY" in skipped and "fez-ecos-api-key" in skipped


def test_a_replay_needs_no_key(no_env_keys):
    key, skipped = pipeline._api_key(SPECS["ecos_macro"], no_env_keys, replaying=True)
    assert (key, skipped) == (pipeline.REPLAY_PLACEHOLDER_KEY, None)


def test_the_environment_wins_over_a_secret_block(monkeypatch):
    monkeypatch.setenv("FEZ_ECOS_API_KEY", "from-env")
    key, _ = pipeline._api_key(SPECS["ecos_macro"], Settings(_env_file=None), replaying=False)
    assert key == "from-env"


def test_inside_a_flow_run_a_prefect_secret_block_gives_the_key(no_env_keys, monkeypatch):
    loaded = []
    monkeypatch.setattr(pipeline.FlowRunContext, "get", classmethod(lambda cls: object()))
    monkeypatch.setattr(
        pipeline.Secret,
        "load",
        classmethod(lambda cls, name: loaded.append(name) or SimpleNamespace(get=lambda: "blk")),
    )
    key, skipped = pipeline._api_key(SPECS["kosis_population"], no_env_keys, replaying=False)
    assert (key, skipped) == ("blk", None)
    assert loaded == ["fez-kosis-api-key"]


def _result(name, records, warnings=()):
    collected = Collected(name, records=records, warnings=list(warnings))
    return pipeline.SourceResult(SPECS[name], collected, datetime.now(UTC))


POST = {
    "source": "gtp_business",
    "institution": "gtp",
    "post_id": "172330",
    "url": "https://pms.gtp.or.kr/web/business/webBusinessView.do?b_idx=172330",
    "title": "2026년 입주기업 기술사업화 지원사업 공고",
    "fetch_id": "f1",
}


def test_a_changed_layout_marks_the_source_and_keeps_what_was_loaded(data_dir):
    settings = Settings(_env_file=None)
    first = pipeline.load_results.fn([_result("gtp_business", [POST])], settings, "r1")
    assert first[0].status == "ok"
    warning = "layout_changed: gtp_business: https://pms.gtp.or.kr/…: 'table.t01' gave no posts"
    second = pipeline.load_results.fn([_result("gtp_business", [], [warning])], settings, "r2")
    assert second[0].status == "layout_changed"
    con = connect(settings.warehouse)
    try:
        kept = con.execute("select post_id from raw.announcements").fetchall()
        status = con.execute("select status from raw.source_runs where run_id = 'r2'").fetchone()
    finally:
        con.close()
    assert kept == [("172330",)]
    assert status == ("layout_changed",)


ONE_SOURCE = {"steps": ("fetch",), "sources": ("kitech_business",), "replay": "samples"}


def _raw_counts(settings: Settings) -> tuple[int, int, int]:
    con = connect(settings.warehouse)
    try:
        return con.execute(
            "select (select count(*) from raw.announcements), "
            "(select count(*) from raw.fetch_log), "
            "(select count(distinct run_id) from raw.source_runs)"
        ).fetchone()
    finally:
        con.close()


class _Waiting(logging.Handler):
    """Counts the runs that said they wait for another writer."""

    def __init__(self, expected: int) -> None:
        super().__init__(logging.INFO)
        self.expected, self.count, self.all_waiting = expected, 0, threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if "waiting up to 300 s" in record.getMessage():
            self.count += 1
            if self.count >= self.expected:
                self.all_waiting.set()


def test_two_runs_started_together_take_turns_and_add_no_duplicates(data_dir, prefect_api):
    """Both find a writer (held here until both wait), then run one after the other."""
    states, waiting = [], _Waiting(expected=2)
    logger = logging.getLogger("prefect.flow_runs")
    logger.addHandler(waiting)

    def start() -> None:
        run = contextvars.copy_context().run
        states.append(run(pipeline.pipeline, **ONE_SOURCE, return_state=True))

    threads = [threading.Thread(target=start) for _ in range(2)]
    try:
        with run_lock(Settings(_env_file=None).warehouse):
            for thread in threads:
                thread.start()
            assert waiting.all_waiting.wait(120), "both runs wait for the writer"
        for thread in threads:
            thread.join()
    finally:
        logger.removeHandler(waiting)
    assert [s.type.value for s in states] == ["COMPLETED", "COMPLETED"]
    reports = [s.result().sources[0] for s in states]
    # The run that went second met the same answers: recognised by hash, not parsed again.
    loaded, unchanged = sorted(reports, key=lambda r: r.records, reverse=True)
    assert loaded.records > 0 and (unchanged.records, unchanged.new_records) == (0, 0)
    assert unchanged.message.startswith("unchanged")
    announcements, _, runs = _raw_counts(Settings(_env_file=None))
    assert announcements == loaded.records
    assert runs == 2


def test_a_run_that_finds_another_writer_waits_then_ends_cancelled(
    data_dir, prefect_api, monkeypatch, caplog
):
    monkeypatch.setenv("FEZ_WRITER_WAIT", "0.3")
    settings = Settings(_env_file=None)
    with run_lock(settings.warehouse):
        state = pipeline.pipeline(**ONE_SOURCE, return_state=True)
    assert state.is_cancelled()
    assert state.message.startswith("skipped: another fez run (process ")
    assert "(waited 0.3 s)" in state.message
    assert not (data_dir / "raw").exists(), "nothing fetched while another run writes"
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warning == state.message and "\n" not in warning


def test_a_known_failure_ends_the_flow_failed_with_its_one_line(tmp_path, prefect_api, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("FEZ_DATA_DIR", str(blocker / "data"))
    state = pipeline.pipeline(**ONE_SOURCE, return_state=True)
    assert state.is_failed()
    assert state.message.startswith("cannot create the data dir")


async def _artifacts(flow_run_id):
    async with get_client() as client:
        found = await client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    return {a.key: a for a in found}


def test_a_run_leaves_its_report_and_source_health_in_the_ui(data_dir, prefect_api):
    import asyncio

    state = pipeline.pipeline(**ONE_SOURCE, return_state=True)
    summary = state.result()
    artifacts = asyncio.run(_artifacts(state.state_details.flow_run_id))
    report = artifacts["fez-run"].data
    (source,) = summary.sources
    assert f"| kitech_business | ok | {source.fetched} | {source.new_records} | 0 | " in report
    assert "**Quality gate:** not run" in report
    assert "**Release:** none" in report
    health = artifacts["fez-source-health"]
    assert artifacts["fez-source-health"].type == "table"
    assert "kitech_business" in str(health.data) and "healthy" in str(health.data)


@task(name="quality-gate")
def _blocking_gate(settings: Settings, run_id: str | None = None) -> list[dict]:
    return [{"suite": "fct_announcement", "critical": True, "success": False, "failed": ["x"]}]


def test_a_blocked_release_ends_the_flow_run_failed_and_fez_prints_its_summary(
    data_dir, prefect_api, monkeypatch
):
    monkeypatch.setattr(pipeline, "check", _blocking_gate)
    state = pipeline.pipeline(steps=("check", "publish"), return_state=True)
    assert state.is_failed()
    assert state.message == "the quality gate blocked the release: fct_announcement"
    summary = state.result(raise_on_failure=False)
    assert (summary.blocked, summary.release) == (["fct_announcement"], None)

    from flows.release.datasets import DATASETS

    con = connect(Settings(_env_file=None).warehouse)
    try:
        for relation in {d.relation for d in DATASETS}:  # what `fez publish` checks is built
            con.execute(f"create table if not exists {relation} (placeholder integer)")
    finally:
        con.close()
    result = CliRunner().invoke(app, ["publish"], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "quality suite fct_announcement: failed" in result.output
    assert "release blocked by fct_announcement" in result.output


def test_a_scoped_build_needs_every_published_mart_and_a_build_of_this_project(data_dir):
    from flows.release.datasets import DATASETS

    settings = Settings()
    connect(settings.warehouse).close()
    assert not pipeline._branch_build_allowed(settings)  # first build: the whole project
    con = connect(settings.warehouse)
    for dataset in DATASETS:
        con.execute(f"create table {dataset.relation} (id integer)")
    con.close()
    assert not pipeline._branch_build_allowed(settings)  # no good build recorded yet
    built = datetime(2026, 11, 20, tzinfo=UTC)
    mark_build(settings.warehouse, BuildMark("r1", "all", built, built, project_hash()))
    assert pipeline._branch_build_allowed(settings)
