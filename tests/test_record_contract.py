"""The record contract: pandera models, the raw DDL and dbt's sources.yml stay one definition."""

from __future__ import annotations

import json

import duckdb
import pandas as pd
import pytest

from expectations.contract import RAW_TABLES, record_fields, table_columns
from expectations.rows import validate_batches, validate_records
from expectations.sources_yml import SOURCES_YML, render
from flows.warehouse import connect
from sources.parsers.announcement import FIELDS
from sources.parsers.observations import observation

POST = {
    "source": "gtp_business",
    "institution": "gtp",
    "post_id": "1",
    "url": "https://pms.gtp.or.kr/web/business/webBusinessView.do?b_idx=1",
    "title": "2026년 입주기업 지원사업 공고",
    "posted_date": "2025-10-01",
    "attachments": [{"name": "공고문.hwp", "url": "https://pms.gtp.or.kr/f/1", "size": "12KB"}],
    "fetch_id": "f1",
}
FIGURE = {
    "source": "kosis_population",
    "table_id": "DT_1B040A3",
    "indicator_id": "DT_1B040A3.T20",
    "region_code": "41270",
    "period": "2025-09",
    "period_type": "month",
    "value": "619,310",
    "unit": "명",
    "fetch_id": "f2",
}
COMPLEX = {
    **FIGURE,
    "source": "kicox_complex_stats",
    "table_id": "kicox",
    "indicator_id": "complex_operating_rate.banwol",
    "unit": "%",
    "value": "71.5",
}


def test_every_raw_table_is_created_as_its_model_says(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    try:
        for table in RAW_TABLES:
            actual = con.execute(
                "select column_name, replace(lower(data_type), 'timestamp with time zone', "
                "'timestamptz'), is_nullable = 'YES' "
                "from information_schema.columns where table_schema = 'raw' and table_name = ? "
                "order by ordinal_position",
                [table.name],
            ).fetchall()
            expected = [(name, kind, nullable) for name, kind, nullable, _ in table_columns(table)]
            keyed = set(table.primary_key)
            assert actual == [(n, k, nullable and n not in keyed) for n, k, nullable in expected]
    finally:
        con.close()


def test_dbt_sources_yml_documents_exactly_the_contract():
    text = SOURCES_YML.read_text(encoding="utf-8")
    assert text == render(text), "run `uv run python -m expectations.sources_yml`"


def test_sources_yml_drift_is_detected():
    text = SOURCES_YML.read_text(encoding="utf-8")
    drifted = text.replace("      data_type: date\n", "      data_type: varchar\n", 1)
    assert drifted != text and render(drifted) != drifted


def test_a_warehouse_from_an_earlier_version_gains_the_new_columns(tmp_path):
    path = tmp_path / "old.duckdb"
    old = duckdb.connect(str(path))
    old.execute(
        "create schema raw; create table raw.quarantine (source varchar, fetch_id varchar, "
        "record json, rule varchar, reason varchar, run_id varchar not null, "
        "quarantined_at timestamptz not null)"
    )
    old.execute("insert into raw.quarantine values ('s', 'f', '{}', 'r', 'why', 'run', now())")
    old.close()
    con = connect(path)
    try:
        columns = [c[0] for c in con.execute("describe raw.quarantine").fetchall()]
        assert {"record_type", "released_at"} <= set(columns)
        assert con.execute("select rule, released_at from raw.quarantine").fetchall() == [
            ("r", None)
        ]
    finally:
        con.close()


def test_parsers_build_announcements_with_the_models_fields():
    assert [f for f in record_fields("announcement") if f not in FIELDS] == [
        "source",
        "institution",
        "fetch_id",
    ]


@pytest.mark.parametrize(
    ("record_type", "record", "rule"),
    [
        ("announcement", {**POST, "url": "javascript:view(1)"}, "url:str_matches"),
        ("announcement", {**POST, "title": "공"}, "title:str_length"),
        ("announcement", {**POST, "posted_date": "2999-01-01"}, "posted_date_not_future"),
        (
            "announcement",
            {**POST, "apply_start": "2025-10-10T09:00+09:00", "apply_end": "2025-10-01"},
            "period_ends_after_start",
        ),
        (
            "announcement",
            {**POST, "attachments": [{"name": "a.pdf", "url": "file:///etc/passwd"}]},
            "attachments.url:str_matches",
        ),
        (
            "announcement",
            {**POST, "attachments": [{"url": "https://x.kr/a"}]},
            "attachments.name:not_nullable",
        ),
        ("announcement", {**POST, "period_origin": "footer"}, "period_origin:isin"),
        ("observation", {**FIGURE, "unit": "톤당"}, "unit:isin"),
        ("observation", {**FIGURE, "region_code": "4127"}, "region_code:str_matches"),
        ("observation", {**FIGURE, "period": "2025-13"}, "period_matches_type"),
        (
            "observation",
            {**FIGURE, "period": "2025-02-30", "period_type": "day"},
            "period_matches_type",
        ),
        ("observation", {**FIGURE, "value": "12a"}, "value_is_number"),
        ("observation", {**COMPLEX, "region_code": "41000"}, "complex_in_its_region"),
    ],
)
def test_a_record_breaking_its_model_is_quarantined_with_the_rule(record_type, record, rule):
    good = POST if record_type == "announcement" else FIGURE
    validated = validate_records(record_type, [good, record])
    assert len(validated.good) == 1
    (held,) = validated.quarantined
    assert (held["rule"], held["record_type"], held["fetch_id"]) == (
        rule,
        record_type,
        record["fetch_id"],
    )
    assert json.loads(held["record"])["source"] == record["source"]


def test_a_complex_figure_in_its_complexs_region_passes():
    assert len(validate_records("observation", [COMPLEX]).good) == 1


def test_parsers_build_observations_with_the_models_fields():
    figure = observation("kosis_population", period="2025", note="잠정치")
    assert list(figure) == [f for f in record_fields("observation") if f != "fetch_id"]
    assert (figure["note"], figure["value"]) == ("잠정치", None)
    with pytest.raises(TypeError, match="not observation fields: remark"):
        observation("kosis_population", remark="x")


@pytest.mark.parametrize("record_type", ["announcement", "observation"])
def test_sources_validated_together_get_what_each_would_get_alone(record_type):
    if record_type == "announcement":
        good, other = POST, {**POST, "post_id": "2", "title": "두 번째 공고"}
        broken = [{**POST, "url": "javascript:view(1)"}, {**POST, "posted_date": "2999-01-01"}]
    else:
        good, other = FIGURE, {**FIGURE, "period": "2024-12", "value": "7"}
        broken = [{**FIGURE, "unit": "톤당"}, {**COMPLEX, "region_code": "41000"}]
    batches = [[good, broken[0]], [], [broken[1], good, other]]
    together = validate_batches(record_type, batches)
    for batch, validated in zip(batches, together, strict=True):
        alone = validate_records(record_type, batch)
        # an empty batch alone gets an untyped empty frame: its columns are what counts
        pd.testing.assert_frame_equal(validated.good, alone.good, check_dtype=bool(batch))
        assert (validated.quarantined, validated.held) == (alone.quarantined, alone.held)
    assert [len(v.good) for v in together] == [1, 0, 2]
    assert [v.held for v in together] == [[1], [], [0]]
