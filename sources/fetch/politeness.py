"""Per-host politeness shared by every thread of a run.

Each host has a gate: at most ``max_in_flight`` requests at once, starts at least
``interval`` seconds apart (start to start), and a ``not_before`` time set by Retry-After or
backoff. A host whose wait would exceed the cap is deferred: it gets no more requests this
run. A global semaphore bounds the requests in flight across all hosts.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


class HostDeferredError(Exception):
    """The host was deferred to the next run earlier in this run."""


@dataclass
class _Gate:
    slots: threading.Semaphore
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_start: float = float("-inf")
    not_before: float = 0.0
    deferred: str | None = None


class HostScheduler:
    def __init__(self, max_concurrency: int):
        self._global = threading.BoundedSemaphore(max_concurrency)
        self._gates: dict[str, _Gate] = {}
        self._carried: dict[str, float] = {}
        self._lock = threading.Lock()

    def _gate(self, host: str, max_in_flight: int) -> _Gate:
        with self._lock:
            gate = self._gates.get(host)
            if gate is None:
                slots = threading.BoundedSemaphore(max_in_flight)
                carried = self._carried.get(host, float("-inf"))
                gate = self._gates[host] = _Gate(slots, last_start=carried)
            return gate

    def limit(self, max_concurrency: int) -> None:
        """Set the global limit, before any request (each host's pace is kept)."""
        self._global = threading.BoundedSemaphore(max_concurrency)

    def asked(self) -> list[str]:
        """The hosts a request has gone to."""
        with self._lock:
            return [h for h, g in self._gates.items() if g.last_start > float("-inf")]

    def carry_over(self, started: dict[str, float]) -> None:
        """Take up hosts' pace from another process: their next request waits one interval
        after the wall-clock time given (another process's monotonic clock is not this
        one's)."""
        offset = time.time() - time.monotonic()
        with self._lock:
            for host, wall in started.items():
                at = max(self._carried.get(host, float("-inf")), wall - offset)
                self._carried[host] = at
                gate = self._gates.get(host)
                if gate is not None:
                    with gate.lock:
                        gate.last_start = max(gate.last_start, at)

    def deferred(self, host: str) -> str | None:
        gate = self._gates.get(host)
        return gate.deferred if gate else None

    def defer(self, host: str, reason: str) -> None:
        self._gate(host, 1).deferred = reason

    def hold(self, host: str, seconds: float) -> None:
        """No request to ``host`` starts in the next ``seconds``."""
        gate = self._gate(host, 1)
        with gate.lock:
            gate.not_before = max(gate.not_before, time.monotonic() + seconds)

    @contextmanager
    def slot(self, host: str, interval: float, max_in_flight: int = 1) -> Iterator[None]:
        """Wait for the host's turn, then hold one of its slots and one global slot."""
        gate = self._gate(host, max_in_flight)
        with gate.slots:
            while True:
                if gate.deferred:
                    raise HostDeferredError(gate.deferred)
                self._sleep_until(gate, interval)
                self._global.acquire()
                with gate.lock:
                    now = time.monotonic()
                    if now >= max(gate.last_start + interval, gate.not_before):
                        gate.last_start = now
                        break
                self._global.release()
            try:
                yield
            finally:
                self._global.release()

    @staticmethod
    def _sleep_until(gate: _Gate, interval: float) -> None:
        while True:
            with gate.lock:
                wait = max(gate.last_start + interval, gate.not_before) - time.monotonic()
            if wait <= 0:
                return
            time.sleep(wait)
