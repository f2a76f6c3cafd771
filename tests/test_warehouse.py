"""Loading into the raw schema: idempotent merges, versions, quarantine, all or nothing."""

from datetime import UTC, datetime

import pytest

from expectations.rows import validate_records
from flows.warehouse import connect, load_source

POST = {
    "source": "gtp_business",
    "institution": "gtp",
    "post_id": "172330",
    "url": "https://pms.gtp.or.kr/web/business/webBusinessView.do?b_idx=172330",
    "title": "2026년 입주기업 기술사업화 지원사업 공고",
    "apply_end": "2026-12-04T18:00:00+09:00",
    "fetch_id": "f1",
}


def _load(con, records, record_type="announcement", run_id="r1"):
    validated = validate_records(record_type, records)
    return load_source(
        con,
        run_id=run_id,
        record_type=record_type,
        good=validated.good,
        quarantined=validated.quarantined,
        fetch_rows=[],
        loaded_at=datetime.now(UTC),
    )


@pytest.fixture
def con(tmp_path):
    connection = connect(tmp_path / "w.duckdb")
    yield connection
    connection.close()


def test_same_post_seen_again_adds_no_row(con):
    assert _load(con, [POST]) == 1
    assert _load(con, [POST], run_id="r2") == 0
    assert con.execute("select count(*), max(run_id) from raw.announcements").fetchone() == (
        1,
        "r2",
    )


def test_edited_post_is_a_new_version(con):
    _load(con, [POST])
    assert _load(con, [{**POST, "title": POST["title"] + " (수정)"}], run_id="r2") == 1
    rows = con.execute("select title from raw.announcements order by first_seen").fetchall()
    assert [r[0] for r in rows] == [POST["title"], POST["title"] + " (수정)"]


def test_revised_figure_is_a_new_version_and_refetch_is_not(con):
    figure = {
        "source": "kosis_population", "table_id": "DT_1B040A3", "indicator_id": "DT_1B040A3.T20",
        "region_code": "41270", "period": "2026-09", "period_type": "month", "value": "619,310",
        "unit": "명", "as_of": "2026-10-02", "fetch_id": "f1",
    }  # fmt: skip
    assert _load(con, [figure], "observation") == 1
    assert _load(con, [figure], "observation", run_id="r2") == 0
    revised = {**figure, "value": "619,402", "as_of": "2026-11-02"}
    assert _load(con, [revised], "observation", run_id="r3") == 1
    assert con.execute("select sum(value) from raw.observations").fetchone()[0] == 619310 + 619402


def test_bad_rows_are_quarantined_with_their_reason(con):
    bad = {**POST, "post_id": "2", "apply_end": "마감일 미정"}
    _load(con, [POST, bad])
    assert con.execute("select count(*) from raw.announcements").fetchone()[0] == 1
    rule, reason, record = con.execute("select rule, reason, record from raw.quarantine").fetchone()
    assert rule == "apply_end_is_datetime"
    assert "apply_end" in reason
    assert "마감일 미정" in record


def test_failed_load_leaves_nothing_half_written(con):
    validated = validate_records("announcement", [POST])
    with pytest.raises(Exception, match="fetch_log"):
        load_source(
            con,
            run_id="r1",
            record_type="announcement",
            good=validated.good,
            quarantined=[],
            fetch_rows=[{"fetch_id": "f1", "not_a_column": 1}],
            loaded_at=datetime.now(UTC),
        )
    assert con.execute("select count(*) from raw.announcements").fetchone()[0] == 0


def test_a_record_met_twice_in_one_run_is_one_new_record(con):
    edited = {**POST, "title": POST["title"] + " (수정)", "fetch_id": "f2"}
    assert _load(con, [POST, POST, edited]) == 1
    assert _load(con, [POST, POST, edited], run_id="r2") == 0
    assert con.execute("select count(*) from raw.announcements").fetchone()[0] == 2
