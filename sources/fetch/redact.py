"""Secrets never reach the archive, the logs or the published files."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

REDACTED = "REDACTED"


class Redactor:
    def __init__(self, secret_params: Iterable[str], secret_values: Iterable[str] = ()):
        self.params = {p.lower() for p in secret_params}
        values = {v for v in secret_values if v}
        self.values = sorted(
            values | {quote(v, safe="") for v in values} | {quote_plus(v) for v in values},
            key=len,
            reverse=True,
        )

    def text(self, text: str) -> str:
        for value in self.values:
            text = text.replace(value, REDACTED)
        return text

    def pairs(self, pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(k, REDACTED if k.lower() in self.params else self.text(v)) for k, v in pairs]

    def url(self, url: str) -> str:
        parts = urlsplit(self.text(url))
        query = urlencode(self.pairs(parse_qsl(parts.query, keep_blank_values=True)))
        return urlunsplit(parts._replace(query=query))

    def headers(self, headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        secret_headers = {"authorization", "proxy-authorization", "cookie", "set-cookie"}
        return [(k, REDACTED if k.lower() in secret_headers else self.text(v)) for k, v in headers]
