"""KOSIS OpenAPI ``statisticsParameterData``: a bare JSON array of cells, or ``{err, errMsg}``.

KOSIS answers every failure with HTTP 200 and an error object, so the body decides.
"""

from __future__ import annotations

import json

from sources.parsers import Page, ParseError, ParseResult

PERIOD_TYPES = {"A": "year", "Y": "year", "Q": "quarter", "M": "month", "H": "half"}


class KosisApiError(ParseError):
    def __init__(self, code: str, message: str):
        super().__init__(f"KOSIS error {code}: {message}")
        self.code, self.message = code, message


def region_code(code: str) -> str:
    """KOSIS 행안부 codes as five digits: the nation 00 → 00000, a province 41 → 41000."""
    return code.ljust(5, "0")


def format_period(raw: str, period_type: str) -> str:
    if period_type == "month":
        return f"{raw[:4]}-{raw[4:6]}"
    if period_type == "quarter":
        return f"{raw[:4]}-Q{raw[-1]}"
    return raw[:4]


def parse(page: Page) -> ParseResult:
    try:
        payload = json.loads(page.text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"KOSIS answer is not JSON (is jsonVD=Y set?): {exc}") from exc
    if isinstance(payload, dict) and "err" in payload:
        raise KosisApiError(str(payload["err"]), str(payload.get("errMsg", "")))
    if not isinstance(payload, list):
        raise ParseError(f"KOSIS answer is a {type(payload).__name__}, expected a list of cells")
    records = []
    for cell in payload:
        period_type = PERIOD_TYPES.get(cell.get("PRD_SE", ""), "year")
        records.append(
            {
                "source": page.spec.name,
                "table_id": cell["TBL_ID"],
                "indicator_id": f"{cell['TBL_ID']}.{cell['ITM_ID']}",
                "indicator_name": cell.get("ITM_NM"),
                "region_code": region_code(cell["C1"]),
                "region_name": cell.get("C1_NM"),
                "period": format_period(cell["PRD_DE"], period_type),
                "period_type": period_type,
                "value": cell.get("DT"),
                "unit": cell.get("UNIT_NM"),
                "as_of": cell.get("LST_CHN_DE"),
            }
        )
    return ParseResult(records=records)
