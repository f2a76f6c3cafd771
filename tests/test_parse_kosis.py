"""KOSIS: cells to observations, request planning and splitting, errors, revisions, regions."""

from __future__ import annotations

import json
from datetime import date

import pytest

from expectations.rows import validate_records
from sources.parsers import Page, ParseError
from sources.parsers.api_errors import (
    ApiConfigError,
    ApiRequestError,
    QuotaError,
    TooManyCellsError,
)
from sources.parsers.kosis import parse, period_codes, plan, split_request
from sources.parsers.observations import current_versions
from sources.parsers.regions import region_codes
from sources.registry import RequestSpec, SourceSpec
from tests.sample_bundle import bundle_page, find, replay_source, spec


def _cells(request: RequestSpec) -> int:
    params = request.params
    regions = len(params["objL1"].split("+"))
    items = len(params["itmId"].split("+"))
    if "newEstPrdCnt" in params:
        return regions * items * int(params["newEstPrdCnt"])
    return regions * items * len(period_codes(params["startPrdDe"], params["endPrdDe"], "month"))


def _table(**options) -> SourceSpec:
    base = {
        "table_id": "DT_TEST",
        "period_type": "month",
        "region_scheme": "kosis_mois",
        "regions": ["00", "41", "41270", "41271", "41273"],
        "items": {"T20": "population"},
    }
    return spec("kosis_population").model_copy(update={"options": {**base, **options}})


def test_population_of_ansan_comes_from_the_replayed_history():
    records = replay_source("kosis_population").records
    fetched_twice = find(records, region_code="41270", period="2026-09")
    assert len(fetched_twice) == 2  # in the history and in the latest window
    assert fetched_twice[0] == fetched_twice[1]
    (september,) = find(current_versions(records), region_code="41270", period="2026-09")
    assert september["value"] == 619_310.0
    assert september["unit"] == "명"
    assert september["period_type"] == "month"
    assert september["indicator_id"] == "population"
    assert september["table_id"] == "DT_1B040A3"
    assert september["as_of"] == "2026-10-02"
    assert {r["region_code"] for r in records} == {"00000", "41000", "41270", "41271", "41273"}


def test_households_and_migration_of_ansan():
    households = current_versions(replay_source("kosis_households").records)
    (ansan,) = find(households, region_code="41270", period="2026-09")
    assert (ansan["value"], ansan["unit"]) == (290_600.0, "세대")

    migration = replay_source("kosis_migration").records
    moves = {
        r["indicator_id"]: r["value"] for r in find(migration, region_code="41270", period="2025")
    }
    assert moves == {"migration_in": 79_100.0, "migration_out": 83_600.0, "migration_net": -4_500.0}
    assert {r["period_type"] for r in migration} == {"year"}


def test_internal_region_codes_map_to_the_one_region_dimension():
    records = current_versions(replay_source("kosis_businesses").records)
    (ansan,) = find(records, region_code="41270", period="2024", indicator_id="businesses")
    assert ansan["value"] == 64_872.0
    assert ansan["unit"] == "개"
    assert {r["region_code"] for r in records} == {"00000", "41000", "41270", "41271", "41273"}


def test_a_dash_is_a_missing_value_not_zero():
    records = replay_source("kosis_businesses").records
    (sangnok,) = find(records, region_code="41271", period="2021", indicator_id="workers")
    assert sangnok["value"] is None
    validated = validate_records("observation", [{**sangnok, "fetch_id": "f"}])
    assert validated.quarantined == []
    assert validated.good["value"].isna().all()


def test_replayed_kosis_records_pass_row_validation():
    records = [
        {**r, "fetch_id": "f"}
        for name in ("kosis_population", "kosis_households", "kosis_migration")
        for r in replay_source(name).records
    ]
    validated = validate_records("observation", records)
    assert validated.quarantined == []
    assert len(validated.good) == len(records)


def test_a_revised_figure_is_kept_with_its_revision_date():
    records = replay_source("kosis_population").records
    versions = find(records, region_code="41270", period="2026-08")
    assert sorted((r["as_of"], r["value"]) for r in versions) == [
        ("2026-10-02", 619_460.0),
        ("2026-11-03", 619_497.0),
    ]
    (current,) = find(current_versions(records), region_code="41270", period="2026-08")
    assert (current["value"], current["as_of"]) == (619_497.0, "2026-11-03")


def test_plan_splits_the_backfill_under_the_cell_budget():
    requests = plan(spec("kosis_population"))
    ranges = [(r.params.get("startPrdDe"), r.params.get("endPrdDe")) for r in requests]
    assert ranges == [("202507", "202602"), ("202603", "202609"), (None, None)]
    assert requests[-1].params["newEstPrdCnt"] == "3"
    assert all(_cells(r) <= 40 for r in requests)
    assert all(r.params["apiKey"] == "{api_key}" for r in requests)


def test_plan_covers_a_long_history_once_within_40000_cells():
    regions = [f"{41000 + i:05d}" for i in range(300)]
    source = _table(regions=regions, items={"T1": "a", "T2": "b", "T3": "c"},
                    history={"start": "200801", "end": "202609"})  # fmt: skip
    requests = plan(source)
    months = [
        m
        for r in requests
        for m in period_codes(r.params["startPrdDe"], r.params["endPrdDe"], "month")
    ]
    assert len(requests) == 6
    assert months == period_codes("200801", "202609", "month")
    assert all(_cells(r) <= 40_000 for r in requests)


def test_plan_splits_regions_when_one_period_is_over_budget():
    source = _table(items={"T1": "a", "T2": "b"}, history={"start": "202601", "end": "202601"},
                    max_cells=4)  # fmt: skip
    requests = plan(source)
    assert [r.params["objL1"] for r in requests] == ["00+41", "41270+41271", "41273"]


def test_err_31_splits_the_request_in_two_halves():
    request = RequestSpec(
        url="https://kosis.kr/openapi/Param/statisticsParameterData.do",
        params={
            "tblId": "DT_1B040A3",
            "objL1": "ALL",
            "startPrdDe": "200801",
            "endPrdDe": "202609",
        },
        meta={"start": "200801", "end": "202609"},
    )
    result = parse(bundle_page("kosis_population", "err31_too_many_cells.json", request))
    assert result.records == []
    assert [(r.params["startPrdDe"], r.params["endPrdDe"]) for r in result.follow] == [
        ("200801", "201704"),
        ("201705", "202609"),
    ]
    assert result.warnings[0].startswith("split: KOSIS 31")


def test_err_31_on_one_region_and_period_is_a_typed_error():
    request = RequestSpec(url="https://kosis.kr/x", params={"objL1": "41270", "newEstPrdCnt": "1"})
    assert split_request(request, "month") == []
    with pytest.raises(TooManyCellsError) as caught:
        parse(bundle_page("kosis_population", "err31_too_many_cells.json", request))
    assert caught.value.code == "31"


@pytest.mark.parametrize(
    ("file", "error", "code"),
    [
        ("err10_missing_key.json", ApiConfigError, "10"),
        ("err11_expired_key.json", ApiConfigError, "11"),
        ("err20_missing_axis.json", ApiRequestError, "20"),
        ("err40_rate_limit.json", QuotaError, "40"),
    ],
)
def test_each_kosis_error_is_its_typed_error(file, error, code):
    with pytest.raises(error) as caught:
        parse(bundle_page("kosis_population", file))
    assert caught.value.api == "KOSIS"
    assert caught.value.code == code
    assert caught.value.message


def test_err_40_waits_a_minute_and_err_10_is_not_retried():
    with pytest.raises(QuotaError) as quota:
        parse(bundle_page("kosis_population", "err40_rate_limit.json"))
    assert quota.value.retry_after == 60.0
    assert quota.value.retryable
    with pytest.raises(ApiConfigError) as config:
        parse(bundle_page("kosis_population", "err10_missing_key.json"))
    assert not config.value.retryable
    assert "인증 KEY값이 누락되었습니다." in str(config.value)


def test_err_30_is_recorded_as_no_data():
    result = parse(bundle_page("kosis_population", "err30_no_data.json"))
    assert result.outcome == "no_data"
    assert result.records == []
    assert result.warnings == [result.warnings[0]]
    assert result.warnings[0].startswith("no_data: KOSIS 30 데이터가 존재하지 않습니다.")


def test_a_javascript_literal_answer_is_a_clear_parse_error():
    page = bundle_page("kosis_population", "err30_no_data.json")
    page = Page(**{**page.__dict__, "body": b"[{ORG_ID:'101'}]"})
    with pytest.raises(ParseError, match="jsonVD=Y"):
        parse(page)


def test_a_district_before_it_existed_has_no_region_code():
    assert region_codes().lookup("kosis_mois", "41271", date(2001, 12, 1)) is None
    assert region_codes().lookup("kosis_mois", "41271", date(2002, 11, 1)) == "41271"
    assert region_codes().lookup("kosis_internal", "31092", date(2026, 1, 1)) == "41273"
    cell = {"TBL_ID": "DT_1B040A3", "ITM_ID": "T20", "C1": "41271", "PRD_SE": "M",
            "PRD_DE": "200101", "DT": "1", "UNIT_NM": "명"}  # fmt: skip
    page = bundle_page("kosis_population", "err30_no_data.json")
    result = parse(Page(**{**page.__dict__, "body": json.dumps([cell]).encode()}))
    assert result.records == []
    assert result.warnings == [
        "skipped 1 cell(s): region '41271' (kosis_mois) has no code on 2001-01"
    ]


def test_an_axis_given_as_all_is_refused_with_its_name():
    with pytest.raises(ParseError, match="objL2"):
        plan(_table(axes={"objL2": "ALL"}, latest=1))
