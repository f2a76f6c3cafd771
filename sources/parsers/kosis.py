"""KOSIS OpenAPI ``statisticsParameterData``: plan the requests of a table, parse the cells.

A source's ``options`` declare one KOSIS table: its items (each mapped to an indicator id),
the regions in the table's own code scheme, fixed codes for the other classification axes,
the periods to backfill and the rolling window of latest periods. Adding a table is a YAML
file. KOSIS refuses answers above 40,000 cells (err 31), so ``plan`` splits a long history
by period (and by region when one period is already too large), and a request refused with
err 31 anyway is split in two halves through ``ParseResult.follow``.

KOSIS answers every failure with HTTP 200 and ``{"err", "errMsg"}``, so the body decides.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sources.parsers import Page, ParseError, ParseResult, parse_options
from sources.parsers.api_errors import (
    ApiConfigError,
    ApiRequestError,
    QuotaError,
    TooManyCellsError,
    UpstreamError,
    no_data_result,
)
from sources.parsers.observations import observation, period_start, split_value
from sources.parsers.regions import region_codes
from sources.spec import RequestSpec, SourceSpec

API = "KOSIS"
ENDPOINT = "https://kosis.kr/openapi/Param/statisticsParameterData.do"
MAX_CELLS = 40_000
PER_MINUTE_WAIT = 60.0
PERIOD_TYPES = {"A": "year", "Y": "year", "H": "half", "Q": "quarter", "M": "month"}
PRD_SE = {"year": "Y", "half": "H", "quarter": "Q", "month": "M"}
STEPS_PER_YEAR = {"year": 1, "half": 2, "quarter": 4, "month": 12}


class History(BaseModel):
    """Periods to backfill, as KOSIS writes them: '2015', '202501' (month, quarter or half)."""

    model_config = ConfigDict(extra="forbid")

    start: str
    end: str


class KosisTable(BaseModel):
    model_config = ConfigDict(extra="forbid")

    org_id: str = "101"
    table_id: str
    period_type: Literal["year", "half", "quarter", "month"]
    region_scheme: str
    regions: list[str] = Field(min_length=1)
    items: dict[str, str] = Field(min_length=1, description="KOSIS ITM_ID → our indicator id")
    axes: dict[str, str] = Field(default_factory=dict, description="objL2..objL8 → one code")
    history: History | None = None
    latest: int | None = Field(None, ge=1, description="newEstPrdCnt: the latest N periods")
    max_cells: int = Field(MAX_CELLS, ge=1, le=MAX_CELLS)

    @field_validator("axes")
    @classmethod
    def _one_code_per_axis(cls, axes: dict[str, str]) -> dict[str, str]:
        for name, code in axes.items():
            if not name.startswith("objL") or name == "objL1":
                raise ValueError(f"{name}: axes are objL2..objL8 (regions are objL1)")
            if "+" in code or code.upper() == "ALL" or not code:
                raise ValueError(f"{name}: fix each axis to one code (got {code!r})")
        return axes


Options = KosisTable


def table_options(spec: SourceSpec) -> KosisTable:
    return parse_options(spec, KosisTable)


def _step(code: str, period_type: str) -> int:
    """A KOSIS period code as a running number of periods since year 0."""
    steps = STEPS_PER_YEAR[period_type]
    sub = int(code[4:]) if steps > 1 else 1
    return int(code[:4]) * steps + sub - 1


def _code(step: int, period_type: str) -> str:
    steps = STEPS_PER_YEAR[period_type]
    year, sub = divmod(step, steps)
    return f"{year}" if steps == 1 else f"{year}{sub + 1:02d}"


def period_codes(start: str, end: str, period_type: str) -> list[str]:
    """Every KOSIS period code from ``start`` to ``end``: ('202511', '202602', month) → 4 codes."""
    first, last = _step(start, period_type), _step(end, period_type)
    if last < first:
        raise ParseError(f"history ends ({end}) before it starts ({start})")
    return [_code(s, period_type) for s in range(first, last + 1)]


def _request(
    table: KosisTable, regions: list[str], extra: dict[str, str], meta: dict[str, Any]
) -> RequestSpec:
    params = {
        "method": "getList",
        "apiKey": "{api_key}",
        "orgId": table.org_id,
        "tblId": table.table_id,
        "itmId": "+".join(table.items),
        "objL1": "+".join(regions),
        **table.axes,
        "prdSe": PRD_SE[table.period_type],
        **extra,
        "format": "json",
        "jsonVD": "Y",
    }
    return RequestSpec(url=ENDPOINT, params=params, kind="data", meta=meta)


def _region_groups(table: KosisTable) -> list[list[str]]:
    per_region = len(table.items)
    per_group = table.max_cells // per_region
    if per_group == 0:
        raise ParseError(
            f"{table.table_id}: one region and period is {per_region} cells, over the "
            f"budget of {table.max_cells}"
        )
    return [table.regions[i : i + per_group] for i in range(0, len(table.regions), per_group)]


def plan(spec: SourceSpec) -> list[RequestSpec]:
    """The requests for the declared history, each at most ``max_cells`` cells, and the window."""
    table = table_options(spec)
    requests: list[RequestSpec] = []
    for regions in _region_groups(table):
        cells_per_period = len(table.items) * len(regions)
        if table.history:
            codes = period_codes(table.history.start, table.history.end, table.period_type)
            size = table.max_cells // cells_per_period
            for i in range(0, len(codes), size):
                chunk = codes[i : i + size]
                extra = {"startPrdDe": chunk[0], "endPrdDe": chunk[-1]}
                meta = {"regions": regions, "start": chunk[0], "end": chunk[-1]}
                requests.append(_request(table, regions, extra, meta))
        if table.latest:
            window = min(table.latest, max(1, table.max_cells // cells_per_period))
            meta = {"regions": regions, "latest": window}
            requests.append(_request(table, regions, {"newEstPrdCnt": str(window)}, meta))
    return requests


def split_request(request: RequestSpec, period_type: str) -> list[RequestSpec]:
    """Two requests covering ``request``'s periods (or regions) in halves; [] if it is one cell."""
    meta, params = request.meta, request.params
    if meta.get("start") and meta.get("end") and meta["start"] != meta["end"]:
        codes = period_codes(meta["start"], meta["end"], period_type)
        halves = [codes[: len(codes) // 2], codes[len(codes) // 2 :]]
        return [
            request.model_copy(
                update={
                    "params": {**params, "startPrdDe": h[0], "endPrdDe": h[-1]},
                    "meta": {**meta, "start": h[0], "end": h[-1]},
                }
            )
            for h in halves
        ]
    regions = params.get("objL1", "").split("+")
    if len(regions) > 1:
        halves = [regions[: len(regions) // 2], regions[len(regions) // 2 :]]
        return [
            request.model_copy(
                update={
                    "params": {**params, "objL1": "+".join(h)},
                    "meta": {**meta, "regions": h},
                }
            )
            for h in halves
        ]
    return []


def _what(request: RequestSpec) -> str:
    params = request.params
    periods = (
        f"{params['startPrdDe']}-{params['endPrdDe']}"
        if "startPrdDe" in params
        else f"latest {params.get('newEstPrdCnt', '?')}"
    )
    return f"{params.get('tblId', '?')} {params.get('objL1', '?')} {periods}"


def _error(page: Page, code: str, message: str) -> ParseResult:
    what = _what(page.request)
    if code == "30":
        return no_data_result(API, code, message, what)
    if code == "31":
        period_type = table_options(page.spec).period_type
        halves = split_request(page.request, period_type)
        if halves:
            return ParseResult(
                follow=halves, warnings=[f"split: KOSIS 31 over {MAX_CELLS} cells ({what})"]
            )
        raise TooManyCellsError(API, code, f"{message} ({what})")
    if code in ("10", "11"):
        raise ApiConfigError(API, code, message)
    if code == "40":
        raise QuotaError(API, code, message, retry_after=PER_MINUTE_WAIT)
    if code == "50":
        raise UpstreamError(API, code, message)
    raise ApiRequestError(API, code, f"{message} ({what})")


def format_period(code: str, period_type: str) -> str:
    if period_type == "month":
        return f"{code[:4]}-{code[4:6]}"
    if period_type == "quarter":
        return f"{code[:4]}-Q{code[-1]}"
    if period_type == "half":
        return f"{code[:4]}-H{code[-1]}"
    return code[:4]


def _record(page: Page, table: KosisTable, cell: dict[str, Any]) -> dict[str, Any] | str:
    """One observation, or the reason the cell was left out."""
    if not isinstance(cell, dict):
        return f"a cell is a {type(cell).__name__}, not an object"
    indicator = table.items.get(str(cell.get("ITM_ID", "")))
    if indicator is None:
        return f"item {cell.get('ITM_ID')!r} is not declared in options.items"
    period_type = PERIOD_TYPES.get(str(cell.get("PRD_SE", "")), table.period_type)
    period = format_period(str(cell.get("PRD_DE", "")), period_type)
    try:
        starts = period_start(period)
    except ValueError:
        return f"period {cell.get('PRD_DE')!r} is not a {period_type}"
    source_code = str(cell.get("C1", ""))
    region = region_codes().lookup(table.region_scheme, source_code, starts)
    if region is None:
        return f"region {source_code!r} ({table.region_scheme}) has no code on {period}"
    value, unit = split_value(cell.get("DT"), cell.get("UNIT_NM"))
    return observation(
        page.spec.name,
        table_id=cell.get("TBL_ID", table.table_id),
        indicator_id=indicator,
        indicator_name=cell.get("ITM_NM"),
        region_code=region,
        region_name=cell.get("C1_NM"),
        period=period,
        period_type=period_type,
        value=value,
        unit=unit,
        as_of=cell.get("LST_CHN_DE"),
    )


def parse(page: Page) -> ParseResult:
    try:
        payload = json.loads(page.text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"KOSIS answer is not JSON (is jsonVD=Y set?): {exc}") from exc
    if isinstance(payload, dict) and "err" in payload:
        return _error(page, str(payload["err"]), str(payload.get("errMsg", "")))
    if not isinstance(payload, list):
        raise ParseError(f"KOSIS answer is a {type(payload).__name__}, expected a list of cells")
    table = table_options(page.spec)
    result = ParseResult()
    skipped: dict[str, int] = {}
    for cell in payload:
        record = _record(page, table, cell)
        if isinstance(record, str):
            skipped[record] = skipped.get(record, 0) + 1
        else:
            result.records.append(record)
    result.warnings.extend(f"skipped {n} cell(s): {why}" for why, n in skipped.items())
    return result
