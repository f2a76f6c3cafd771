"""The dbt project built on a handful of validated raw rows: marts, quarantine, incremental runs.

One warehouse is built per module (a dbt build in-process takes seconds); the tests read it in
order of the pipeline's own steps. The run date is fixed with the ``run_date`` var.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest

from expectations.rows import validate_records
from flows.dbt_extras import quarantine_counts, source_freshness
from flows.transform import PIPELINE_BUILD, SCOPE_DBT_SELECT, DbtFailedError, run_dbt
from flows.warehouse import connect, load_source
from sources.parsers.periods import read_period

RUN_DATE = "2025-10-15"
RUN_ID = "run-1"
VARS = ["--vars", f"{{run_date: '{RUN_DATE}'}}"]


def _announcement(post_id: str, title: str, body: str | None = None, **fields) -> dict:
    period = read_period(title, body, posted=date(2025, 9, 25))  # as every parser's record does
    return {
        "source": "sample_board",
        "institution": "gtp",
        "post_id": post_id,
        "url": f"https://board.example/view?id={post_id}",
        "title": title,
        "posted_date": date(2025, 9, 25),
        "body_text": body,
        "apply_start": period.start,
        "apply_end": period.end,
        "fetch_id": f"fetch-{post_id}",
        **fields,
    }


def _population(region: str, period: str, value: float, **fields) -> dict:
    return {
        "source": "sample_stats",
        "table_id": "DT_1B040A3",
        "indicator_id": "DT_1B040A3.T20",
        "indicator_name": "총인구수",
        "region_code": region,
        "region_name": "안산시",
        "period": period,
        "period_type": "month",
        "value": value,
        "unit": "명",
        "fetch_id": "fetch-stats",
        **fields,
    }


ANNOUNCEMENTS = [
    _announcement(
        "101",
        "2025년 입주기업 기술사업화 지원사업 참여기업 모집 공고",
        "접수기간: 2025.10.01 ~ 2025.10.31\n문의: 기업지원팀",
    ),
    _announcement("102", "수출 바우처 추가 모집 (마감: 2025-10-10(금) 18:00)"),
    _announcement("103", "청사 청소 용역 입찰 공고", "마감일: 2025.10.20"),
    _announcement("104", "미래의 공고", posted_date=date(2099, 3, 1)),
]
OBSERVATIONS = [
    _population("41270", "2024-09", 625000.0),
    _population("41270", "2025-08", 619880.0),
    _population("41270", "2025-09", 619310.0),
    _population("41270", "2025-13", 1.0),
    _population("41271", "2025-09", 338640.0, unit="톤당"),
]


def _load(con, record_type: str, rows: list[dict], run_id: str) -> None:
    validated = validate_records(record_type, rows)
    load_source(
        con,
        run_id=run_id,
        record_type=record_type,
        good=validated.good,
        quarantined=validated.quarantined,
        fetch_rows=[],
        loaded_at=datetime.now(UTC),
    )


def _query(warehouse: Path, sql: str) -> list[tuple]:
    con = connect(warehouse)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory, monkeypatch_module) -> Path:
    data_dir = tmp_path_factory.mktemp("dbt")
    warehouse = data_dir / "warehouse.duckdb"
    monkeypatch_module.setenv("FEZ_RUN_ID", RUN_ID)
    con = connect(warehouse)
    _load(con, "announcement", ANNOUNCEMENTS, RUN_ID)
    _load(con, "observation", OBSERVATIONS, RUN_ID)
    con.close()
    run_dbt(["build", *VARS], warehouse, data_dir)
    return data_dir


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_a_call_is_classified_with_its_deadline_and_days_left(built: Path):
    warehouse = built / "warehouse.duckdb"
    calls = _query(
        warehouse,
        "select announcement_id, status, deadline_date, days_left, "
        "strftime(timezone('Asia/Seoul', apply_end), '%Y-%m-%d %H:%M') from mart_open_calls",
    )
    assert calls == [("sample_board:101", "open", date(2025, 10, 31), 16, "2025-10-31 23:59")]


def test_announcements_get_category_and_status_on_the_run_date(built: Path):
    rows = _query(
        built / "warehouse.duckdb",
        "select post_id, category, status, deadline_date from fct_announcement order by post_id",
    )
    assert rows == [
        ("101", "call", "open", date(2025, 10, 31)),
        ("102", "call", "closed", date(2025, 10, 10)),
        ("103", "tender", "open", date(2025, 10, 20)),
    ]


def test_zone_monthly_has_month_on_month_and_year_on_year_change(built: Path):
    rows = _query(
        built / "warehouse.duckdb",
        "select month, mom_change, mom_change_pct, yoy_change from mart_zone_monthly "
        "where region_code = '41270' order by month",
    )
    assert rows == [
        ("2024-09", None, None, None),
        ("2025-08", None, None, None),
        ("2025-09", -570.0, -0.09, -5690.0),
    ]


def test_rows_breaking_the_contract_never_reach_the_marts(built: Path):
    warehouse = built / "warehouse.duckdb"
    quarantined = _query(
        warehouse, "select source, rule, run_id, record->>'post_id' from raw.quarantine order by 2"
    )
    assert quarantined == [
        ("sample_stats", "period_matches_type", RUN_ID, None),
        ("sample_board", "posted_date_not_future", RUN_ID, "104"),
        ("sample_stats", "unit:isin", RUN_ID, None),
    ]
    assert _query(warehouse, "select count(*) from fct_announcement where post_id = '104'") == [
        (0,)
    ]
    con = connect(warehouse)
    try:
        assert quarantine_counts(con, RUN_ID) == {"sample_board": 1, "sample_stats": 2}
    finally:
        con.close()


def test_an_edited_post_is_a_new_snapshot_version_and_a_rebuild_adds_no_quarantine(built: Path):
    warehouse = built / "warehouse.duckdb"
    con = connect(warehouse)
    edited = {
        **ANNOUNCEMENTS[0],
        "title": "2025년 입주기업 기술사업화 지원사업 참여기업 모집 공고(연장)",
    }
    _load(con, "announcement", [edited], "run-2")
    con.close()
    run_dbt(["build", *VARS], warehouse, built)
    assert _query(
        warehouse,
        "select title like '%(연장)', valid_to is null from snapshots.announcement_versions "
        "where announcement_id = 'sample_board:101' order by valid_from",
    ) == [(False, False), (True, True)]
    assert _query(warehouse, "select count(*) from raw.quarantine") == [(3,)]
    assert _query(warehouse, "select title from fct_announcement where post_id = '101'") == [
        (edited["title"],)
    ]


def test_a_revised_figure_replaces_the_held_one_and_keeps_when_it_was_first_seen(built: Path):
    warehouse = built / "warehouse.duckdb"
    figure = "where region_code = '41270' and period = '2025-09'"
    (first_seen,) = _query(
        warehouse, f"select first_seen_at from fct_indicator_observation {figure}"
    )
    con = connect(warehouse)
    _load(
        con,
        "observation",
        [_population("41270", "2025-09", 619500.0, as_of=date(2025, 10, 20))],
        "run-3",
    )
    con.close()
    run_dbt(["build", *VARS], warehouse, built)
    assert _query(
        warehouse,
        f"select value, revised_on, first_seen_at from fct_indicator_observation {figure}",
    ) == [(619500.0, date(2025, 10, 20), first_seen[0])]
    month = "where region_code = '41270' and month = '2025-09'"
    assert _query(warehouse, f"select mom_change from mart_zone_monthly {month}") == [(-380.0,)]


def test_source_freshness_reports_each_raw_table(built: Path):
    statuses = {f.source: f.status for f in source_freshness(built / "warehouse.duckdb", built)}
    assert statuses["raw.announcements"] == "pass"
    assert statuses["raw.observations_monthly"] == "pass"
    assert statuses["raw.observations_annual"] == "no data"


def test_a_build_tests_the_rows_it_wrote_and_a_plain_dbt_test_all_of_them(built: Path):
    """A figure duplicated by an earlier build (loaded_at in the past) escapes the next
    build's tests of the ten-million-row models, and a plain `dbt test` finds it."""
    warehouse = built / "warehouse.duckdb"
    duplicate = (
        "insert into stg_stats__observations select * from stg_stats__observations "
        "where period = '2025-09' and region_code = '41270'"
    )
    con = connect(warehouse)
    con.execute(duplicate)
    con.close()
    try:
        run_dbt(["build", "-s", "fct_indicator_observation", *VARS], warehouse, built)
        with pytest.raises(DbtFailedError, match="unique_combination_of_columns_fct_indicator"):
            run_dbt(["test", "-s", "fct_indicator_observation", *VARS], warehouse, built)
    finally:
        con = connect(warehouse)
        con.execute(
            "delete from stg_stats__observations where rowid = (select max(rowid) "
            "from stg_stats__observations where period = '2025-09' and region_code = '41270')"
        )
        con.close()
    run_dbt(["test", "-s", "fct_indicator_observation", *VARS], warehouse, built)


def test_a_removed_post_leaves_staging_the_marts_and_its_snapshot_version_ends(built: Path):
    warehouse = built / "warehouse.duckdb"
    held = "select post_id from stg_boards__announcements order by post_id"
    published = (
        "select announcement_id from fct_announcement union all "
        "select announcement_id from int_announcements__classified order by 1"
    )
    current = (
        "select announcement_id from snapshots.announcement_versions where valid_to is null "
        "order by announcement_id"
    )
    before, versions = _query(warehouse, held), _query(warehouse, current)
    in_marts = _query(warehouse, published)
    assert ("103",) in before
    assert in_marts.count(("sample_board:103",)) == 2
    con = connect(warehouse)
    removal = {"source": "sample_board", "post_id": "103", "reason": "HTTP 404", "fetch_id": "f9"}
    load_source(
        con,
        run_id="run-removal",
        record_type="announcement",
        good=pd.DataFrame(),
        quarantined=[],
        fetch_rows=[],
        loaded_at=datetime.now(UTC),
        removals=[removal],
    )
    con.close()
    run_dbt(["build", *VARS], warehouse, built)
    assert _query(warehouse, held) == [r for r in before if r != ("103",)]
    assert _query(warehouse, published) == [r for r in in_marts if r != ("sample_board:103",)]
    assert _query(warehouse, current) == [r for r in versions if r != ("sample_board:103",)]
    assert _query(
        warehouse,
        "select count(*) from snapshots.announcement_versions "
        "where announcement_id = 'sample_board:103' and valid_to is not null",
    ) == [(1,)]


def test_the_hourly_build_adds_a_version_only_for_a_change_or_a_removed_post_seen_again(
    built: Path,
):
    """The snapshot compares only the posts staging wrote since its last version: a post seen
    again unchanged and a rebuild with nothing new add no version; a removed post that comes
    back (seen after its removal) has a current version again. Built as the hourly
    announcements run builds (its scope's selection)."""
    warehouse = built / "warehouse.duckdb"
    hourly = [*PIPELINE_BUILD, *SCOPE_DBT_SELECT["announcements"], *VARS]
    versions = (
        "select announcement_id, valid_to is null from snapshots.announcement_versions "
        "order by announcement_id, valid_from"
    )
    before = _query(warehouse, versions)
    assert ("sample_board:103", False) in before and ("sample_board:103", True) not in before
    con = connect(warehouse)
    _load(con, "announcement", [ANNOUNCEMENTS[1]], "run-seen-again")
    con.close()
    run_dbt(hourly, warehouse, built)
    run_dbt(hourly, warehouse, built)
    assert _query(warehouse, versions) == before
    con = connect(warehouse)
    _load(con, "announcement", [ANNOUNCEMENTS[2]], "run-back")
    con.close()
    run_dbt(hourly, warehouse, built)
    after = _query(warehouse, versions)
    assert [v for v in after if v[0] == "sample_board:103"] == [
        ("sample_board:103", False),
        ("sample_board:103", True),
    ]
    assert [v for v in after if v[0] != "sample_board:103"] == [
        v for v in before if v[0] != "sample_board:103"
    ]
    assert _query(warehouse, "select count(*) from fct_announcement where post_id = '103'") == [
        (1,)
    ]
