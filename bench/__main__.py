"""Every benchmark of the project in one command, with its targets and a results file.

    uv run python -m bench            # all of them (about 15 minutes on 2 cores)
    uv run python -m bench --quick    # a smoke run: small crawl, cold run and rerun
    uv run python -m bench --only crawl --only run

Each benchmark runs in a process of its own, so one's imports and memory do not colour the
next. The figures go to ``bench/results/<date>-<commit>.json`` and a markdown table beside it
(machine cores, stack versions, each figure, its target, met or not). A missed target prints
MISSED and the command exits 1; a benchmark that fails to run is reported and also exits 1.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench.figures import Figure, load, write_results
from bench.measure import measure

REPO = Path(__file__).resolve().parents[1]
SUITE_SECONDS = 240


class BenchmarkFailedError(RuntimeError):
    pass


def _script(argv: list[str], quick: bool) -> list[Figure]:
    """Run a benchmark module that writes its figures to ``--json PATH``."""
    with tempfile.TemporaryDirectory(prefix="bench_") as tmp:
        out = Path(tmp) / "figures.json"
        command = [sys.executable, *argv, "--json", str(out)] + (["--quick"] if quick else [])
        measured = measure(command, cwd=REPO)
        if measured.returncode != 0 or not out.exists():
            tail = " | ".join(measured.output.strip().splitlines()[-3:])
            raise BenchmarkFailedError(f"{' '.join(argv)} exited {measured.returncode}: {tail}")
        return load(out)


def crawl(quick: bool) -> list[Figure]:
    return _script(["bench/bench_fetch.py"], quick)


def warehouse(quick: bool) -> list[Figure]:
    return _script(["-m", "bench.bench_dbt", "--reuse"], quick)


def run(quick: bool) -> list[Figure]:
    from bench.bench_run import figures

    return figures(quick)


def suite(quick: bool) -> list[Figure]:
    """The test suite as CI runs it, timed whole."""
    measured = measure([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=REPO)
    if measured.returncode != 0:
        raise BenchmarkFailedError(f"pytest exited {measured.returncode}")
    return [Figure("test suite (pytest, 2 cores)", measured.wall, "s", SUITE_SECONDS)]


BENCHMARKS: dict[str, Callable[[bool], list[Figure]]] = {
    "crawl": crawl,
    "run": run,
    "warehouse": warehouse,
    "suite": suite,
}
QUICK = ("crawl", "run")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS), default=[])
    args = parser.parse_args()
    chosen = args.only or (list(QUICK) if args.quick else list(BENCHMARKS))
    figures: list[Figure] = []
    errors: list[str] = []
    for name in chosen:
        print(f"running {name} …", flush=True)
        try:
            found = BENCHMARKS[name](args.quick)
        except Exception as exc:  # one failed benchmark must not hide the others' figures
            errors.append(f"{name}: {exc}")
            print(f"  FAILED {name}: {exc}", flush=True)
            continue
        for figure in found:
            print(f"  {figure.name}: {figure.value:.3g} {figure.unit} {figure.verdict}", flush=True)
        figures.extend(found)
    path, table = write_results(figures, errors, REPO, args.quick)
    print(f"\n{table}\nwritten to {path.relative_to(REPO)}")
    missed = [f for f in figures if f.met is False]
    return 1 if missed or errors else 0


if __name__ == "__main__":
    sys.exit(main())
