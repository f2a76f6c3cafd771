"""robots.txt, fetched once per host and run with our own session and User-Agent (Protego).

A 4xx answer (or a redirect we may not follow) allows everything; an HTML page where
robots.txt should be (a site's catch-all page) allows everything with a warning; no answer
at all (network error or 5xx after the retries) keeps the host closed for this run, as
search engines do.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from protego import Protego


@dataclass(frozen=True)
class RobotsRules:
    """The answer for one host: a Protego parser, or allow/deny everything."""

    parser: Protego | None = None
    closed_reason: str | None = None
    warning: str | None = None

    def allows(self, url: str, user_agent: str) -> bool:
        if self.closed_reason:
            return False
        return self.parser is None or self.parser.can_fetch(url, user_agent)

    def crawl_delay(self, user_agent: str) -> float:
        if self.parser is None:
            return 0.0
        delay = self.parser.crawl_delay(user_agent)
        rate = self.parser.request_rate(user_agent)
        from_rate = rate.seconds / rate.requests if rate and rate.requests else 0.0
        return max(float(delay or 0.0), from_rate)


def _looks_like_html(content_type: str, body: bytes) -> bool:
    head = body[:512].lstrip().lower()
    return "html" in content_type.lower() or head.startswith((b"<!doctype", b"<html"))


def rules_from_answer(
    status: int | None, content_type: str, body: bytes, error: str | None, robots_url: str
) -> RobotsRules:
    if status is None or status >= 500:
        return RobotsRules(closed_reason=f"robots.txt unavailable at {robots_url} ({error})")
    if status >= 300:
        return RobotsRules()
    if _looks_like_html(content_type, body):
        return RobotsRules(
            warning=f"{robots_url} answered an HTML page, not robots rules; treated as allow-all"
        )
    return RobotsRules(parser=Protego.parse(body.decode("utf-8", errors="replace")))


class RobotsCache:
    """Rules per ``scheme://netloc``, loaded at most once a run."""

    def __init__(self) -> None:
        self._rules: dict[str, RobotsRules] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def known(self) -> dict[str, RobotsRules]:
        """The rules loaded so far, by origin."""
        with self._lock:
            return dict(self._rules)

    def seed(self, rules: dict[str, RobotsRules]) -> None:
        """Rules loaded by another process: those origins are not fetched again."""
        with self._lock:
            for origin, found in rules.items():
                self._rules.setdefault(origin, found)

    def rules(self, origin: str, load: Callable[[], RobotsRules]) -> RobotsRules:
        """The host's rules; ``load`` fetches them when no thread has yet."""
        with self._lock:
            lock = self._locks.setdefault(origin, threading.Lock())
        with lock:
            if origin not in self._rules:
                self._rules[origin] = load()
            return self._rules[origin]
