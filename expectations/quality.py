"""The quality gate: Great Expectations suites run on the marts, read into pandas.

GX cannot validate DuckDB through SQLAlchemy (every expectation fails), so each mart is
read into a DataFrame and validated with GX's pandas data source. GX is imported only here:
the import costs seconds and ~250 MB.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from expectations.suites import SUITES, Suite


@dataclass
class SuiteOutcome:
    suite: str
    critical: bool
    success: bool
    failed: list[str] = field(default_factory=list)


@dataclass
class GateOutcome:
    suites: list[SuiteOutcome]
    docs_dir: Path | None

    @property
    def blocking(self) -> list[SuiteOutcome]:
        return [s for s in self.suites if s.critical and not s.success]


def _run_suite(context, gx, suite: Suite, frame) -> SuiteOutcome:
    source = context.data_sources.add_or_update_pandas(name="marts")
    asset = source.add_dataframe_asset(name=suite.name)
    batch = asset.add_batch_definition_whole_dataframe(f"{suite.name}_whole")
    expectation_suite = context.suites.add_or_update(gx.ExpectationSuite(name=suite.name))
    for class_name, kwargs in suite.expectations:
        expectation_suite.add_expectation(getattr(gx.expectations, class_name)(**kwargs))
    expectation_suite.save()
    validation = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=suite.name, data=batch, suite=expectation_suite)
    )
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=suite.name,
            validation_definitions=[validation],
            actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs")],
        )
    )
    result = checkpoint.run(batch_parameters={"dataframe": frame})
    failed = []
    for run in result.run_results.values():
        for item in run.results:
            if not item.success:
                config = item.expectation_config
                column = config.kwargs.get("column")
                failed.append(f"{config.type}" + (f" on {column}" if column else ""))
    return SuiteOutcome(suite.name, suite.critical, result.success, failed)


def run_quality_gate(con: duckdb.DuckDBPyConnection, data_dir: Path) -> GateOutcome:
    import great_expectations as gx

    frames = {suite.name: con.sql(f"select * from {suite.relation}").df() for suite in SUITES}
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="file", project_root_dir=str(data_dir.absolute()))
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    outcomes = [_run_suite(context, gx, suite, frames[suite.name]) for suite in SUITES]
    docs = data_dir.absolute() / "gx" / "uncommitted" / "data_docs" / "local_site"
    return GateOutcome(outcomes, docs if docs.exists() else None)
