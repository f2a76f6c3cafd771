"""ECOS StatisticSearch: key in the path, rows to observations, paging, RESULT errors."""

from __future__ import annotations

import json

import pytest

from sources.parsers import Page
from sources.parsers.api_errors import ApiConfigError, QuotaError
from sources.parsers.ecos import parse, plan
from tests.sample_bundle import bundle_page, find, replay_source, spec


def test_macro_series_for_the_nation():
    records = replay_source("ecos_macro").records
    (rate,) = find(records, indicator_id="base_rate", period="2026-10")
    assert (rate["value"], rate["unit"], rate["region_code"]) == (2.5, "연%", "00000")
    (cpi,) = find(records, indicator_id="cpi", period="2025-01")
    assert (cpi["value"], cpi["unit"]) == (116.1, "2020=100")
    (usd,) = find(records, indicator_id="krw_usd", period="2025-02")
    assert (usd["value"], usd["unit"], usd["table_id"]) == (1402.3, "원", "731Y004")
    assert len(records) == 3 * 22


def test_plan_puts_the_key_placeholder_in_the_path():
    (first, *_) = plan(spec("ecos_macro"))
    assert first.url == (
        "https://ecos.bok.or.kr/api/StatisticSearch/{api_key}/json/kr/1/1000/722Y001/M/"
        "202501/202612/0101000"
    )
    assert first.params == {}


def test_rows_beyond_the_first_request_are_followed():
    page = bundle_page("ecos_macro", "base_rate.json", plan(spec("ecos_macro"))[0])
    body = json.loads(page.body)
    body["StatisticSearch"]["list_total_count"] = 2500
    result = parse(Page(**{**page.__dict__, "body": json.dumps(body).encode()}))
    assert [r.url.split("/")[8:10] for r in result.follow] == [["1001", "2000"]]


def test_info_200_is_recorded_as_no_data():
    result = parse(bundle_page("ecos_macro", "info200_no_data.json"))
    assert result.outcome == "no_data"
    assert result.records == []
    assert result.warnings[0].startswith("no_data: ECOS INFO-200")


def test_invalid_key_and_too_many_calls_are_typed_errors():
    with pytest.raises(ApiConfigError) as config:
        parse(bundle_page("ecos_macro", "info100_invalid_key.json"))
    assert (config.value.api, config.value.code) == ("ECOS", "INFO-100")
    with pytest.raises(QuotaError) as quota:
        parse(bundle_page("ecos_macro", "error602_too_many_calls.json"))
    assert quota.value.code == "ERROR-602"
