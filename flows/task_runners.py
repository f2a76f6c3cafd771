"""The Prefect task runner a crawl of host groups runs on, chosen by ``FEZ_TASK_RUNNER``.

- ``threads`` (default): Prefect's ``ThreadPoolTaskRunner``; one task per source, sharing one
  fetcher, whose per-host gates keep every host's pace.
- ``processes``: Prefect's ``ProcessPoolTaskRunner`` with ``FEZ_FETCH_PROCESSES`` workers; one
  task per host group, for a crawl of many fast hosts that is CPU-bound on one machine.
- ``dask``: prefect-dask's ``DaskTaskRunner`` on the scheduler at ``FEZ_DASK_ADDRESS`` (a
  cluster of several machines), or on a local cluster of ``FEZ_FETCH_PROCESSES`` workers.

Every task is a Prefect task run, visible in the UI with its logs, whatever the runner.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from prefect.context import FlowRunContext
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner

from flows.settings import Settings


def group_task_runner(settings: Settings) -> TaskRunner | None:
    """The runner for one task per host group, or ``None`` for the flow's own threads."""
    if settings.task_runner == "processes":
        return ProcessPoolTaskRunner(max_workers=settings.fetch_processes)
    if settings.task_runner == "dask":
        from prefect_dask import DaskTaskRunner

        if settings.dask_address:
            return DaskTaskRunner(address=settings.dask_address)
        return DaskTaskRunner(
            cluster_kwargs={
                "n_workers": settings.fetch_processes,
                "threads_per_worker": 1,
                "processes": True,
                "dashboard_address": None,
            }
        )
    return None


@contextmanager
def workers_report_here() -> Iterator[None]:
    """Make the runner's workers report to this flow run's API, also when it is Prefect's
    temporary server: its URL lives only in this process, and a worker without it would
    start a temporary server of its own (seconds each) and record its tasks there."""
    context = FlowRunContext.get()
    if PREFECT_API_URL.value() or context is None:
        yield
        return
    with temporary_settings(updates={PREFECT_API_URL: str(context.client.api_url)}):
        yield
