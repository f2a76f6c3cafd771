"""Bank of Korea ECOS ``StatisticSearch``: plan one request per declared series, parse rows.

The key sits in the URL path (``/api/StatisticSearch/{key}/json/kr/{first}/{last}/...``), so
it reaches the archive only through the redactor, which writes REDACTED in its place. Row
numbers in the path page through a series; ``list_total_count`` says how many there are.
Errors and "no data" replace the whole body with ``{"RESULT": {"CODE", "MESSAGE"}}``.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sources.parsers import Page, ParseError, ParseResult, parse_options
from sources.parsers.api_errors import (
    ApiConfigError,
    ApiRequestError,
    QuotaError,
    UpstreamError,
    no_data_result,
)
from sources.parsers.observations import observation, split_value
from sources.spec import RequestSpec, SourceSpec

API = "ECOS"
BASE = "https://ecos.bok.or.kr/api/StatisticSearch"
NATION = "00000"
PERIOD_TYPES = {"A": "year", "S": "half", "Q": "quarter", "M": "month", "D": "day"}
_TIME = {
    "A": re.compile(r"^(?P<y>\d{4})$"),
    "S": re.compile(r"^(?P<y>\d{4})S(?P<s>[12])$"),
    "Q": re.compile(r"^(?P<y>\d{4})Q(?P<q>[1-4])$"),
    "M": re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})$"),
    "D": re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
}
# ECOS codes as listed by public clients (INFO-100 key, INFO-200 no data, ERROR-602 too
# many calls); the families are what matter: ERROR-1xx..3xx are request mistakes.
QUOTA_CODES = {"ERROR-602"}
UPSTREAM_CODES = {"ERROR-400", "ERROR-500", "ERROR-600", "ERROR-601"}
QUOTA_WAIT = 60.0


class Series(BaseModel):
    model_config = ConfigDict(extra="forbid")

    indicator_id: str
    stat_code: str
    cycle: Literal["A", "S", "Q", "M", "D"]
    items: list[str] = Field(min_length=1, max_length=4)
    start: str
    end: str


class EcosOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    series: list[Series] = Field(min_length=1)
    rows_per_request: int = Field(1000, ge=1, le=100_000)


Options = EcosOptions


def ecos_options(spec: SourceSpec) -> EcosOptions:
    return parse_options(spec, EcosOptions)


def series_url(series: Series, first: int, last: int, key: str = "{api_key}") -> str:
    parts = [BASE, key, "json", "kr", str(first), str(last), series.stat_code, series.cycle]
    return "/".join([*parts, series.start, series.end, *series.items])


def _request(series: Series, first: int, last: int) -> RequestSpec:
    meta = {"indicator_id": series.indicator_id, "first": first, "last": last}
    return RequestSpec(url=series_url(series, first, last), kind="data", meta=meta)


def plan(spec: SourceSpec) -> list[RequestSpec]:
    """One request per series for its first ``rows_per_request`` rows; ``parse`` pages on."""
    options = ecos_options(spec)
    return [_request(s, 1, options.rows_per_request) for s in options.series]


def format_period(time: str, cycle: str) -> str:
    match = _TIME[cycle].match(time)
    if not match:
        raise ParseError(f"ECOS TIME {time!r} does not fit cycle {cycle}")
    year = match["y"]
    if cycle == "S":
        return f"{year}-H{match['s']}"
    if cycle == "Q":
        return f"{year}-Q{match['q']}"
    if cycle == "M":
        return f"{year}-{match['m']}"
    if cycle == "D":
        return f"{year}-{match['m']}-{match['d']}"
    return year


def _series_of(options: EcosOptions, row: dict[str, Any]) -> Series | None:
    for series in options.series:
        codes = [row.get(f"ITEM_CODE{i + 1}") for i in range(len(series.items))]
        if row.get("STAT_CODE") == series.stat_code and codes == series.items:
            return series
    return None


def _error(page: Page, code: str, message: str) -> ParseResult:
    what = page.request.meta.get("indicator_id", "?")
    if code == "INFO-200":
        return no_data_result(API, code, message, what)
    if code == "INFO-100":
        raise ApiConfigError(API, code, message)
    if code in QUOTA_CODES:
        raise QuotaError(API, code, message, retry_after=QUOTA_WAIT)
    if code in UPSTREAM_CODES:
        raise UpstreamError(API, code, message)
    raise ApiRequestError(API, code, f"{message} ({what})")


def _next_page(page: Page, total: int, options: EcosOptions) -> list[RequestSpec]:
    last = page.request.meta.get("last")
    if last is None or last >= total:
        return []
    series = next(
        (s for s in options.series if s.indicator_id == page.request.meta.get("indicator_id")),
        None,
    )
    if series is None:
        return []
    return [_request(series, last + 1, last + options.rows_per_request)]


def parse(page: Page) -> ParseResult:
    try:
        payload = json.loads(page.text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"ECOS answer is not JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise ParseError(f"ECOS answer is a {type(payload).__name__}, expected an object")
    if "RESULT" in payload:
        result = payload["RESULT"] or {}
        return _error(page, str(result.get("CODE", "")), str(result.get("MESSAGE", "")))
    body = payload.get("StatisticSearch")
    if not isinstance(body, dict) or not isinstance(body.get("row"), list):
        raise ParseError("ECOS answer has no StatisticSearch.row list")
    options = ecos_options(page.spec)
    result = ParseResult()
    for row in body["row"]:
        series = _series_of(options, row)
        if series is None:
            result.warnings.append(
                f"skipped row of {row.get('STAT_CODE')}/{row.get('ITEM_CODE1')}: not declared"
            )
            continue
        value, unit = split_value(row.get("DATA_VALUE"), row.get("UNIT_NAME"))
        result.records.append(
            observation(
                page.spec.name,
                table_id=series.stat_code,
                indicator_id=series.indicator_id,
                indicator_name=row.get("ITEM_NAME1") or row.get("STAT_NAME"),
                region_code=NATION,
                region_name="전국",
                period=format_period(str(row.get("TIME", "")), series.cycle),
                period_type=PERIOD_TYPES[series.cycle],
                value=value,
                unit=unit,
            )
        )
    result.follow = _next_page(page, int(body.get("list_total_count") or 0), options)
    return result
