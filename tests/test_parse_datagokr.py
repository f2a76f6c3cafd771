"""data.go.kr: classic and odcloud envelopes, one row vs several, gateway errors, no data."""

from __future__ import annotations

import pytest

from expectations.rows import validate_records
from sources.parsers.api_errors import ApiConfigError, ApiRequestError, QuotaError
from sources.parsers.datagokr import parse, plan
from sources.registry import RequestSpec
from tests.sample_bundle import bundle_page, find, replay_source, spec

OPRATE = "https://apis.data.go.kr/B550624/indparkstats/kicoxOpRateByIrsttStatsService"


def _request(month: str, page: str = "1") -> RequestSpec:
    params = {"serviceKey": "k", "pageNo": page, "numOfRows": "20", "type": "json", "stdrYm": month}
    return RequestSpec(url=OPRATE, params=params)


def test_complex_figures_for_banwol_and_sihwa():
    records = replay_source("kicox_complex_stats").records
    figures = {(r["indicator_id"], r["region_code"]): r["value"] for r in records}
    assert figures == {
        ("complex_operating_rate.banwol", "41270"): 71.8,
        ("complex_operating_firms.banwol", "41270"): 6012.0,
        ("complex_employment.banwol", "41270"): 118_540.0,
        ("complex_operating_rate.sihwa", "41000"): 69.4,
        ("complex_operating_firms.sihwa", "41000"): 10_875.0,
        ("complex_employment.sihwa", "41000"): 129_310.0,
    }
    (rate,) = find(records, indicator_id="complex_operating_rate.banwol")
    assert (rate["unit"], rate["period"], rate["period_type"]) == ("%", "2025-06", "month")
    assert rate["table_id"] == "kicoxOpRateByIrsttStatsService"
    validated = validate_records("observation", [{**r, "fetch_id": "f"} for r in records])
    assert validated.quarantined == []


def test_page_one_follows_to_page_two_whose_single_item_is_an_object():
    page1 = parse(
        bundle_page("kicox_complex_stats", "oprate_202506_page1.json", _request("202506"))
    )
    assert [r.params["pageNo"] for r in page1.follow] == ["2"]
    assert {r["indicator_id"] for r in page1.records} == {
        "complex_operating_rate.banwol",
        "complex_operating_firms.banwol",
    }
    page2 = parse(
        bundle_page("kicox_complex_stats", "oprate_202506_page2.json", _request("202506", "2"))
    )
    assert page2.follow == []
    assert {(r["indicator_id"], r["value"]) for r in page2.records} == {
        ("complex_operating_rate.sihwa", 69.4),
        ("complex_operating_firms.sihwa", 10_875.0),
    }


@pytest.mark.parametrize("file", ["oprate_202509_nodata.json", "emp_202509_nodata.xml"])
def test_code_03_is_recorded_as_no_data_in_json_and_xml(file):
    result = parse(bundle_page("kicox_complex_stats", file, _request("202509")))
    assert result.outcome == "no_data"
    assert result.records == []
    assert result.warnings[0].startswith("no_data: data.go.kr 03 NODATA_ERROR (kicox")


@pytest.mark.parametrize(
    ("file", "error", "code"),
    [
        ("gateway_30_unregistered_key.xml", ApiConfigError, "30"),
        ("gateway_30_unregistered_key_json.json", ApiConfigError, "30"),
        ("classic_22_daily_quota.json", QuotaError, "22"),
        ("flat_23_per_second.json", QuotaError, "23"),
        ("classic_10_bad_parameter.json", ApiRequestError, "10"),
    ],
)
def test_each_gateway_and_envelope_error_is_its_typed_error(file, error, code):
    with pytest.raises(error) as caught:
        parse(bundle_page("kicox_complex_stats", file, _request("202403")))
    assert (caught.value.api, caught.value.code) == ("data.go.kr", code)


def test_xml_gateway_error_names_the_reason_although_json_was_asked_for():
    with pytest.raises(ApiConfigError, match="SERVICE_KEY_IS_NOT_REGISTERED_ERROR"):
        parse(bundle_page("kicox_complex_stats", "gateway_30_unregistered_key.xml", _request("1")))


def test_daily_quota_defers_and_per_second_limit_waits():
    with pytest.raises(QuotaError) as daily:
        parse(bundle_page("kicox_complex_stats", "classic_22_daily_quota.json", _request("1")))
    assert daily.value.retry_after is None
    with pytest.raises(QuotaError) as per_second:
        parse(bundle_page("kicox_complex_stats", "flat_23_per_second.json", _request("1")))
    assert per_second.value.retry_after == 1.0


def test_plan_asks_each_operation_for_each_month():
    requests = plan(spec("kicox_complex_stats"))
    assert [(r.url.rsplit("/", 1)[-1], r.params["stdrYm"]) for r in requests] == [
        ("kicoxOpRateByIrsttStatsService", "202506"),
        ("kicoxOpRateByIrsttStatsService", "202509"),
        ("kicoxEmpByIrsttStatsService", "202506"),
        ("kicoxEmpByIrsttStatsService", "202509"),
    ]
    assert all(r.params["serviceKey"] == "{api_key}" for r in requests)


def test_odcloud_rows_give_operating_rate_by_industry_with_units():
    records = replay_source("kicox_operating_rate_by_industry").records
    (machinery,) = find(records, indicator_id="industry_operating_rate.machinery.banwol")
    assert (machinery["value"], machinery["unit"], machinery["period"]) == (74.6, "%", "2025-06")
    (wood,) = find(records, indicator_id="industry_operating_rate.wood_paper.banwol")
    assert wood["value"] is None
    assert {r["region_code"] for r in records} == {"41270", "41000"}
    assert len(records) == 2 * 9
