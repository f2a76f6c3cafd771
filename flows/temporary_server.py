"""Prefect's temporary API server, started before a command's own imports instead of after.

Without ``PREFECT_API_URL`` Prefect starts a temporary server the first time a flow needs
the API: only once this process has imported the pipeline, and the server then spends its
own seconds importing and, on a fresh data dir, migrating its database. Started first, in
the background, the server's start-up runs on one core while this process imports what the
run needs on the other; the flow then finds Prefect's (single) temporary server running and
uses it as it would have. While it waits, the process imports the modules its run will need
next (dbt's runner, Great Expectations), in that order, and stops as soon as the server is
up, so a run that finds the server quickly pays nothing extra.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Sequence


class TemporaryServerStart:
    """A temporary server starting in a background thread; ``wait`` until it serves."""

    def __init__(self) -> None:
        from prefect.server.api.server import SubprocessASGIServer

        self._server = SubprocessASGIServer()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._start, name="fez-prefect-server", daemon=True)
        self._thread.start()

    def _start(self) -> None:
        try:
            self._server.start()
        except BaseException as exc:  # re-raised in the caller's thread by wait()
            self._error = exc

    @property
    def ready(self) -> bool:
        return not self._thread.is_alive()

    def wait(self) -> None:
        self._thread.join()
        if self._error is not None:
            raise self._error


def start_temporary_server() -> TemporaryServerStart | None:
    """Start Prefect's temporary server now when this process would use one, else ``None``.
    Call it once the quiet environment is in place: it imports Prefect."""
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    if os.environ.get("PREFECT_API_URL") or PREFECT_API_URL.value():
        return None
    if not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return None
    return TemporaryServerStart()


def import_while_starting(server: TemporaryServerStart | None, modules: Sequence[str]) -> None:
    """Import ``modules`` in order while ``server`` is still starting; then wait for it."""
    if server is None:
        return
    for module in modules:
        if server.ready:
            break
        importlib.import_module(module)
    server.wait()
