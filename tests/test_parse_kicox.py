"""KICOX net-zero loan calls: declared title cell and id, date found in its own cell."""

from datetime import date, datetime

from sources.parsers.dates import KST


def test_calls_read_ids_from_fn_view_and_dates_from_the_date_cell(collected):
    result = collected("kicox_netzero_loans")
    assert result.errors == [] and result.warnings == []
    assert [(r["post_id"], r["posted_date"]) for r in result.records] == [
        ("PB_2026_0031", date(2026, 11, 3)),
        ("PB_2026_0027", date(2026, 9, 15)),
        ("PB_2026_0022", date(2026, 8, 20)),
    ]
    assert (
        result.records[1]["title"] == "2026년 반월·시화 국가산단 에너지 효율화 설비 융자 추가 공고"
    )
    assert result.records[0]["institution"] == "kicox"


def test_the_list_pages_period_and_closed_state_are_read(collected):
    records = collected("kicox_netzero_loans").records
    call, closed, notice = records
    assert call["apply_start"] == datetime(2026, 11, 3, tzinfo=KST)
    assert call["apply_end"] == datetime(2026, 11, 28, 23, 59, 59, tzinfo=KST)
    assert call["period_origin"] == "field" and call["status_hint"] is None
    assert closed["apply_end"] == datetime(2026, 10, 10, 23, 59, 59, tzinfo=KST)
    assert closed["status_hint"] == "closed"
    assert notice["apply_end"] is None and notice["period_evidence"] is None
