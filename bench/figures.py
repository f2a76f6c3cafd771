"""A benchmark figure beside its target, and the results file that carries a run's figures."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from zoneinfo import ZoneInfo

STACK = ("prefect", "dbt-core", "dbt-duckdb", "duckdb", "great-expectations", "pandera")


@dataclass(frozen=True)
class Figure:
    """One measured value; ``at_most`` targets are ceilings, the others floors."""

    name: str
    value: float
    unit: str
    target: float | None = None
    at_most: bool = True
    note: str = ""

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.value <= self.target if self.at_most else self.value >= self.target

    @property
    def verdict(self) -> str:
        return {None: "-", True: "met", False: "MISSED"}[self.met]


def _commit(repo: Path) -> str:
    result = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=repo, capture_output=True, text=True
    )
    return result.stdout.strip() or "unknown"


def machine() -> dict[str, object]:
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        **{name: version(name) for name in STACK},
    }


def markdown(figures: list[Figure], errors: list[str], about: dict[str, object]) -> str:
    lines = [
        "| figure | value | target | verdict |",
        "|---|---|---|---|",
    ]
    for figure in figures:
        target = (
            "" if figure.target is None else f"{'≤' if figure.at_most else '≥'} {figure.target:g}"
        )
        lines.append(
            f"| {figure.name} | {figure.value:.3g} {figure.unit} | {target} | {figure.verdict} |"
        )
    header = ", ".join(f"{key} {value}" for key, value in about.items())
    body = "\n".join(lines)
    failures = "".join(f"\n- FAILED {error}" for error in errors)
    return f"{header}\n\n{body}\n{failures}\n"


def write_results(
    figures: list[Figure], errors: list[str], repo: Path, quick: bool
) -> tuple[Path, str]:
    """Write ``bench/results/<date>-<commit>[-quick].json`` and return it with its table."""
    now = datetime.now(ZoneInfo("Asia/Seoul"))
    about = {"commit": _commit(repo), "measured_at": now.isoformat(timespec="seconds")}
    about |= machine()
    stem = f"{now:%Y-%m-%d}-{about['commit']}" + ("-quick" if quick else "")
    out = repo / "bench" / "results" / f"{stem}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        **about,
        "quick": quick,
        "figures": [asdict(f) | {"verdict": f.verdict} for f in figures],
        "errors": errors,
    }
    out.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    table = markdown(figures, errors, about)
    out.with_suffix(".md").write_text(table)
    return out, table


def save(figures: list[Figure], path: Path) -> None:
    """How a benchmark run as its own process hands its figures to ``python -m bench``."""
    path.write_text(json.dumps([asdict(f) for f in figures], ensure_ascii=False))


def load(path: Path) -> list[Figure]:
    return [Figure(**item) for item in json.loads(path.read_text())]
