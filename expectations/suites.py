"""The quality gate's suites: Great Expectations suite files in ``expectations/suites/``.

Each file is a GX ``ExpectationSuite`` as JSON (name, expectations with ``type`` and
``kwargs``) whose ``meta`` names the measured batch it validates (``expectations/measures.py``)
and whether a failure blocks the release (``critical``). Edit the files, not code, to change
a judgement; reading them needs no GX import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SUITES_DIR = Path(__file__).with_name("suites")


@dataclass(frozen=True)
class SuiteFile:
    name: str
    batch: str
    critical: bool
    description: str
    document: dict[str, Any]


def load_suites(directory: Path = SUITES_DIR) -> list[SuiteFile]:
    """Every suite file, by name."""
    suites = []
    for path in sorted(directory.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        meta = document.get("meta", {})
        suites.append(
            SuiteFile(
                name=document["name"],
                batch=meta["batch"],
                critical=bool(meta.get("critical", True)),
                description=meta.get("description", ""),
                document=document,
            )
        )
    return suites
