"""The exit codes of every ``fez`` command (documented in the README).

A scheduler or a shell script can tell from the code alone whether to alert: 0 is the only
success; 3 means the run finished and stored what it could, but some sources failed.
"""

from __future__ import annotations

from collections.abc import Iterable

OK = 0
FAILED = 1
USAGE = 2
PARTIAL = 3

# Source statuses (``raw.source_runs.status``) that mean the source brought nothing usable.
FAILED_STATUSES = frozenset({"failing", "layout_changed"})
# Statuses of a source that stored records but also met errors.
PARTIAL_STATUSES = frozenset({"partial"})


def for_sources(statuses: Iterable[str]) -> int:
    """A run's code from its sources' statuses: FAILED when every source failed, PARTIAL when
    some failed or met errors, OK otherwise (skipped and no_data sources are not failures)."""
    statuses = list(statuses)
    failed = [s for s in statuses if s in FAILED_STATUSES]
    if failed and len(failed) == len(statuses):
        return FAILED
    if failed or any(s in PARTIAL_STATUSES for s in statuses):
        return PARTIAL
    return OK
