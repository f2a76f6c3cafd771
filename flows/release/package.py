"""``datapackage.json`` (Frictionless Data Package) and the release's README.

Each dataset is a resource pointing at its CSV, with a Table Schema (types, the dbt docs'
descriptions, the primary key), its bytes and sha256; the Parquet and JSON files are listed
as alternates. Sources carry their licence as the declaration states it, and the 공공누리
(KOGL) type where the statement names one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from flows.release.datasets import Dataset

KOGL_TYPES = {
    "1": ("KOGL-Type1", "공공누리 제1유형: 출처표시"),
    "2": ("KOGL-Type2", "공공누리 제2유형: 출처표시 + 상업적 이용금지"),
    "3": ("KOGL-Type3", "공공누리 제3유형: 출처표시 + 변경금지"),
    "4": ("KOGL-Type4", "공공누리 제4유형: 출처표시 + 상업적 이용금지 + 변경금지"),
}
KOGL_URL = "https://www.kogl.or.kr/info/licenseType{n}.do"
SAMPLES_NOTICE = (
    "SAMPLE DATA: this release was built from the samples bundled with the pipeline "
    "(`fez run --replay`). Its figures and announcements are invented examples, not real data."
)


@dataclass
class Descriptions:
    """What the dbt docs say about each model and its columns, by relation name."""

    models: dict[str, str] = field(default_factory=dict)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def from_dbt_manifest(cls, path: Path) -> Descriptions:
        """Read dbt's ``target/manifest.json``; empty when there is none yet."""
        if not path.exists():
            return cls()
        nodes = json.loads(path.read_text(encoding="utf-8")).get("nodes", {})
        found = cls()
        for node in nodes.values():
            if node.get("resource_type") != "model":
                continue
            name = node["name"]
            found.models[name] = " ".join(node.get("description", "").split())
            found.columns[name] = {
                col: " ".join(info.get("description", "").split())
                for col, info in node.get("columns", {}).items()
            }
        return found


def field_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_integer(arrow_type):
        return "integer"
    if pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        return "number"
    if pa.types.is_timestamp(arrow_type):
        return "datetime"
    if pa.types.is_date(arrow_type):
        return "date"
    if pa.types.is_time(arrow_type):
        return "time"
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "string"
    return "any"


def table_schema(dataset: Dataset, schema: pa.Schema, descriptions: Descriptions) -> dict:
    model = dataset.relation.rsplit(".", 1)[-1]
    documented = descriptions.columns.get(model, {})
    fields = []
    for column in schema:
        entry: dict[str, Any] = {"name": column.name, "type": field_type(column.type)}
        if documented.get(column.name):
            entry["description"] = documented[column.name]
        fields.append(entry)
    return {"fields": fields, "primaryKey": list(dataset.primary_key)}


def licences(statement: str) -> list[dict[str, str]]:
    """The KOGL licence a statement names (``공공누리 제1유형``), if any."""
    match = re.search(r"공공누리\s*제?\s*([1-4])\s*유형", statement)
    if not match:
        return []
    name, title = KOGL_TYPES[match.group(1)]
    return [{"name": name, "title": title, "path": KOGL_URL.format(n=match.group(1))}]


def source_entry(spec: Any) -> dict[str, Any]:
    """A Data Package source from a declared source (``sources.registry.SourceSpec``)."""
    entry: dict[str, Any] = {"name": spec.name, "title": spec.title}
    if spec.homepage:
        entry["path"] = spec.homepage
    entry["institution"] = spec.institution
    entry["licence"] = " ".join(spec.licence.split())
    if found := licences(spec.licence):
        entry["licenses"] = found
    return entry


def resource(
    dataset: Dataset,
    schema: pa.Schema,
    files: dict[str, tuple[int, str]],
    descriptions: Descriptions,
    status: str,
) -> dict[str, Any]:
    """The resource of one dataset; ``files`` maps file name → (bytes, sha256)."""
    model = dataset.relation.rsplit(".", 1)[-1]
    csv_bytes, csv_sha = files[f"{dataset.name}.csv"]
    entry: dict[str, Any] = {
        "name": dataset.name,
        "path": f"{dataset.name}.csv",
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "bytes": csv_bytes,
        "hash": f"sha256:{csv_sha}",
        "schema": table_schema(dataset, schema, descriptions),
        "status": status,
        "alternates": [
            {
                "path": f"{dataset.name}.{suffix}",
                "format": suffix,
                "bytes": files[f"{dataset.name}.{suffix}"][0],
                "hash": f"sha256:{files[f'{dataset.name}.{suffix}'][1]}",
            }
            for suffix in ("parquet", "json")
        ],
    }
    if descriptions.models.get(model):
        entry["description"] = descriptions.models[model]
    return entry


def data_package(
    release_id: str,
    created: str,
    samples: bool,
    resources: list[dict[str, Any]],
    sources: list[dict[str, Any]],
) -> dict[str, Any]:
    description = (
        "Announcements and statistics of the Ansan Science Valley Free Economic Zone "
        "(안산사이언스밸리 경제자유구역), as published by the ASV FEZ data pipeline."
    )
    return {
        "profile": "tabular-data-package",
        "name": "asv-fez",
        "title": "ASV FEZ data" + (" (SAMPLE DATA)" if samples else ""),
        "id": release_id,
        "version": release_id,
        "created": created,
        "description": (SAMPLES_NOTICE + " " if samples else "") + description,
        "samples": samples,
        "homepage": "https://github.com/asv-fez/asv-fez-pipeline",
        "sources": sources,
        "resources": resources,
    }


def readme(release_id: str, created: str, samples: bool, rows: dict[str, int]) -> str:
    lines = [f"# ASV FEZ data, release {release_id}", ""]
    if samples:
        lines += [f"**{SAMPLES_NOTICE}**", ""]
    lines += [
        f"Published {created}. Each dataset comes as Parquet (zstd), CSV (UTF-8 with BOM) and",
        "JSON; `datapackage.json` describes the columns, their types, primary keys, sources",
        "and licences, with each file's size and sha256. Timestamps are KST (+09:00); codes",
        "are strings: read the CSV files with the schema (or the Parquet files) to keep them so.",
        "`changes.json` counts the rows added, changed and removed since the release before.",
        "",
        "| dataset | rows |",
        "|---|---:|",
        *(f"| {name} | {count} |" for name, count in rows.items()),
        "",
    ]
    return "\n".join(lines)
