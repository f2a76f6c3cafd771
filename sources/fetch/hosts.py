"""Which hosts a source may reach: its declared hosts, and no private address unless declared.

A redirect to a host the source does not declare is refused. In live mode a host that
resolves to a private, loopback, link-local or otherwise non-public address is refused
unless the source lists that address itself in ``hosts`` or sets ``allow_private_hosts``
(the tests do, for their local server). Link-local and cloud metadata addresses
(169.254.169.254 and kin) are refused even when a source lists them: only
``allow_private_hosts`` lets them through.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from urllib.parse import urlsplit

from sources.spec import SourceSpec

METADATA_ADDRESSES = frozenset(
    {"169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200"}
)


class HostRefusedError(Exception):
    """A URL on a host the source may not reach."""


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


def _metadata_or_link_local(address: str) -> bool:
    ip = ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
    return ip.is_link_local or str(ip) in METADATA_ADDRESSES


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return ip.is_global and not ip.is_multicast


def declared_entry(spec: SourceSpec, url: str) -> str | None:
    """The ``hosts`` entry that covers ``url`` (``host`` or ``host:port``), if any."""
    parts = urlsplit(url)
    hostname = (parts.hostname or "").lower()
    netloc = parts.netloc.lower().rsplit("@", 1)[-1]
    for entry in spec.hosts:
        entry = entry.lower()
        if entry in (netloc, hostname):
            return entry
    return None


class HostGuard:
    def __init__(self, check_addresses: bool):
        self.check_addresses = check_addresses
        self._resolved: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def check(self, spec: SourceSpec, url: str) -> None:
        """Raise ``HostRefusedError`` naming the host when ``spec`` may not fetch ``url``."""
        parts = urlsplit(url)
        hostname = (parts.hostname or "").lower()
        entry = declared_entry(spec, url)
        if entry is None:
            raise HostRefusedError(
                f"host {parts.netloc} is not declared by source {spec.name} "
                f"(hosts: {', '.join(spec.hosts)})"
            )
        if not self.check_addresses or spec.allow_private_hosts:
            return
        if _is_ip(hostname):
            if _metadata_or_link_local(hostname):
                raise HostRefusedError(
                    f"host {hostname} is a link-local or cloud metadata address, refused even "
                    f"when declared; set allow_private_hosts for source {spec.name} if meant"
                )
            return
        private = [a for a in self._resolve(hostname, parts.port) if not _public(a)]
        if private:
            raise HostRefusedError(
                f"host {hostname} resolves to non-public address {private[0]}; declare it in "
                f"hosts or set allow_private_hosts for source {spec.name}"
            )

    def _resolve(self, hostname: str, port: int | None) -> list[str]:
        with self._lock:
            cached = self._resolved.get(hostname)
        if cached is not None:
            return cached
        try:
            infos = socket.getaddrinfo(hostname, port or 443, proto=socket.IPPROTO_TCP)
        except OSError:
            addresses: list[str] = []
        else:
            addresses = sorted({str(info[4][0]) for info in infos})
        with self._lock:
            self._resolved[hostname] = addresses
        return addresses
