"""경기테크노파크 business calls (pms.gtp.or.kr): list rows in ``table.t01``.

The visible title is truncated by the site; the full one is in the link's ``title``
attribute. The id is in ``onclick="fn_goView('172323')"``, not in the number column. The last
cell holds the application period ("start <br>~ end") or 「마감」 for closed calls.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, SoupStrainer

from sources.parsers import Page, ParseResult
from sources.parsers.dates import parse_period

_ID = re.compile(r"fn_goView\(\s*'?(\d+)'?\s*\)")


def _cell_text(cell) -> str:
    return " ".join(cell.get_text(" ", strip=True).split())


def parse(page: Page) -> ParseResult:
    soup = BeautifulSoup(page.text, "lxml", parse_only=SoupStrainer("table", class_="t01"))
    detail_url = page.spec.options["detail_url"]
    records = []
    for row in soup.select("tbody tr"):
        cells = row.find_all("td")
        link = row.select_one("td.subject a")
        match = _ID.search(link.get("onclick", "")) if link else None
        if len(cells) < 6 or not match:
            continue
        post_id = match.group(1)
        period_text = _cell_text(cells[5])
        start, end = parse_period(period_text)
        records.append(
            {
                "source": page.spec.name,
                "institution": page.spec.institution,
                "post_id": post_id,
                "url": detail_url.format(id=post_id),
                "title": (link.get("title") or _cell_text(link)).strip(),
                "posted_date": None,
                "department": _cell_text(cells[4]) or None,
                "category_hint": _cell_text(cells[2]) or None,
                "apply_start": start,
                "apply_end": end,
                "status_hint": "closed" if period_text == "마감" else None,
            }
        )
    return ParseResult(records=records)
