"""What every writing run enters before it touches data: the flow's own safeguards.

A run started by ``fez``, by a Prefect deployment, by ``fez serve`` or from Python goes
through ``run_context``, in this order:

1. the quiet environment (telemetry off, Prefect's home in the data dir when unset);
2. the data dir exists and is writable;
3. the writer lock, taken before anything is fetched; a run that finds another writer waits
   up to ``FEZ_WRITER_WAIT`` seconds, then gives up with ``RunLockedError`` (the ``pipeline``
   flow then ends ``Cancelled``: skipped, not failed; the next run catches up);
4. the warehouse opens: DuckDB's own lock is free, or freed before the same deadline (a run
   that let go of the writer lock may hold the file until its process exits);
5. SIGTERM and SIGINT stop the run: the lock is released at once, the run unwinds with
   ``RunInterrupted``, and a process that has not exited ``FEZ_EXIT_GRACE`` seconds later (a
   thread stuck in a read) is ended.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from prefect import get_run_logger
from prefect.exceptions import MissingContextError, TerminationSignal

from flows.locking import POLL_SECONDS, RunLock
from flows.runtime import check_data_dir, configure_environment
from flows.settings import Settings

HANDLED_SIGNALS = (signal.SIGTERM, signal.SIGINT)

log = logging.getLogger("fez")


class RunInterrupted(TerminationSignal):
    """SIGTERM or SIGINT reached a run. A Prefect ``TerminationSignal``, so the engine marks
    the flow run as ended by a signal; never an ``Exception``, so no step swallows it."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(signum)

    def __str__(self) -> str:
        return (
            f"run stopped by {signal.Signals(self.signum).name}; the writer lock is released "
            "and the next run starts from what this one stored"
        )


def _run_log() -> logging.Logger | logging.LoggerAdapter:
    try:
        return get_run_logger()
    except MissingContextError:
        return log


def check_warehouse(settings: Settings) -> None:
    from flows.warehouse import connect

    connect(settings.warehouse).close()


@contextmanager
def _stop_on_signals(lock: RunLock, grace: float) -> Iterator[None]:
    """Release ``lock`` and raise ``RunInterrupted`` on SIGTERM/SIGINT (main thread only:
    Python delivers signals there; a run in another thread keeps the process's handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> Any:
        lock.release()
        log.warning("%s: run stopped, the writer lock is released", signal.Signals(signum).name)
        watchdog = threading.Timer(grace, os._exit, (128 + signum,))
        watchdog.daemon = True
        watchdog.start()
        raise RunInterrupted(signum)

    previous = {number: signal.signal(number, stop) for number in HANDLED_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextmanager
def run_context(
    settings: Settings | None = None, *, wait: float | None = None
) -> Iterator[Settings]:
    """Enter a writing run: environment, data dir, writer lock, warehouse, signals.

    ``wait`` overrides ``FEZ_WRITER_WAIT`` (seconds to wait for another writer)."""
    settings = settings or Settings()
    configure_environment(settings.data_dir)
    check_data_dir(settings.data_dir)
    wait = settings.writer_wait if wait is None else wait
    deadline = time.monotonic() + wait
    lock = RunLock(settings.warehouse)
    with _stop_on_signals(lock, settings.exit_grace):
        lock.acquire(wait, on_wait=_run_log().info)
        try:
            _wait_for_warehouse(settings, deadline)
            yield settings
        finally:
            lock.release()


def _wait_for_warehouse(settings: Settings, deadline: float) -> None:
    """Open the warehouse, waiting until ``deadline`` while another process holds DuckDB's
    own lock (a run that has released the writer lock but not yet exited, a viewer)."""
    from flows.warehouse import WarehouseLockedError

    told = False
    while True:
        try:
            check_warehouse(settings)
            return
        except WarehouseLockedError as exc:
            if time.monotonic() >= deadline:
                raise
            if not told:
                _run_log().info("%s; waiting up to %.0f s", exc, deadline - time.monotonic())
                told = True
            time.sleep(POLL_SECONDS)
