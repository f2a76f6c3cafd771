"""Headless Chromium (Debian's ``chromium`` package) for tests that open a page from file://.

Every request the page makes is recorded, and any that is not ``file:`` is aborted before it
leaves the machine, so a test can assert that a page works offline. ``.ci/run`` installs the
package when it is missing.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class PageLog:
    console_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)


@contextmanager
def chromium(user_data_dir: Path) -> Iterator[tuple[object, PageLog]]:
    """A fresh headless Chromium context and the log of what its pages did."""
    from playwright.sync_api import sync_playwright

    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if executable is None:
        raise RuntimeError("no chromium: install Debian's package (apt-get install chromium)")
    log = PageLog()

    def route(route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            log.outside_requests.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(user_data_dir), executable_path=executable, headless=True, args=FLAGS
        )
        try:
            context.route("**/*", route)
            context.on("console", lambda m: m.type == "error" and log.console_errors.append(m.text))
            context.on("weberror", lambda e: log.console_errors.append(str(e.error)))
            yield context, log
        finally:
            context.close()
