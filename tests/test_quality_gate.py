"""The quality gate judges what the run changed, with the suite files of expectations/suites/.

The marts are stood in by tables of the right names and sizes: the gate only counts them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from expectations import quality
from expectations.contract import SEEDS
from expectations.quality import run_quality_gate
from expectations.suites import load_suites
from flows.release.datasets import DATASETS
from flows.release.store import MANIFEST, releases_dir, switch_latest
from flows.warehouse import connect

NOW = datetime.now(UTC)


def _warehouse(tmp_path, sizes: dict[str, int]):
    con = connect(tmp_path / "w.duckdb")
    con.execute(f"create table main.units as select * from read_csv('{SEEDS / 'units.csv'}')")
    for dataset in DATASETS:
        con.execute(
            f"create table {dataset.relation} as select range as id from range(?)",
            [sizes.get(dataset.name, 0)],
        )
    return con


def _source_run(con, run_id: str, source: str, status: str = "ok", at: datetime = NOW) -> None:
    con.execute(
        "insert into raw.source_runs (run_id, source, started_at, finished_at, status) "
        "values (?, ?, ?, ?, ?)",
        [run_id, source, at, at, status],
    )


def _figure(con, run_id: str, indicator_id: str, value: float, unit: str = "%") -> None:
    con.execute(
        "insert into raw.observations (source, table_id, indicator_id, region_code, period, "
        "period_type, value, unit, version_hash, first_seen, last_seen, run_id) values "
        "('kicox_complex_stats', 't', ?, '41270', '2025-09', 'month', ?, ?, ?, ?, ?, ?)",
        [indicator_id, value, unit, indicator_id + str(value), NOW, NOW, run_id],
    )


def _release(tmp_path, tables: dict[str, int]) -> None:
    published = tmp_path / "published"
    release = releases_dir(published) / "r0"
    release.mkdir(parents=True)
    (release / MANIFEST).write_text(json.dumps({"tables": tables}))
    switch_latest(published, "r0")


def _gate(con, tmp_path, run_id=None):
    return run_quality_gate(con, tmp_path / "data", tmp_path / "published", run_id)


def test_every_suite_file_names_a_measured_batch():
    batches = {s.batch for s in load_suites()}
    assert batches == {"volume", "freshness", "values", "completeness"}


def test_a_subset_run_of_two_boards_is_judged_on_announcements_only(tmp_path):
    con = _warehouse(tmp_path, {"announcements": 12})
    _source_run(con, "r1", "gtp_business")
    _source_run(con, "r1", "kitech_business")
    gate = _gate(con, tmp_path)
    assert gate.run_id == "r1"
    assert gate.changed == ["announcements", "open_calls"]
    assert {s.suite for s in gate.suites} == {"release_volume", "source_freshness"}
    assert gate.blocking == []
    assert (tmp_path / "data" / "gx" / "uncommitted" / "data_docs" / "local_site").is_dir()


def test_a_dataset_losing_most_of_its_rows_or_left_empty_blocks_the_release(tmp_path):
    con = _warehouse(tmp_path, {"announcements": 10, "indicator_observations": 0})
    _release(tmp_path, {"announcements": 100, "indicator_observations": 50})
    _source_run(con, "r2", "gtp_business")
    _source_run(con, "r2", "kosis_population")
    gate = _gate(con, tmp_path, "r2")
    (volume,) = [s for s in gate.suites if s.suite == "release_volume"]
    assert [s.suite for s in gate.blocking] == ["release_volume"]
    assert any("indicator_observations" in f and "empty" in f for f in volume.failed)
    assert any("announcements" in f and "half" in f for f in volume.failed)


def test_figures_out_of_their_indicators_range_block_and_stale_sources_only_warn(tmp_path):
    con = _warehouse(tmp_path, {"announcements": 5, "indicator_observations": 2})
    _source_run(con, "r0", "gtp_business", at=NOW - timedelta(days=5))
    _source_run(con, "r3", "gtp_business", status="failing")
    _source_run(con, "r3", "kicox_complex_stats")
    _figure(con, "r3", "complex_operating_rate.banwol", 130.0)
    _figure(con, "r3", "complex_operating_rate.sihwa", 71.5)
    _figure(con, "r-old", "complex_operating_rate.banwol", 999.0)
    gate = _gate(con, tmp_path, "r3")
    outcomes = {s.suite: s for s in gate.suites}
    assert not outcomes["indicator_values"].success
    (failure,) = outcomes["indicator_values"].failed
    assert "complex_operating_rate.banwol" in failure and "sihwa" not in failure
    assert not outcomes["source_freshness"].success
    assert "gtp_business" in outcomes["source_freshness"].failed[0]
    assert [s.suite for s in gate.blocking] == ["indicator_values"]


def test_figures_a_killed_run_loaded_are_judged_by_the_run_that_sees_them_again(tmp_path):
    from flows.build_marks import BuildMark, project_hash, record_build

    con = _warehouse(tmp_path, {"indicator_observations": 2})
    good_build = NOW - timedelta(hours=2)
    record_build(con, BuildMark("r1", "all", good_build, good_build, project_hash()))
    # Judged by r1's gate: out of range, but not this run's to judge.
    _figure(con, "r1", "complex_operating_rate.sihwa", 555.0)
    con.execute("update raw.observations set first_seen = ?", [good_build - timedelta(hours=1)])
    # r2 loaded this figure and was killed before its gate; r3 sees it again.
    _figure(con, "r3", "complex_operating_rate.banwol", 130.0)
    con.execute(
        "update raw.observations set first_seen = ? where run_id = 'r3'",
        [NOW - timedelta(hours=1)],
    )
    _source_run(con, "r3", "kicox_complex_stats")
    gate = _gate(con, tmp_path, "r3")
    (failure,) = {s.suite: s for s in gate.suites}["indicator_values"].failed
    assert "complex_operating_rate.banwol" in failure and "sihwa" not in failure
    assert [s.suite for s in gate.blocking] == ["indicator_values"]


def _post(con, run_id: str, source: str, number: int, dated: bool, text: bool) -> None:
    con.execute(
        "insert into raw.announcements (source, post_id, url, title, posted_date, body_text, "
        "content_hash, first_seen, last_seen, run_id, apply_rolling, apply_extended) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, false, false)",
        [source, str(number), f"https://example.org/{number}", f"공고 {number}",
         NOW.date() if dated else None, "본문" if text else None, str(number), NOW, NOW, run_id],
    )  # fmt: skip


def test_completeness_expects_no_field_a_source_declares_it_does_not_publish(tmp_path):
    con = _warehouse(tmp_path, {"announcements": 9})
    # gtp_business lists no posting date, kicox_netzero_loans links no detail page (no text);
    # kitech_business declares neither, so its undated posts are a parser that lost the date.
    for source, dated, text in [
        ("gtp_business", False, True),
        ("kicox_netzero_loans", True, False),
        ("kitech_business", False, True),
    ]:
        _source_run(con, "r1", source)
        for number in range(3):
            _post(con, "r1", source, number, dated, text)
    gate = _gate(con, tmp_path, "r1")
    (completeness,) = [s for s in gate.suites if s.suite == "completeness"]
    (failure,) = completeness.failed
    assert "kitech_business" in failure and "posted date" in failure
    assert "gtp_business" not in failure and "kicox_netzero_loans" not in failure
    assert gate.blocking == []


def test_a_warehouse_without_runs_is_judged_on_nothing(tmp_path):
    con = _warehouse(tmp_path, {})
    gate = _gate(con, tmp_path)
    assert (gate.run_id, gate.changed, gate.suites) == (None, [], [])


@pytest.fixture(autouse=True)
def _close_connections():
    yield


def test_a_two_board_run_on_a_fresh_data_dir_passes_the_gate(data_dir):
    """The reported case: `-s gtp_business -s kitech_business` built the warehouse, then the
    gate failed fct_indicator_observation for having no rows."""
    from flows.pipeline import SAMPLES, RunOptions, run_without_prefect

    boards = ("gtp_business", "kitech_business")
    overlay = data_dir.parent / "no-waits.yaml"
    overlay.write_text(json.dumps({b: {"politeness": {"min_interval": 0}} for b in boards}))
    options = RunOptions(("fetch", "transform", "check"), boards, SAMPLES, str(overlay))
    summary = run_without_prefect(options)
    assert summary.blocked == []
    assert {q["suite"] for q in summary.quality} >= {"release_volume", "completeness"}
    assert "indicator_values" not in {q["suite"] for q in summary.quality}


def test_results_and_their_data_docs_pages_are_kept_for_the_last_runs_only(tmp_path, monkeypatch):
    monkeypatch.setattr(quality, "KEEP_RESULTS", 2)
    con = _warehouse(tmp_path, {"announcements": 3})
    _source_run(con, "r1", "gtp_business")
    for _ in range(3):
        _gate(con, tmp_path)
    gx_dir = tmp_path / "data" / "gx" / "uncommitted"
    for suite in ("release_volume", "source_freshness"):
        assert len(list((gx_dir / "validations" / suite / "__none__").iterdir())) == 2
        pages = gx_dir / "data_docs" / "local_site" / "validations" / suite / "__none__"
        assert len(list(pages.iterdir())) == 2
