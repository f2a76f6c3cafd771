"""data.go.kr APIs: the classic REST envelope, the odcloud envelope and the gateway's errors.

* classic (apis.data.go.kr): ``response.header.resultCode/resultMsg`` and
  ``response.body.items.item`` — an object for one row, an array for several — with
  ``pageNo``/``numOfRows``/``totalCount``; JSON or XML.
* odcloud (api.odcloud.kr, file data served as an API): ``page``, ``perPage``,
  ``totalCount`` and ``data[]`` with the file's column names as keys.
* gateway errors: ``<OpenAPI_ServiceResponse><cmmMsgHeader>`` XML even when JSON was asked
  for (also seen as JSON, and flat ``{"returnReasonCode", "errMsg"}``), mostly with HTTP 200.

The rows are industrial complexes (KICOX); ``options`` name the complexes to keep (by the
names the source writes) and the columns to read, each mapped to an indicator and a unit.
"""

from __future__ import annotations

import json
from typing import Any

from lxml import etree
from pydantic import BaseModel, ConfigDict, Field

from sources.parsers import Page, ParseError, ParseResult, parse_options
from sources.parsers.api_errors import (
    ApiConfigError,
    ApiRequestError,
    QuotaError,
    UpstreamError,
    no_data_result,
)
from sources.parsers.observations import observation, period_start, split_value
from sources.parsers.regions import region_codes
from sources.spec import RequestSpec, SourceSpec

API = "data.go.kr"
REGION_SCHEME = "kicox_complex"
CONFIG_CODES = {"20", "21", "29", "30", "31", "32", "33"}
REQUEST_CODES = {"10", "11", "12"}
NO_DATA_CODES = {"03"}
# 22: the daily quota (defer to the next run); 23: the per-second limit (wait a moment).
QUOTA_WAITS: dict[str, float | None] = {"22": None, "23": 1.0}
ODCLOUD_CONFIG_CODES = {"-4", "-401"}


class Column(BaseModel):
    model_config = ConfigDict(extra="forbid")

    indicator: str
    unit: str
    name: str | None = None


class ComplexTable(BaseModel):
    model_config = ConfigDict(extra="forbid")

    table_id: str | None = None
    complex_field: str
    complexes: dict[str, list[str]] = Field(min_length=1, description="slug → published names")
    columns: dict[str, Column] = Field(min_length=1)
    period_param: str | None = Field(None, description="request parameter holding YYYYMM")
    endpoint: str | None = None
    operations: list[str] = Field(default_factory=list)
    months: list[str] = Field(default_factory=list)
    page_size: int = Field(100, ge=1, le=1000)


Options = ComplexTable


def table_options(spec: SourceSpec) -> ComplexTable:
    return parse_options(spec, ComplexTable)


def plan(spec: SourceSpec) -> list[RequestSpec]:
    """Classic APIs: one request per declared operation and month (page 1; parse pages on)."""
    table = table_options(spec)
    if not (table.endpoint and table.operations and table.period_param):
        return []
    return [
        RequestSpec(
            url=f"{table.endpoint}/{operation}",
            params={
                "serviceKey": "{api_key}",
                "pageNo": "1",
                "numOfRows": str(table.page_size),
                "type": "json",
                table.period_param: month,
            },
            kind="data",
        )
        for operation in table.operations
        for month in table.months
    ]


class Answer(BaseModel):
    """An envelope reduced to what matters: code, message, rows and paging."""

    code: str = "00"
    message: str = ""
    rows: list[dict[str, Any]] = Field(default_factory=list)
    page: int = 1
    per_page: int = 0
    total: int = 0
    gateway: bool = False


def _as_rows(items: Any) -> list[dict[str, Any]]:
    """``items`` / ``items.item`` as a list: one row comes as an object, several as an array."""
    if isinstance(items, dict) and "item" in items:
        items = items["item"]
    if isinstance(items, dict):
        return [items]
    if isinstance(items, list):
        return [i for i in items if isinstance(i, dict)]
    return []


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def _from_json(payload: Any) -> Answer:
    if not isinstance(payload, dict):
        raise ParseError(f"data.go.kr answer is a {type(payload).__name__}, expected an object")
    if "OpenAPI_ServiceResponse" in payload:
        header = payload["OpenAPI_ServiceResponse"].get("cmmMsgHeader") or {}
        return _gateway(header)
    if "returnReasonCode" in payload:
        return _gateway(payload)
    if "response" in payload:
        header = payload["response"].get("header") or {}
        body = payload["response"].get("body") or {}
        return Answer(
            code=str(header.get("resultCode", "")),
            message=str(header.get("resultMsg", "")),
            rows=_as_rows(body.get("items")),
            page=_int(body.get("pageNo"), 1),
            per_page=_int(body.get("numOfRows")),
            total=_int(body.get("totalCount")),
        )
    if "data" in payload:
        return Answer(
            rows=_as_rows(payload["data"]),
            page=_int(payload.get("page"), 1),
            per_page=_int(payload.get("perPage")),
            total=_int(payload.get("totalCount")),
        )
    if "code" in payload and "msg" in payload:
        return Answer(code=str(payload["code"]), message=str(payload["msg"]), gateway=True)
    raise ParseError(f"data.go.kr answer has no known envelope (keys: {', '.join(payload)})")


def _gateway(header: dict[str, Any]) -> Answer:
    message = " ".join(str(header[k]) for k in ("errMsg", "returnAuthMsg") if header.get(k)).strip()
    return Answer(code=str(header.get("returnReasonCode", "")), message=message, gateway=True)


def _from_xml(body: bytes) -> Answer:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=False)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"data.go.kr answer is not well-formed XML: {exc}") from exc

    def text(path: str) -> str:
        return (root.findtext(path) or "").strip()

    if root.tag == "OpenAPI_ServiceResponse":
        header = {child.tag: (child.text or "").strip() for child in root.find("cmmMsgHeader")}
        return _gateway(header)
    if root.tag != "response":
        raise ParseError(f"data.go.kr XML answer has an unknown root <{root.tag}>")
    rows = [
        {child.tag: (child.text or "").strip() for child in item}
        for item in root.iterfind("body/items/item")
    ]
    return Answer(
        code=text("header/resultCode"),
        message=text("header/resultMsg"),
        rows=rows,
        page=_int(text("body/pageNo"), 1),
        per_page=_int(text("body/numOfRows")),
        total=_int(text("body/totalCount")),
    )


def read_answer(page: Page) -> Answer:
    if page.body.lstrip().startswith(b"<"):
        return _from_xml(page.body)
    try:
        return _from_json(json.loads(page.text))
    except json.JSONDecodeError as exc:
        raise ParseError(f"data.go.kr answer is neither JSON nor XML: {exc}") from exc


def _raise_for(answer: Answer, what: str) -> ParseResult | None:
    """Raise the typed error of an error answer; a no-data answer becomes its result."""
    code, message = answer.code, answer.message
    if code in ("00", "0", "") and not answer.gateway:
        return None
    if code in NO_DATA_CODES:
        return no_data_result(API, code, message, what)
    if code in QUOTA_WAITS:
        raise QuotaError(API, code, message, retry_after=QUOTA_WAITS[code])
    if code in CONFIG_CODES or code in ODCLOUD_CONFIG_CODES:
        raise ApiConfigError(API, code, message)
    if code in REQUEST_CODES:
        raise ApiRequestError(API, code, f"{message} ({what})")
    raise UpstreamError(API, code, f"{message} ({what})")


def _period(page: Page, table: ComplexTable) -> tuple[str, str]:
    if table.period_param and table.period_param in page.request.params:
        month = page.request.params[table.period_param]
        return f"{month[:4]}-{month[4:6]}", "month"
    meta = page.request.meta
    if "period" not in meta or "period_type" not in meta:
        raise ParseError(f"{page.spec.name}: the request declares no period (meta.period)")
    return str(meta["period"]), str(meta["period_type"])


def _next_page(page: Page, answer: Answer) -> list[RequestSpec]:
    if not answer.per_page or answer.page * answer.per_page >= answer.total:
        return []
    param = "pageNo" if "pageNo" in page.request.params else "page"
    params = {**page.request.params, param: str(answer.page + 1)}
    return [page.request.model_copy(update={"params": params})]


def parse(page: Page) -> ParseResult:
    table = table_options(page.spec)
    operation = page.request.url.rsplit("/", 1)[-1]
    what = " ".join(
        [
            operation,
            *([page.request.params.get(table.period_param, "")] if table.period_param else []),
        ]
    ).strip()
    answer = read_answer(page)
    handled = _raise_for(answer, what)
    if handled is not None:
        return handled
    if not answer.rows and answer.page == 1:
        return no_data_result(API, answer.code or "00", "no rows", what)
    period, period_type = _period(page, table)
    slugs = {name: slug for slug, names in table.complexes.items() for name in names}
    result = ParseResult(follow=_next_page(page, answer))
    for row in answer.rows:
        name = str(row.get(table.complex_field, "")).strip()
        slug = slugs.get(name)
        if slug is None:
            continue
        region = region_codes().lookup(REGION_SCHEME, slug, period_start(period))
        if region is None:
            result.warnings.append(f"complex {slug!r} has no region code on {period}")
            continue
        for column, spec in table.columns.items():
            if column not in row:
                continue
            value, unit = split_value(row[column], spec.unit)
            result.records.append(
                observation(
                    page.spec.name,
                    table_id=table.table_id or operation,
                    indicator_id=f"{spec.indicator}.{slug}",
                    indicator_name=f"{spec.name or column} ({name})",
                    region_code=region,
                    region_name=name,
                    period=period,
                    period_type=period_type,
                    value=value,
                    unit=unit,
                    as_of=page.request.meta.get("as_of"),
                )
            )
    return result
