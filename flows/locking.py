"""The pipeline's own write lock: one writing run at a time per warehouse.

DuckDB locks its file only while a connection is open; a run opens and closes connections
between steps (dbt needs them closed), so a lock file held for the whole run keeps a second
run from interleaving with the first.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class RunLockedError(RuntimeError):
    pass


@contextmanager
def run_lock(warehouse: Path) -> Iterator[None]:
    path = warehouse.with_name(warehouse.name + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise RunLockedError(
                f"another fez run (process {holder}) is writing to {warehouse}"
            ) from None
        try:
            os.ftruncate(handle.fileno(), 0)
            os.pwrite(handle.fileno(), str(os.getpid()).encode(), 0)
        except OSError:
            # The holder's id is only for the message above; a full disk must not stop the
            # run here, before it can clean up and say "disk full" itself.
            pass
        try:
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)
