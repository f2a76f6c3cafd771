"""The dbt ``raw`` sources' column docs, generated from the record contract.

``dbt_project/models/staging/_raw__sources.yml`` keeps its hand-written parts (descriptions of
the tables, freshness); the ``columns`` of each raw table are rewritten from its model in
``expectations/contract.py``. ``tests/test_record_contract.py`` fails when the file drifts;
``uv run python -m expectations.sources_yml`` rewrites it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

from expectations.contract import RAW_TABLES, table_columns

SOURCES_YML = Path(__file__).parents[1] / "dbt_project" / "models" / "staging" / "_raw__sources.yml"
HEADER = (
    "# Generated in part: each raw table's `columns` come from its pandera model in\n"
    "# expectations/contract.py (`uv run python -m expectations.sources_yml` rewrites them).\n"
)


def _columns(name: str) -> list[dict[str, Any]]:
    table = next(t for t in RAW_TABLES if t.name == name)
    return [
        {"name": column, "description": description, "data_type": kind}
        for column, kind, _, description in table_columns(table)
    ]


def render(text: str) -> str:
    """``text`` (the sources file) with every raw table's columns taken from the contract."""
    document = yaml.safe_load(text)
    names = {t.name for t in RAW_TABLES}
    for source in document["sources"]:
        source["description"] = source.get("description", "").strip()
        for table in source["tables"]:
            table["description"] = table.get("description", "").strip()
            if table["name"] in names and "identifier" not in table:
                table["columns"] = _columns(table["name"])
    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    return HEADER + body


def main() -> int:
    SOURCES_YML.write_text(render(SOURCES_YML.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {SOURCES_YML}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
