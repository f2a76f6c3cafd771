"""The flow's own decisions: where API keys come from, what a source's run status is, and
how its crawl is spread over threads or worker processes."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
import yaml

import flows.pipeline as pipeline
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


REPLAYED = ("gtp_business", "kitech_business", "kosis_population", "ecos_macro")


def _collect_replay(processes: int, overlay, monkeypatch) -> dict[str, tuple[str | None, int]]:
    monkeypatch.setenv("FEZ_FETCH_PROCESSES", str(processes))
    options = pipeline.RunOptions(
        steps=("fetch",), sources=REPLAYED, replay=pipeline.SAMPLES, sources_overlay=str(overlay)
    )
    with ThreadPoolExecutor(4) as pool:
        results, _ = pipeline._collect_all(
            lambda t, *a: pool.submit(t.fn, *a), options, Settings(_env_file=None), "r1"
        )
    return {r.spec.name: (r.skipped, len(r.collected.records)) for r in results}


def test_a_crawl_in_worker_processes_collects_what_threads_collect(data_dir, monkeypatch):
    overlay = data_dir.parent / "no-waits.yaml"
    overlay.write_text(
        yaml.safe_dump({name: {"politeness": {"min_interval": 0}} for name in REPLAYED})
    )
    threads = _collect_replay(1, overlay, monkeypatch)
    processes = _collect_replay(2, overlay, monkeypatch)
    assert processes == threads
    assert set(threads) == set(REPLAYED)
    assert all(records for _, records in threads.values())
