"""Real docs sites for the offline-docs tests: GX Data Docs built by GX, dbt's own docs page.

The GX site comes from a tiny checkpoint run (one DataFrame, two expectations, one failing so a
validation page shows failures); the dbt site is the ``index.html`` dbt installs, with a small
manifest and catalog inlined exactly as ``dbt docs generate --static`` does, usage statistics
on so the tracker would load if it were still there.
"""

from __future__ import annotations

import json
import shutil
from importlib.resources import files
from pathlib import Path

import pandas as pd


def build_gx_site(project_dir: Path) -> Path:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="file", project_root_dir=str(project_dir))
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    batch = (
        context.data_sources.add_or_update_pandas(name="marts")
        .add_dataframe_asset(name="open_calls")
        .add_batch_definition_whole_dataframe("whole")
    )
    suite = context.suites.add_or_update(gx.ExpectationSuite(name="open_calls"))
    suite.add_expectation(gx.expectations.ExpectColumnValuesToNotBeNull(column="title"))
    suite.add_expectation(
        gx.expectations.ExpectColumnValuesToBeBetween(column="days_left", min_value=0)
    )
    suite.save()
    validation = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name="open_calls", data=batch, suite=suite)
    )
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(
            name="open_calls",
            validation_definitions=[validation],
            actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs")],
        )
    )
    frame = pd.DataFrame({"title": ["AI 바우처 지원사업", None], "days_left": [5, -1]})
    checkpoint.run(batch_parameters={"dataframe": frame})
    return project_dir / "gx" / "uncommitted" / "data_docs" / "local_site"


def build_dbt_site(site: Path) -> Path:
    site.mkdir(parents=True)
    index = files("dbt.task.docs").joinpath("index.html").read_text(encoding="utf-8")
    manifest = {
        "metadata": {
            "dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json",
            "project_name": "fez",
            "project_id": "9c1f7ec2020199ca87a93f5a0731578d",
            "send_anonymous_usage_stats": True,
            "adapter_type": "duckdb",
        },
        **{
            key: {}
            for key in (
                "nodes", "sources", "macros", "docs", "exposures", "metrics", "groups",
                "selectors", "disabled", "parent_map", "child_map", "group_map",
                "semantic_models", "saved_queries", "unit_tests",
            )
        },
    }  # fmt: skip
    manifest["docs"]["doc.dbt.__overview__"] = {
        "name": "__overview__",
        "resource_type": "doc",
        "package_name": "dbt",
        "path": "overview.md",
        "original_file_path": "docs/overview.md",
        "unique_id": "doc.dbt.__overview__",
        "block_contents": "### 안산사이언스밸리 Welcome",
    }
    catalog = {"metadata": {}, "nodes": {}, "sources": {}, "errors": None}
    (site / "index.html").write_text(index, encoding="utf-8")
    (site / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (site / "catalog.json").write_text(json.dumps(catalog), encoding="utf-8")
    static = index.replace('"MANIFEST.JSON INLINE DATA"', json.dumps(manifest)).replace(
        '"CATALOG.JSON INLINE DATA"', json.dumps(catalog)
    )
    (site / "static_index.html").write_text(static, encoding="utf-8")
    return site


def copy_site(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target
