"""The SAMPLE notice table through the whole announcement path: the record contract and its
period reader, row validation, the raw load and the dbt models. Category and deadline are
measured on what fct_announcement publishes; mart_open_calls lists a programme once.

One warehouse is built for the module (one dbt build of the announcement models).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from expectations.rows import validate_records
from flows.transform import run_dbt
from flows.warehouse import connect, load_source
from sources.parsers.announcement import announcement
from sources.parsers.dates import KST
from sources.registry import SourceSpec
from tests.notice_table import load_notices

AS_OF = "2026-02-07T12:00:00+09:00"
AS_OF_MOMENT = datetime(2026, 2, 7, 12, tzinfo=KST)
NOTICES = load_notices()
SPEC = SourceSpec.model_validate(
    {"name": "sample_notices", "title": "SAMPLE notices", "description": "The test table.",
     "licence": "test", "institution": "gtp", "kind": "html_board", "parser": "board",
     "record_type": "announcement", "hosts": ["board.example"],
     "homepage": "https://board.example", "requests": [{"url": "https://board.example/list"}]}
)  # fmt: skip
COPY = SourceSpec.model_validate({**SPEC.model_dump(), "name": "sample_copies"})


def _record(spec: SourceSpec, key: str, notice, **changes) -> dict:
    fields = {
        "post_id": key,
        "url": f"https://board.example/view?id={key}",
        "title": notice.title,
        "posted_date": notice.posted,
        "category_hint": notice.hint,
        "body_text": notice.body,
        **changes,
    }
    return {**announcement(spec, **fields, period_text=notice.field), "fetch_id": f"f-{key}"}


def _load(con, spec: SourceSpec, records: list[dict]) -> None:
    checked = validate_records("announcement", records)
    assert checked.quarantined == []
    load_source(
        con,
        run_id="run-1",
        record_type="announcement",
        good=checked.good,
        quarantined=[],
        fetch_rows=[],
        loaded_at=datetime.now(UTC),
    )


BY_TITLE = {n.title: n for n in NOTICES}
SMART_FACTORY = "2026년 경기도 스마트공장 보급확산 지원사업 참여기업 모집 공고"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, monkeypatch_module) -> Path:
    data_dir = tmp_path_factory.mktemp("notices")
    path = data_dir / "warehouse.duckdb"
    monkeypatch_module.setenv("FEZ_RUN_ID", "run-1")
    con = connect(path)
    _load(con, SPEC, [_record(SPEC, n.key, n) for n in NOTICES])
    # The smart-factory call again, as another source republishes it with its own tag.
    copy = BY_TITLE[SMART_FACTORY]
    copies = []
    # One programme posted three times: tagged by an aggregator, re-posted, extended.
    voucher = "2026년 ASV 수출 바우처 참여기업 모집"
    for key, title, end in (
        ("voucher-1", f"[경기] {voucher} 공고", "2026.02.13"),
        ("voucher-2", f"{voucher} 재공고", "2026.02.13"),
        ("voucher-3", f"[연장] {voucher}", "2026.02.13 → 2026.02.20(금) 18:00"),
    ):
        body = f"신청기간: 2026.02.02 ~ {end}"
        copies.append(_record(COPY, key, copy, title=title, body_text=body))
    # Two calls closing on the as-of day, before and after its noon.
    for key, hour in (("closes-10", 10), ("closes-18", 18)):
        body = f"접수기간: 2026.01.26 ~ 2026.02.07 {hour}:00"
        copies.append(_record(COPY, key, copy, title=f"{key} 지원사업 공고", body_text=body))
    _load(con, COPY, copies)
    con.close()
    run_dbt(
        ["build", "-s", "+fct_announcement", "+mart_open_calls", "+dim_announcement_category",
         "--exclude-resource-type", "unit_test", "--vars", f"{{as_of: '{AS_OF}'}}"],
        path,
        data_dir,
    )  # fmt: skip
    return path


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def _rows(warehouse: Path, sql: str) -> list[tuple]:
    con = connect(warehouse)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _published(warehouse: Path) -> dict[str, tuple]:
    rows = _rows(
        warehouse,
        "select post_id, category, apply_end, apply_rolling, status, matched_rule "
        "from fct_announcement where source_id = 'sample_notices'",
    )
    return {row[0]: row[1:] for row in rows}


def test_categories_are_right_for_at_least_95_percent(warehouse: Path):
    published = _published(warehouse)
    wrong = [
        f"{n.key} {n.title}: {published[n.key][0]} by {published[n.key][4]}, not {n.category}"
        for n in NOTICES
        if published[n.key][0] != n.category
    ]
    assert len(published) == len(NOTICES)
    assert 1 - len(wrong) / len(NOTICES) >= 0.95, "\n".join(wrong)


def test_published_deadlines_are_right_for_at_least_95_percent_and_never_on_rolling_calls(
    warehouse: Path,
):
    published = _published(warehouse)
    wrong = [n.key for n in NOTICES if published[n.key][1] != n.end]
    assert 1 - len(wrong) / len(NOTICES) >= 0.95, wrong
    for notice in [n for n in NOTICES if n.rolling]:
        _, end, rolling, status, _ = published[notice.key]
        assert end is None and rolling and status in ("rolling", "upcoming"), notice.key


def test_status_follows_the_deadline_and_its_time_and_the_closed_title(warehouse: Path):
    published = _published(warehouse)
    statuses = {n.key: published[n.key][3] for n in NOTICES}
    for notice in NOTICES:
        status = statuses[notice.key]
        if notice.closed or (notice.end is not None and notice.end < AS_OF_MOMENT):
            assert status == "closed", notice.key
        elif notice.start is not None and notice.start > AS_OF_MOMENT:
            assert status == "upcoming", notice.key
        elif notice.end is not None:
            assert status in ("open", "closing_soon", "upcoming"), notice.key
    copies = dict(
        _rows(
            warehouse, "select post_id, status from fct_announcement where post_id like 'closes%'"
        )
    )
    assert copies == {"closes-10": "closed", "closes-18": "closing_soon"}


def test_open_calls_list_a_programme_once_with_the_links_of_its_copies(warehouse: Path):
    rows = _rows(
        warehouse,
        "select announcement_id, deadline_date, apply_extended, links, posts from mart_open_calls "
        "where title like '%ASV 수출 바우처%'",
    )
    assert rows == [
        (
            "sample_copies:voucher-3",
            date(2026, 2, 20),
            True,
            [f"https://board.example/view?id=voucher-{n}" for n in (1, 2, 3)],
            3,
        )
    ]


def test_open_calls_include_rolling_calls_without_a_deadline(warehouse: Path):
    rows = _rows(
        warehouse,
        "select status, deadline_date, days_left from mart_open_calls where apply_rolling",
    )
    assert rows and all(r == ("rolling", None, None) for r in rows)
    assert _rows(warehouse, "select count(*) from mart_open_calls where status = 'closed'") == [
        (0,)
    ]


def test_categories_carry_an_english_gloss(warehouse: Path):
    rows = dict(_rows(warehouse, "select category, name_en from dim_announcement_category"))
    assert rows["call"] == "Call for proposals" and set(rows) == {
        "call", "tender", "recruitment", "event", "notice"
    }  # fmt: skip


def _statuses(warehouse: Path, as_of: str) -> dict[str, str]:
    run_dbt(
        ["build", "-s", "fct_announcement", "mart_open_calls", "--exclude-resource-type",
         "unit_test", "--vars", f"{{as_of: '{as_of}'}}"],
        warehouse,
        warehouse.parent,
    )  # fmt: skip
    rows = _rows(
        warehouse,
        "select post_id, status from fct_announcement where source_id = 'sample_copies'",
    )
    return dict(rows)


def test_statuses_move_with_later_runs_and_a_backfill_recomputes_them(warehouse: Path):
    """Runs after the first: a later day closes what closed and turns soon-closing calls;
    a day before the last run (a backfill) recomputes every post, not only the open ones."""
    later = _statuses(warehouse, "2026-02-19")
    assert later["closes-18"] == "closed" and later["voucher-3"] == "closing_soon"
    assert _statuses(warehouse, "2026-02-19") == later
    earlier = _statuses(warehouse, "2026-02-01")
    assert earlier["closes-10"] == "open" and earlier["voucher-3"] == "upcoming"
    assert (
        _rows(warehouse, "select count(*) from mart_open_calls where status = 'upcoming'")[0][0]
        >= 1
    )
