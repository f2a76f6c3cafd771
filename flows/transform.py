"""Run dbt in-process (dbt's Python runner) against the warehouse.

dbt's own output is kept to warnings; failures come back as one line per failed node, so
the flow can log each at ERROR and fail naming them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DBT_PROJECT_DIR = Path(__file__).parents[1] / "dbt_project"
WAREHOUSE_VARIABLE = "FEZ_WAREHOUSE_PATH"

# What a pipeline run builds: everything but the unit tests. As dbt advises, those check the
# models' SQL against fixed inputs, not the data, so they run with the test suite
# (`uv run pytest`), not in every production build. dbt's manifest.json and run_results.json
# are not written (0.6 s a build: the manifest twice); each node's outcome and time come back
# in `DbtOutcome`, and the published docs have their own manifest (`dbt docs generate`).
PIPELINE_BUILD = ["build", "--exclude-resource-type", "unit_test", "--no-write-json"]
# The announcement branch of the dbt project: the nodes downstream of the raw announcements and
# their removals, and their tests; nothing fed by the statistics sources. The seeds and the
# models built from seeds alone are left as the last build made them: a run after a change of
# the project builds everything (flows.build_marks.built_with_this_project).
SCOPE_DBT_SELECT = {
    "announcements": [
        "--select",
        "source:raw.announcements+",
        "source:raw.announcement_removals+",
        "--exclude",
        "source:raw.observations*+",
    ]
}


class DbtFailedError(RuntimeError):
    def __init__(self, command: str, failures: list[str]):
        self.failures = failures
        super().__init__(f"dbt {command} failed: {'; '.join(failures) or 'see the dbt log'}")


@dataclass
class DbtOutcome:
    command: str
    nodes: int
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # each node's execution time


def run_dbt(
    command: list[str], warehouse: Path, data_dir: Path, *, log_level: str = "warn"
) -> DbtOutcome:
    """Invoke ``dbt <command>``; raise ``DbtFailedError`` naming each failed node.

    dbt prints only at ``log_level`` and above (``none`` when the caller reports the results
    itself); its full log is in ``<data_dir>/dbt/logs``."""
    from dbt.cli.main import dbtRunner

    state_dir = data_dir.absolute() / "dbt"
    args = [
        *command,
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(state_dir / "target"),
        "--log-path", str(state_dir / "logs"),
        "--log-level", log_level,
    ]  # fmt: skip
    # The profile reads the warehouse from the same variable as the settings; set for this
    # invocation only, so a later Settings() in this process is not pointed at it.
    previous = os.environ.get(WAREHOUSE_VARIABLE)
    os.environ[WAREHOUSE_VARIABLE] = str(warehouse)
    try:
        result = dbtRunner().invoke(args)
    finally:
        if previous is None:
            del os.environ[WAREHOUSE_VARIABLE]
        else:
            os.environ[WAREHOUSE_VARIABLE] = previous
    outcome = DbtOutcome(command=" ".join(command), nodes=0)
    for node in getattr(result.result, "results", None) or []:
        outcome.nodes += 1
        status = str(node.status).lower()
        name = getattr(node.node, "unique_id", None) or getattr(node, "unique_id", "?")
        outcome.seconds[name] = getattr(node, "execution_time", 0.0) or 0.0
        message = (node.message or "").strip().splitlines()[0] if node.message else status
        if status in {"error", "fail", "runtime error"}:
            outcome.failures.append(f"{name}: {message}")
        elif status == "warn":
            outcome.warnings.append(f"{name}: {message}")
    if not result.success:
        if result.exception is not None and not outcome.failures:
            outcome.failures.append(str(result.exception).strip().splitlines()[0])
        raise DbtFailedError(outcome.command, outcome.failures)
    return outcome
