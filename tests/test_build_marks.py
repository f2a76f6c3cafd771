"""Skipping dbt and the gate on a rerun with nothing new (issue #14): what counts as new, and
a pipeline rerun on the SAMPLE replay."""

import json
from datetime import UTC, date, datetime, timedelta

import duckdb
import pytest

from flows.build_marks import (
    KST,
    BuildMark,
    as_of_moment,
    built_with_this_project,
    nothing_new,
    project_hash,
    record_build,
)

BUILT = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)  # 10:00 KST


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute(
        "create table raw.announcements (source varchar, post_id varchar, "
        "first_seen timestamptz, last_seen timestamptz)"
    )
    con.execute(
        "create table raw.observations (source varchar, table_id varchar, indicator_id varchar, "
        "region_code varchar, period varchar, first_seen timestamptz, last_seen timestamptz)"
    )
    con.execute("create table raw.announcement_removals (removed_at timestamptz)")
    con.execute("create table raw.quarantine (quarantined_at timestamptz, released_at timestamptz)")
    con.execute(
        "create table main.fct_announcement (apply_start timestamptz, apply_end timestamptz)"
    )
    # One call open from 1 March to 20 March 18:00 KST, loaded before the build.
    con.execute(
        "insert into raw.announcements values ('gtp', '1', ?, ?)",
        [BUILT - timedelta(days=1), BUILT - timedelta(minutes=5)],
    )
    con.execute(
        "insert into main.fct_announcement values (?, ?)",
        [datetime(2026, 3, 1, tzinfo=KST), datetime(2026, 3, 20, 18, tzinfo=KST)],
    )
    record_build(con, BuildMark("r1", "all", BUILT, BUILT, project_hash()))
    yield con
    con.close()


def test_a_rerun_the_same_day_with_only_the_same_versions_seen_again_is_nothing_new(con):
    later = BUILT + timedelta(hours=2)
    con.execute("update raw.announcements set last_seen = ?", [later])
    assert nothing_new(con, "all", later)
    assert nothing_new(con, "announcements", later)


def test_a_new_version_a_removal_or_a_quarantined_row_is_new(con):
    later = BUILT + timedelta(hours=1)
    con.execute("insert into raw.announcements values ('gtp', '2', ?, ?)", [later, later])
    assert not nothing_new(con, "all", later)
    con.execute("delete from raw.announcements where post_id = '2'")
    assert nothing_new(con, "all", later)
    con.execute("insert into raw.announcement_removals values (?)", [later])
    assert not nothing_new(con, "all", later)
    con.execute("delete from raw.announcement_removals")
    con.execute("insert into raw.quarantine values (?, null)", [later])
    assert not nothing_new(con, "all", later)


def test_an_older_version_seen_again_is_current_again_so_it_is_new(con):
    con.execute(
        "insert into raw.announcements values ('gtp', '1', ?, ?)",
        [BUILT - timedelta(hours=3), BUILT - timedelta(hours=2)],
    )
    later = BUILT + timedelta(hours=1)
    con.execute("update raw.announcements set last_seen = ? where first_seen < ?", [later, BUILT])
    assert not nothing_new(con, "all", later)


def test_statuses_move_with_a_new_kst_day_or_a_deadline_crossed(con):
    # 17 March 18:00 KST is three days before the deadline: open turns closing soon.
    con.execute("delete from raw.build_marks")
    before = datetime(2026, 3, 17, 17, tzinfo=KST)
    record_build(con, BuildMark("r2", "all", before, before, project_hash()))
    assert nothing_new(con, "all", datetime(2026, 3, 17, 17, 30, tzinfo=KST))
    assert not nothing_new(con, "all", datetime(2026, 3, 17, 19, tzinfo=KST))
    assert not nothing_new(con, "all", datetime(2026, 3, 18, 0, 5, tzinfo=KST))
    assert as_of_moment(date(2026, 3, 18)) == datetime(2026, 3, 18, tzinfo=KST)


def test_no_good_build_a_narrower_one_or_a_changed_project_means_build(con, monkeypatch):
    later = BUILT + timedelta(hours=1)
    con.execute("delete from raw.build_marks")
    assert not nothing_new(con, "all", later)
    record_build(con, BuildMark("r3", "statistics", BUILT, BUILT, project_hash()))
    assert not nothing_new(con, "announcements", later)
    assert nothing_new(con, "statistics", later)
    monkeypatch.setattr("flows.build_marks.project_hash", lambda: "another")
    assert not nothing_new(con, "statistics", later)


def test_a_scoped_build_needs_the_last_good_build_to_be_of_this_project(con):
    """The hourly build leaves the seeds alone: after a change of the project (a new category
    rule, a new institution), the next run builds everything."""
    assert built_with_this_project(con)
    later = BUILT + timedelta(hours=1)
    record_build(con, BuildMark("r4", "announcements", later, later, "an older project"))
    assert not built_with_this_project(con)
    record_build(con, BuildMark("r5", "all", later, later + timedelta(hours=1), project_hash()))
    assert built_with_this_project(con)
    con.execute("delete from raw.build_marks")
    assert not built_with_this_project(con)
    con.execute("drop table raw.build_marks")
    assert not built_with_this_project(con)


def test_a_rerun_on_the_samples_skips_dbt_the_gate_and_the_release(data_dir, monkeypatch):
    from flows import pipeline
    from flows.pipeline import SAMPLES, RunOptions, run_without_prefect

    boards = ("gtp_business", "kitech_business")
    overlay = data_dir.parent / "no-waits.yaml"
    overlay.write_text(json.dumps({b: {"politeness": {"min_interval": 0}} for b in boards}))
    options = RunOptions(pipeline.STEPS, boards, SAMPLES, str(overlay))
    first = run_without_prefect(options)
    assert first.dbt_nodes > 0 and first.release_new and not first.nothing_new

    builds = []
    monkeypatch.setattr(pipeline, "run_dbt", lambda *a: builds.append(a))
    second = run_without_prefect(options)
    assert second.nothing_new and builds == [] and second.quality == []
    assert (second.release, second.release_new) == (first.release, False)
    assert sum(s.new_records for s in second.sources) == 0
    assert all(s.records == 0 and s.message.startswith("unchanged") for s in second.sources)


def test_answers_are_parsed_again_after_a_failed_load_and_with_full(data_dir, monkeypatch):
    from flows import pipeline
    from flows.pipeline import SAMPLES, RunOptions, run_without_prefect

    overlay = data_dir.parent / "no-waits.yaml"
    overlay.write_text(json.dumps({"gtp_business": {"politeness": {"min_interval": 0}}}))
    options = RunOptions(("fetch",), ("gtp_business",), SAMPLES, str(overlay))
    load_source = pipeline.load_source

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pipeline, "load_source", broken)
    with pytest.raises(OSError):
        run_without_prefect(options)
    monkeypatch.setattr(pipeline, "load_source", load_source)
    after_failure = run_without_prefect(options).sources[0]
    assert after_failure.records == after_failure.new_records > 0
    again = run_without_prefect(options).sources[0]
    assert (again.records, again.message[:9]) == (0, "unchanged")
    full = RunOptions(("fetch",), ("gtp_business",), SAMPLES, str(overlay), full=True)
    assert run_without_prefect(full).sources[0].records == after_failure.records
