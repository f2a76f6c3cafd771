"""K-Startup announcements (창업진흥원 via data.go.kr ``getAnnouncementInformation01``).

The answer is odcloud-like JSON (``data`` list), the standard ``response/body/items`` envelope,
or XML (``<item><col name="…">``). Gateway failures come back as XML
``OpenAPI_ServiceResponse`` even when JSON was asked for, usually with HTTP 200: they are
errors, never an empty list. ``supt_regin`` is not filtered by the server, so the options'
``regions`` are applied here.
"""

from __future__ import annotations

import json
from typing import Any

from bs4 import BeautifulSoup
from pydantic import BaseModel, ConfigDict

from sources.parsers import Page, ParseError, ParseResult, parse_options
from sources.parsers.announcement import announcement
from sources.parsers.markup import clean_text

DEFAULT_REGIONS = ["전국", "경기", "안산"]
DETAIL_URL = "https://www.k-startup.go.kr/web/contents/bizpbanc-ongoing.do?schM=view&pbancSn={id}"
OK_CODES = ("00", "0", "INFO-000")


class Options(BaseModel):
    """Keep announcements whose ``supt_regin`` names one of ``regions``."""

    model_config = ConfigDict(extra="forbid")

    regions: list[str] = DEFAULT_REGIONS


def _gateway_error(soup: BeautifulSoup) -> str | None:
    header = soup.find("cmmMsgHeader")
    if header is None:
        return None
    parts = [header.find(n) for n in ("returnReasonCode", "returnAuthMsg", "errMsg")]
    return " ".join(p.get_text(strip=True) for p in parts if p is not None)


def _xml_rows(body: bytes) -> list[dict[str, Any]]:
    soup = BeautifulSoup(body, "xml")
    error = _gateway_error(soup)
    if error:
        raise ParseError(f"data.go.kr gateway error {error}")
    code = soup.find("resultCode")
    if code is not None and code.get_text(strip=True) not in OK_CODES:
        message = soup.find("resultMsg")
        text = message.get_text(strip=True) if message else ""
        raise ParseError(f"data.go.kr error {code.get_text(strip=True)}: {text}")
    rows = []
    for item in soup.find_all("item"):
        cols = item.find_all("col")
        if cols:
            rows.append({c.get("name"): c.get_text(strip=True) for c in cols})
        else:
            rows.append({c.name: c.get_text(strip=True) for c in item.find_all(recursive=False)})
    return rows


def _json_rows(text: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"K-Startup answer is neither XML nor JSON ({exc.msg})") from exc
    if not isinstance(data, dict):
        raise ParseError(f"K-Startup JSON is a {type(data).__name__}, not an object")
    if "returnReasonCode" in data or "OpenAPI_ServiceResponse" in data:
        inner = data.get("OpenAPI_ServiceResponse", {}).get("cmmMsgHeader", data)
        raise ParseError(
            f"data.go.kr gateway error {inner.get('returnReasonCode')} {inner.get('errMsg')}"
        )
    if "data" in data:
        rows = data["data"]
    else:
        response = data.get("response", {})
        header = response.get("header", {})
        if header.get("resultCode") not in OK_CODES:
            raise ParseError(
                f"data.go.kr error {header.get('resultCode')}: {header.get('resultMsg')}"
            )
        items = (response.get("body") or {}).get("items") or {}
        rows = items.get("item", []) if isinstance(items, dict) else items
    rows = [rows] if isinstance(rows, dict) else rows
    if not isinstance(rows, list):
        raise ParseError("K-Startup JSON has no list of rows")
    return [r for r in rows if isinstance(r, dict)]


def read_rows(page: Page) -> list[dict[str, Any]]:
    text = page.text.lstrip("\ufeff \r\n\t")
    return _xml_rows(page.body) if text.startswith("<") else _json_rows(text)


def _text(row: dict[str, Any], key: str) -> str:
    return clean_text(str(row.get(key) or ""))


def _period(row: dict[str, Any]) -> str | None:
    """The API's start and end fields (YYYYMMDD) as one period text for the reader."""
    start, end = _text(row, "pbanc_rcpt_bgng_dt"), _text(row, "pbanc_rcpt_end_dt")
    return f"{start} ~ {end}" if start or end else None


def _record(page: Page, row: dict[str, Any]) -> dict[str, Any] | None:
    post_id = _text(row, "pbanc_sn")
    title = _text(row, "biz_pbanc_nm") or _text(row, "intg_pbanc_biz_nm")
    if not post_id or not title:
        return None
    body = str(row.get("pbanc_ctnt") or "").replace("\r\n", "\n").strip()
    return announcement(
        page.spec,
        post_id=post_id,
        url=_text(row, "detl_pg_url") or DETAIL_URL.format(id=post_id),
        title=title,
        department=_text(row, "pbanc_ntrp_nm") or None,
        category_hint=_text(row, "supt_biz_clsfc") or None,
        period_text=_period(row),
        status_hint="closed" if _text(row, "rcrt_prgs_yn") == "N" else None,
        body_text=body or None,
        raw_payload=row,
    )


def parse(page: Page) -> ParseResult:
    regions = parse_options(page.spec, Options).regions
    records = []
    for row in read_rows(page):
        region = _text(row, "supt_regin")
        if region and not any(r in region for r in regions):
            continue
        record = _record(page, row)
        if record is not None:
            records.append(record)
    return ParseResult(records=records)
