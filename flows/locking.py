"""The pipeline's own write lock: one writing run at a time per warehouse.

DuckDB locks its file only while a connection is open; a run opens and closes connections
between steps (dbt needs them closed), so a lock file held for the whole run keeps a second
run from interleaving with the first. The lock is an ``flock``: the kernel drops it when the
holding process dies, however it dies, so a killed run never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

POLL_SECONDS = 0.2


class RunLockedError(RuntimeError):
    pass


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


class RunLock:
    """The lock on one warehouse; ``release`` may be called more than once (and from a
    signal handler, before the run has unwound)."""

    def __init__(self, warehouse: Path):
        self.warehouse = warehouse
        self.path = lock_path(warehouse)
        self._handle: IO[str] | None = None

    def acquire(self, wait: float = 0.0, on_wait: Callable[[str], object] | None = None) -> None:
        """Take the lock, waiting up to ``wait`` seconds for another run to finish;
        ``on_wait`` hears once that this run waits, and for whom."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "unknown"
                if time.monotonic() >= deadline:
                    handle.close()
                    waited = f" (waited {wait:g} s)" if wait else ""
                    raise RunLockedError(
                        f"another fez run (process {holder}) is writing to {self.warehouse}{waited}"
                    ) from None
                if on_wait is not None:
                    on_wait(
                        f"another fez run (process {holder}) is writing to {self.warehouse}; "
                        f"waiting up to {wait:g} s"
                    )
                    on_wait = None
                time.sleep(POLL_SECONDS)
        try:
            os.ftruncate(handle.fileno(), 0)
            os.pwrite(handle.fileno(), str(os.getpid()).encode(), 0)
        except OSError:
            # The holder's id is only for the message above; a full disk must not stop the
            # run here, before it can clean up and say "disk full" itself.
            pass
        self._handle = handle

    def release(self) -> None:
        handle, self._handle = self._handle, None
        if handle is None:
            return
        try:
            handle.truncate(0)
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()

    @property
    def held(self) -> bool:
        return self._handle is not None


@contextmanager
def run_lock(warehouse: Path, wait: float = 0.0) -> Iterator[RunLock]:
    lock = RunLock(warehouse)
    lock.acquire(wait)
    try:
        yield lock
    finally:
        lock.release()
