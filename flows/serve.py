"""``fez serve``: every deployment of ``prefect.yaml`` served from one process.

``prefect.yaml`` is the one declaration of the schedules; ``fez serve`` reads it and hands
each deployment to Prefect's ``serve``, which schedules them on a Prefect server and runs
each flow run in a subprocess of this process (no work pool, no worker). The same file
serves ``prefect deploy --all`` with a process worker on the ``fez-local`` pool.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import yaml
from prefect import Flow
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.schedules import Cron

PREFECT_YAML = Path(__file__).parents[1] / "prefect.yaml"


def load_entrypoint(entrypoint: str) -> Flow:
    """The flow at ``path/to/module.py:name``, imported from the project."""
    path, name = entrypoint.split(":")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    return getattr(module, name)


def declared_deployments(path: Path = PREFECT_YAML) -> list[dict[str, Any]]:
    return yaml.safe_load(path.read_text())["deployments"]


def schedules_of(declared: dict[str, Any]) -> list[Cron]:
    return [Cron(s["cron"], timezone=s["timezone"]) for s in declared.get("schedules", [])]


def concurrency_of(declared: dict[str, Any]) -> ConcurrencyLimitConfig | None:
    limit = declared.get("concurrency_limit")
    if limit is None:
        return None
    return ConcurrencyLimitConfig(
        limit=limit["limit"],
        collision_strategy=ConcurrencyLimitStrategy(limit["collision_strategy"]),
    )


def runner_deployments(path: Path = PREFECT_YAML) -> list[Any]:
    """Every deployment of ``prefect.yaml`` as a deployment ``serve`` can run."""
    return [
        load_entrypoint(d["entrypoint"]).to_deployment(
            name=d["name"],
            description=d.get("description"),
            parameters=d.get("parameters") or {},
            schedules=schedules_of(d),
            concurrency_limit=concurrency_of(d),
        )
        for d in declared_deployments(path)
    ]


def serve_all(path: Path = PREFECT_YAML) -> None:
    """Serve every schedule until interrupted; schedules stay active when this stops."""
    from prefect import serve

    serve(*runner_deployments(path), pause_on_shutdown=False)
