"""The quality gate: the suite files of ``expectations/suites/`` run by Great Expectations on
what the run changed (``expectations/measures.py``: aggregates from SQL and the rows the run
wrote, never whole marts).

Only the datasets the run changed are judged: a run of two boards is not failed for having no
observation rows. A suite whose batch is empty (nothing of its kind changed) is not run. GX is
imported only here: the import costs seconds and ~250 MB.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from expectations.measures import GateInput, SourceInfo, gate_input
from expectations.suites import SuiteFile, load_suites

# Results (and Data Docs pages) kept per suite: a day of hourly runs.
KEEP_RESULTS = 24


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
    run_id: str | None = None
    changed: list[str] = field(default_factory=list)

    @property
    def blocking(self) -> list[SuiteOutcome]:
        return [s for s in self.suites if s.critical and not s.success]


def _describe(item: Any, frame: pd.DataFrame) -> str:
    """One line per failed expectation: the rows at fault (by their first column, with the
    value), then why and the bounds."""
    config = item.expectation_config
    kwargs = config.kwargs
    column = kwargs.get("column")
    bounds = ", ".join(
        f"{name.split('_')[0]} {kwargs[name]:g}"
        for name in ("min_value", "max_value")
        if kwargs.get(name) is not None
    )
    rows = [i for i in item.result.get("unexpected_index_list") or [] if isinstance(i, int)]
    at_fault = [f"{frame.iloc[i, 0]} {column} {frame.at[i, column]:g}" for i in rows[:5]]
    if len(rows) > 5:
        at_fault.append(f"{len(rows) - 5} more")
    why = config.meta.get("why", config.type) if config.meta else config.type
    return f"{'; '.join(at_fault) or column}: {why} ({bounds})"


def _run_suite(context, gx, suite: SuiteFile, frame: pd.DataFrame) -> SuiteOutcome:
    source = context.data_sources.add_or_update_pandas(name="gate")
    asset = source.add_dataframe_asset(name=suite.name)
    batch = asset.add_batch_definition_whole_dataframe(f"{suite.name}_whole")
    document = suite.document
    expectation_suite = context.suites.add_or_update(
        gx.ExpectationSuite(
            name=suite.name, expectations=document["expectations"], meta=document.get("meta")
        )
    )
    validation = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=suite.name, data=batch, suite=expectation_suite)
    )
    result = validation.run(
        batch_parameters={"dataframe": frame.reset_index(drop=True)},
        result_format="COMPLETE",
    )
    failed = [_describe(item, frame) for item in result.results if not item.success]
    return SuiteOutcome(suite.name, suite.critical, result.success, failed)


def _prune(store: Any, docs: Path) -> None:
    """Keep the newest ``KEEP_RESULTS`` results of each suite and their Data Docs pages: hourly runs
    for months must not make every later gate slower and the data dir larger."""
    by_suite: dict[str, list[Any]] = {}
    for key in store.list_keys():
        by_suite.setdefault(key.expectation_suite_identifier.name, []).append(key)
    for keys in by_suite.values():
        for key in sorted(keys, key=lambda k: k.run_id.run_time, reverse=True)[KEEP_RESULTS:]:
            store.remove_key(key)
            suite, run_name, run_time, _ = key.to_tuple()
            for root in (docs, docs.parents[1]):  # the pages, and the store's emptied folder
                shutil.rmtree(
                    root / "validations" / suite / run_name / run_time, ignore_errors=True
                )


def _source_info() -> dict[str, SourceInfo]:
    from sources.registry import load_sources

    return {
        s.name: SourceInfo(s.record_type, s.cadence, tuple(s.lacks))
        for s in load_sources().values()
    }


def judge(
    data_dir: Path, measured: GateInput, suites: list[SuiteFile] | None = None
) -> GateOutcome:
    """Run each suite whose batch holds rows; build the Data Docs once."""
    runnable = [s for s in (suites or load_suites()) if len(measured.batches.get(s.batch, ()))]
    if not runnable:
        return GateOutcome([], None, measured.run_id, measured.changed)
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="file", project_root_dir=str(data_dir.absolute()))
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    store = context.validation_results_store
    before = set(store.list_keys())
    outcomes = [_run_suite(context, gx, s, measured.batches[s.batch]) for s in runnable]
    docs = data_dir.absolute() / "gx" / "uncommitted" / "data_docs" / "local_site"
    _prune(store, docs)
    context.build_data_docs(resource_identifiers=[k for k in store.list_keys() if k not in before])
    return GateOutcome(outcomes, docs if docs.exists() else None, measured.run_id, measured.changed)


def run_quality_gate(
    con: duckdb.DuckDBPyConnection,
    data_dir: Path,
    published_dir: Path | None = None,
    run_id: str | None = None,
) -> GateOutcome:
    """Judge what the run ``run_id`` (default: the last run that loaded sources) changed,
    against the release live in ``published_dir``."""
    measured = gate_input(con, published_dir or data_dir / "published", _source_info(), run_id)
    return judge(data_dir, measured)
