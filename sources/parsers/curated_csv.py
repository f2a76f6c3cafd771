"""Curated tables: figures with no API, kept as a CSV in ``sources/`` beside a provenance file.

The CSV (one figure a row) and its provenance sidecar (publisher, title, URL, dates published
and accessed, licence) are read from the source's folder; nothing goes over the network.
``local_page`` wraps the CSV as a ``Page`` so that it is parsed like any fetched answer.
Each row says how its figure was checked (``verification``): only ``publisher_table``
figures were read in the publisher's own table; the others are labelled in ``note``.
"""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, HttpUrl, ValidationError

from sources.parsers import Page, ParseError, ParseResult, parse_options
from sources.parsers.observations import observation, split_value
from sources.spec import RequestSpec, SourceSpec, first_error

COLUMNS = [
    "indicator_id", "indicator_name", "region_code", "region_name", "period", "period_type",
    "value", "unit", "verification", "note",
]  # fmt: skip
VERIFICATIONS = {
    "publisher_table": None,
    "press_report": "reported by the press; the publisher's table was not read",
    "unverified": "not verified against any publication",
}


class Provenance(BaseModel):
    model_config = ConfigDict(extra="allow")

    publisher: str
    title: str
    url: HttpUrl
    date_published: date
    date_accessed: date
    licence: str


class CuratedOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    csv: str
    provenance: str
    table_id: str


Options = CuratedOptions


def curated_options(spec: SourceSpec) -> CuratedOptions:
    return parse_options(spec, CuratedOptions)


def _folder(spec: SourceSpec) -> Path:
    if spec.file is None:
        raise ParseError(f"{spec.name}: a curated table needs its declaration's folder")
    return spec.file.parent


def read_provenance(spec: SourceSpec) -> Provenance:
    path = _folder(spec) / curated_options(spec).provenance
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Provenance.model_validate(raw)
    except OSError as exc:
        raise ParseError(f"{spec.name}: cannot read provenance {path.name}: {exc}") from exc
    except ValidationError as exc:
        raise ParseError(f"{spec.name}: provenance {path.name}: {first_error(exc)}") from exc


def local_page(spec: SourceSpec) -> Page:
    """The CSV as a page; its fetch id is derived from the file's bytes."""
    path = _folder(spec) / curated_options(spec).csv
    body = path.read_bytes()
    return Page(
        spec=spec,
        request=RequestSpec(url=path.name, kind="file"),
        url=path.name,
        status=200,
        headers={"Content-Type": "text/csv; charset=utf-8"},
        body=body,
        fetch_id="file-" + hashlib.sha256(body).hexdigest()[:32],
    )


def _record(spec: SourceSpec, options: CuratedOptions, as_of: date, row: dict) -> dict[str, Any]:
    verification = row["verification"].strip()
    if verification not in VERIFICATIONS:
        raise ParseError(
            f"{spec.name}: verification {verification!r} is not one of {', '.join(VERIFICATIONS)}"
        )
    label = VERIFICATIONS[verification]
    note = "; ".join(n for n in (label, row["note"].strip()) if n) or None
    value, unit = split_value(row["value"], row["unit"].strip() or None)
    return observation(
        spec.name,
        table_id=options.table_id,
        indicator_id=row["indicator_id"].strip(),
        indicator_name=row["indicator_name"].strip(),
        region_code=row["region_code"].strip(),
        region_name=row["region_name"].strip(),
        period=row["period"].strip(),
        period_type=row["period_type"].strip(),
        value=value,
        unit=unit,
        as_of=as_of.isoformat(),
        note=note,
    )


def parse(page: Page) -> ParseResult:
    spec = page.spec
    options = curated_options(spec)
    provenance = read_provenance(spec)
    try:
        text = page.body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(f"{spec.name}: {options.csv} is not UTF-8: {exc}") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ParseError(f"{spec.name}: {options.csv} lacks column(s) {', '.join(missing)}")
    records = []
    try:
        for row in reader:
            if None in row or None in row.values():
                raise ParseError(
                    f"{spec.name}: {options.csv} line {reader.line_num} has "
                    f"{'more' if None in row else 'fewer'} fields than the header"
                )
            records.append(_record(spec, options, provenance.date_published, row))
    except csv.Error as exc:
        raise ParseError(f"{spec.name}: {options.csv} line {reader.line_num}: {exc}") from exc
    unchecked = sum(1 for r in records if r["note"])
    warnings = (
        [f"{unchecked} of {len(records)} figure(s) not read in the publisher's table"]
        if unchecked
        else []
    )
    return ParseResult(records=records, warnings=warnings)
