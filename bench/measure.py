"""Run a command and measure it: wall time and the peak resident memory of its process tree.

A pipeline run is more than one process (Prefect's temporary server, dbt's threads, worker
processes), so the peak is the largest sum of the resident sets of the command and all its
descendants, sampled every 50 ms.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

SAMPLE_SECONDS = 0.05


@dataclass(frozen=True)
class Measured:
    wall: float
    peak_bytes: int
    returncode: int
    output: str

    @property
    def peak_gib(self) -> float:
        return self.peak_bytes / 2**30


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            continue
    return total


def measure(
    argv: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> Measured:
    """Run ``argv`` to completion in ``env`` (the whole environment; this one when None).

    Its output is kept, not shown, for the report of a failure.
    """
    with tempfile.TemporaryFile("w+") as log:
        started = time.perf_counter()
        child = subprocess.Popen(
            argv,
            cwd=cwd,
            env=os.environ if env is None else env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        watched = psutil.Process(child.pid)
        peak = 0
        while child.poll() is None:
            try:
                peak = max(peak, _tree_rss(watched))
            except psutil.NoSuchProcess:
                break
            time.sleep(SAMPLE_SECONDS)
        child.wait()
        wall = time.perf_counter() - started
        log.seek(0)
        return Measured(wall, peak, child.returncode, log.read())
