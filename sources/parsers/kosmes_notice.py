"""KOSMES notices (중소벤처기업진흥공단, parent of the SME training institute): a JSON list by POST.

The HTML page is a skeleton; the rows come from ``notice_list.json`` as ``ds_infoList`` items
(SLNO id, TITL_NM title, REG_DTM posted). ``VALI_DT`` is how long the notice stays up, not an
application deadline. Rows badged 「중요」 are pinned and repeat on every page.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict

from sources.parsers import Page, ParseError, ParseResult, parse_options
from sources.parsers.announcement import announcement
from sources.parsers.dates import parse_date

PINNED_BADGES = ("중요", "공지")


class Options(BaseModel):
    """``detail_url`` builds a notice's link from its id (``{id}``)."""

    model_config = ConfigDict(extra="forbid")

    detail_url: str


def _posted(value: Any) -> Any:
    text = str(value or "").strip()
    if re.fullmatch(r"\d{9,14}", text):
        text = text[:8]
    return parse_date(text)


def _is_first_page(page: Page) -> bool:
    paging, number = page.spec.paging, page.request.meta.get("page")
    return paging is None or number is None or number == paging.start


def parse(page: Page) -> ParseResult:
    try:
        data = json.loads(page.text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"KOSMES notice list is not JSON ({exc.msg} at {exc.pos})") from exc
    info = data.get("pageInfo") if isinstance(data, dict) else None
    if isinstance(info, dict) and info.get("resultCd") not in (None, "", "0", "00", "000"):
        raise ParseError(f"KOSMES error {info.get('resultCd')}: {info.get('resultMsg')}")
    rows = data.get("ds_infoList") if isinstance(data, dict) else None
    where = f"{page.spec.name}: {page.url}"
    if not isinstance(rows, list):
        keys = ", ".join(sorted(data)) if isinstance(data, dict) else type(data).__name__
        return ParseResult(
            warnings=[f"layout_changed: {where}: no ds_infoList list (keys: {keys})"]
        )
    detail_url = parse_options(page.spec, Options).detail_url
    first_page = _is_first_page(page)
    records, undated = [], 0
    for row in rows:
        post_id, title = str(row.get("SLNO") or "").strip(), str(row.get("TITL_NM") or "").strip()
        if not post_id or not title:
            continue
        if row.get("BADGE_CD") in PINNED_BADGES and not first_page:
            continue
        posted = _posted(row.get("REG_DTM"))
        undated += posted is None
        records.append(
            announcement(
                page.spec,
                post_id=post_id,
                url=detail_url.format(id=post_id),
                title=" ".join(title.split()),
                posted_date=posted,
                raw_payload=row,
            )
        )
    warnings = []
    if rows and not records and first_page:
        warnings.append(f"layout_changed: {where}: {len(rows)} rows without SLNO/TITL_NM")
    if undated:
        warnings.append(f"layout_changed: {where}: {undated} of {len(records)} rows have no date")
    return ParseResult(records=records, warnings=warnings)
