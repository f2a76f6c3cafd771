"""``fez doctor``'s checks: read-only, so they work on a read-only data dir and never create
the data dir, the warehouse or a lock file, and never take a lock a run could trip over.

The locks are read from ``/proc/locks`` (Linux): the run lock of ``flows/locking.py`` is a
``flock`` on ``<warehouse>.lock``; DuckDB's is a POSIX lock on the warehouse file itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROC_LOCKS = Path("/proc/locks")


@dataclass(frozen=True)
class Check:
    name: str
    answer: str
    problem: bool = False


def run_lock_file(warehouse: Path) -> Path:
    """Where ``flows.locking.run_lock`` keeps its lock."""
    return warehouse.with_name(warehouse.name + ".lock")


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_data_dir(data_dir: Path) -> Check:
    data_dir = data_dir.absolute()
    if data_dir.is_dir():
        if os.access(data_dir, os.W_OK | os.X_OK):
            return Check("data dir writable", "ok")
        return Check("data dir writable", f"no: {data_dir} is not writable", problem=True)
    if data_dir.exists():
        return Check("data dir writable", f"no: {data_dir} is not a directory", problem=True)
    parent = _nearest_existing(data_dir.parent)
    if parent.is_dir() and os.access(parent, os.W_OK | os.X_OK):
        return Check("data dir writable", "not created yet (the first run creates it)")
    return Check("data dir writable", f"no: {data_dir} cannot be created in {parent}", True)


def lock_holders(path: Path, kind: str) -> list[tuple[str, int]] | None:
    """``(READ|WRITE, pid)`` of every ``kind`` (FLOCK or POSIX) lock on ``path``; None when
    the system does not tell (no ``/proc/locks``)."""
    try:
        stat = path.stat()
        table = PROC_LOCKS.read_text()
    except OSError:
        return None
    device = f"{os.major(stat.st_dev):02x}:{os.minor(stat.st_dev):02x}:{stat.st_ino}"
    holders = []
    for line in table.splitlines():
        fields = line.split()
        # "1: FLOCK  ADVISORY  WRITE 4242 fe:00:2147211 0 EOF"; a waiting lock has "->" first.
        if len(fields) >= 6 and fields[1] == kind and fields[5] == device:
            holders.append((fields[3], int(fields[4])))
    return holders


def check_run_lock(warehouse: Path) -> Check:
    path = run_lock_file(warehouse)
    if not path.exists():
        return Check("run lock", "free (no run has started yet)")
    held = lock_holders(path, "FLOCK")
    if held is None:
        return Check("run lock", f"unknown ({PROC_LOCKS} cannot be read)")
    if not held:
        return Check("run lock", "free")
    return Check("run lock", f"held by a fez run (process {held[0][1]})")


def check_warehouse_lock(warehouse: Path) -> Check:
    if not warehouse.exists():
        return Check("warehouse lock", "no warehouse yet: run `fez run` first")
    held = lock_holders(warehouse, "POSIX")
    if held is None:
        return Check("warehouse lock", f"unknown ({PROC_LOCKS} cannot be read)")
    writers = sorted({pid for mode, pid in held if mode == "WRITE"})
    readers = sorted({pid for mode, pid in held if mode == "READ"})
    if writers:
        return Check("warehouse lock", f"open for writing by process {writers[0]}")
    if readers:
        listed = ", ".join(str(p) for p in readers)
        answer = f"open read-only by process {listed}; a run cannot write until it closes"
        return Check("warehouse lock", answer)
    return Check("warehouse lock", "free")


def environment_checks(data_dir: Path, warehouse: Path) -> list[Check]:
    return [check_data_dir(data_dir), check_run_lock(warehouse), check_warehouse_lock(warehouse)]
