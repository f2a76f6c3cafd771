"""The announcement record every announcement parser returns (contract: expectations/rows.py)."""

from __future__ import annotations

from typing import Any

from sources.spec import SourceSpec

FIELDS = (
    "post_id", "url", "title", "posted_date", "department", "category_hint", "apply_start",
    "apply_end", "status_hint", "body_text", "attachments", "raw_payload",
)  # fmt: skip


def announcement(spec: SourceSpec, **fields: Any) -> dict[str, Any]:
    """A record with every contract key; keys not given are None (attachments: empty list)."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"not announcement fields: {', '.join(sorted(unknown))}")
    record: dict[str, Any] = {"source": spec.name, "institution": spec.institution}
    record.update({key: fields.get(key) for key in FIELDS})
    record["attachments"] = fields.get("attachments") or []
    return record
