"""Benchmark: a cold `fez run --replay` on a fresh data dir, then a rerun with nothing new.

Both run as a user runs them, in a fresh process with Prefect's temporary server (no
``PREFECT_API_URL``), on the bundled SAMPLE answers. Targets (2 cores): cold run ≤ 30 s wall
and ≤ 1 GiB peak (the process tree's resident memory); the rerun ≤ 0.4 × the cold run and
cutting no new release.

    uv run python -m bench.bench_run
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from bench.figures import Figure
from bench.measure import Measured, measure

REPO = Path(__file__).resolve().parents[1]


class RunFailedError(RuntimeError):
    pass


def _environment(data_dir: Path) -> dict[str, str]:
    """This environment without the user's Prefect and fez settings, on a fresh data dir."""
    own = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "FEZ_"))}
    return own | {"FEZ_DATA_DIR": str(data_dir)}


def _fez_run(data_dir: Path) -> Measured:
    fez = Path(sys.executable).with_name("fez")
    measured = measure([str(fez), "run", "--replay"], _environment(data_dir), cwd=REPO)
    if measured.returncode != 0:
        tail = " | ".join(measured.output.strip().splitlines()[-3:])
        raise RunFailedError(f"fez run --replay exited {measured.returncode}: {tail}")
    return measured


def _releases(data_dir: Path) -> int:
    releases = data_dir / "published" / "releases"
    return (
        sum(1 for p in releases.iterdir() if not p.name.startswith(".")) if releases.exists() else 0
    )


def figures(quick: bool = False) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="bench_run_") as tmp:
        data_dir = Path(tmp) / "data"
        cold = _fez_run(data_dir)
        released = _releases(data_dir)
        rerun = _fez_run(data_dir)
        new_releases = _releases(data_dir) - released
    return [
        Figure("cold run --replay: wall", cold.wall, "s", 30),
        Figure("cold run --replay: peak memory", cold.peak_gib, "GiB", 1),
        Figure("rerun with nothing new: wall", rerun.wall, "s"),
        Figure("rerun / cold run", rerun.wall / cold.wall, "×", 0.4),
        Figure("rerun with nothing new: new releases", new_releases, "", 0),
    ]


if __name__ == "__main__":
    for figure in figures():
        print(f"{figure.name}: {figure.value:.3g} {figure.unit} {figure.verdict}")
