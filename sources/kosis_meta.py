"""Check a KOSIS source's declaration against the table's own description (getMeta, type=ITM).

A KOSIS table's item codes, classification axes and region codes are easy to get wrong in a
YAML file, and KOSIS only says so one request at a time (err 20 for too few ``objL`` levels,
err 21 for too many, no data for an unknown code). One getMeta call lists them all: the
items (``OBJ_ID`` "ITEM") and every axis code, in one flat array. ``fez probe`` runs it for
sources whose parser is ``kosis``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sources.fetch.client import Fetcher
from sources.parsers import ParseError
from sources.parsers.api_errors import ApiConfigError, ApiRequestError, QuotaError, UpstreamError
from sources.parsers.kosis import API, ENDPOINT, PER_MINUTE_WAIT, table_options
from sources.registry import RequestSpec, SourceSpec

META_PATH = "/openapi/statisticsData.do"
ITEM_AXIS = "ITEM"


@dataclass
class MetaAxis:
    obj_id: str
    name: str
    codes: set[str] = field(default_factory=set)


@dataclass
class MetaReport:
    source: str
    table: str
    url: str = ""
    error: str | None = None
    items: dict[str, tuple[str, str]] = field(default_factory=dict)  # ITM_ID → (ITM_NM, UNIT_NM)
    axes: list[MetaAxis] = field(default_factory=list)
    levels_sent: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.problems


def meta_request(spec: SourceSpec, api_key: str) -> RequestSpec:
    """The getMeta ITM request, on the host of the spec's first request (so that an overlay
    pointing the source at a mirror or test server moves this call too)."""
    table = table_options(spec)
    first = urlsplit(spec.requests[0].url if spec.requests else ENDPOINT)
    params = {
        "method": "getMeta",
        "type": "ITM",
        "apiKey": api_key,
        "orgId": table.org_id,
        "tblId": table.table_id,
        "format": "json",
        "jsonVD": "Y",
    }
    url = f"{first.scheme}://{first.netloc}{META_PATH}"
    return RequestSpec(url=url, params=params, kind="meta")


def _raise_error(code: str, message: str) -> None:
    """The same classes as the data parser; no data (30) means the table itself is unknown."""
    if code in ("10", "11"):
        raise ApiConfigError(API, code, message)
    if code == "40":
        raise QuotaError(API, code, message, retry_after=PER_MINUTE_WAIT)
    if code == "50":
        raise UpstreamError(API, code, message)
    raise ApiRequestError(API, code, message)


def _axes(rows: list[dict[str, Any]]) -> list[MetaAxis]:
    """Classification axes in objL order: by OBJ_ID_SN when given, else as first listed."""
    found: dict[str, tuple[float, int, MetaAxis]] = {}
    for row in rows:
        obj_id = str(row.get("OBJ_ID", ""))
        if not obj_id or obj_id == ITEM_AXIS:
            continue
        if obj_id not in found:
            sn = str(row.get("OBJ_ID_SN", "")).strip()
            order = float(sn) if sn.isdigit() else float("inf")
            found[obj_id] = (order, len(found), MetaAxis(obj_id, str(row.get("OBJ_NM", ""))))
        found[obj_id][2].codes.add(str(row.get("ITM_ID", "")))
    return [axis for _, _, axis in sorted(found.values(), key=lambda t: t[:2])]


def check_meta(spec: SourceSpec, body: bytes) -> MetaReport:
    """Compare the getMeta ITM answer with the spec's options; raise the typed KOSIS error."""
    table = table_options(spec)
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ParseError(f"KOSIS getMeta answer is not JSON (is jsonVD=Y set?): {exc}") from exc
    if isinstance(payload, dict) and "err" in payload:
        _raise_error(str(payload["err"]), str(payload.get("errMsg", "")))
    if not isinstance(payload, list):
        raise ParseError(f"KOSIS getMeta answer is a {type(payload).__name__}, expected a list")
    report = MetaReport(spec.name, f"{table.org_id}/{table.table_id}")
    rows = [r for r in payload if isinstance(r, dict)]
    for row in rows:
        if row.get("OBJ_ID") == ITEM_AXIS:
            item = (str(row.get("ITM_NM", "")), str(row.get("UNIT_NM", "")))
            report.items[str(row.get("ITM_ID"))] = item
    report.axes = _axes(rows)
    report.levels_sent = 1 + len(table.axes)

    for code, indicator in table.items.items():
        if code in report.items:
            name, unit = report.items[code]
            report.notes.append(f"item {code} {name} ({unit or 'no unit'}) -> {indicator}")
        else:
            report.problems.append(f"item {code} ({indicator}) is declared but unknown to KOSIS")
    for code, (name, unit) in report.items.items():
        if code not in table.items:
            report.notes.append(f"item {code} {name} ({unit or 'no unit'}) is not declared")

    needed, sent = len(report.axes), report.levels_sent
    listed = ", ".join(f"{a.obj_id} {a.name}" for a in report.axes) or "none"
    report.notes.append(f"axes: {listed}")
    if sent < needed:
        report.problems.append(f"KOSIS lists {needed} axes, the YAML sends {sent} objL: err 20")
    elif sent > needed:
        report.problems.append(f"KOSIS lists {needed} axes, the YAML sends {sent} objL: err 21")

    declared = {"objL1": table.regions, **{k: [v] for k, v in table.axes.items()}}
    for name, codes in declared.items():
        index = int(name.removeprefix("objL")) - 1
        if index < len(report.axes):
            axis = report.axes[index]
            unknown = [c for c in codes if c not in axis.codes]
            if unknown:
                report.problems.append(f"{name} codes {unknown} are not in axis {axis.obj_id}")
    return report


def probe_kosis(spec: SourceSpec, fetcher: Fetcher, api_key: str) -> MetaReport:
    """Fetch the table's getMeta ITM answer and check it; a failure becomes ``error``."""
    request = meta_request(spec, api_key)
    result = fetcher.fetch(spec, request, conditional=False)
    table = f"{request.params['orgId']}/{request.params['tblId']}"
    failed = MetaReport(spec.name, table, url=result.url)
    if not result.ok:
        failed.error = result.error or f"HTTP {result.status}"
        return failed
    try:
        report = check_meta(spec, result.body)
    except ParseError as exc:  # the typed KOSIS errors are ParseErrors too
        failed.error = str(exc)
        return failed
    report.url = result.url
    return report


def format_meta(report: MetaReport) -> str:
    """One line per finding: the verdict, then problems, then what was found."""
    verdict = "ok" if report.ok else "NOT OK"
    lines = [f"probe {report.source}: KOSIS getMeta ITM {report.table} -> {verdict}"]
    if report.error:
        return "\n".join([*lines, f"error: {report.error}"])
    lines.extend(f"problem: {p}" for p in report.problems)
    lines.extend(report.notes)
    return "\n".join(lines)
