"""The announcement record every announcement parser returns (model: expectations/contract.py).

Parsers give what the post says; the period fields are read here, once, by
``sources.parsers.periods.read_period`` from the source's own period text (``period_text``),
the title and the body, so every source gets the same reading.
"""

from __future__ import annotations

import re
from typing import Any

from sources.parsers.periods import read_period
from sources.parsers.programmes import programme_title
from sources.spec import SourceSpec

# What a parser gives.
INPUTS = (
    "post_id", "url", "title", "posted_date", "department", "category_hint", "status_hint",
    "body_text", "attachments", "raw_payload",
)  # fmt: skip
# What the reader adds (issue #12).
READ = (
    "apply_start", "apply_end", "apply_rolling", "apply_extended", "period_evidence",
    "period_origin", "programme_title",
)  # fmt: skip
FIELDS = INPUTS + READ
# A title the site marks closed: [마감], (마감), 「접수마감」 …
_CLOSED_TITLE = re.compile(
    r"[\[(（「<【［]\s*(?:접수\s*|모집\s*)?마감(?:\s*완료|\s*됨)?\s*[\])）」>】］]"
)


def announcement(spec: SourceSpec, *, period_text: str | None = None, **fields: Any) -> dict:
    """A record with every contract key; keys not given are None (attachments: empty list).

    ``period_text`` is the source's own application period (an API field, a list cell, a
    labelled detail field), read before the title and body.
    """
    unknown = set(fields) - set(INPUTS)
    if unknown:
        raise TypeError(f"not announcement inputs: {', '.join(sorted(unknown))}")
    record: dict[str, Any] = {"source": spec.name, "institution": spec.institution}
    record.update({key: fields.get(key) for key in INPUTS})
    record["attachments"] = fields.get("attachments") or []
    title = record["title"] or ""
    period = read_period(
        title, record["body_text"], field=period_text, posted=record["posted_date"]
    )
    record.update(
        apply_start=period.start,
        apply_end=period.end,
        apply_rolling=period.rolling,
        apply_extended=period.extended,
        period_evidence=period.evidence,
        period_origin=period.origin,
        programme_title=programme_title(title),
    )
    if record["status_hint"] is None and _CLOSED_TITLE.search(title):
        record["status_hint"] = "closed"
    return record
