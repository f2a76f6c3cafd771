"""Secrets never reach the archive, the logs or the published files.

Values of the run's keys are redacted wherever they appear. Parameters are redacted by name:
the known key names of Korean public APIs, plus what each source declares secret (its
``secret_params``, and every parameter whose value is ``{api_key}``). A name is never
guessed: Ansan's public board number ``key=274`` stays as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

from sources.spec import SourceSpec

REDACTED = "REDACTED"
KNOWN_SECRET_PARAMS = ("serviceKey", "apiKey", "crtfcKey", "authKey")


def declared_secret_params(specs: Iterable[SourceSpec]) -> list[str]:
    """The parameter names the sources declare secret, explicitly or as ``{api_key}``."""
    names: set[str] = set()
    for spec in specs:
        names.update(spec.secret_params)
        for request in spec.requests:
            pairs = [*request.params.items(), *(request.data or {}).items()]
            names.update(name for name, value in pairs if "{api_key}" in value)
    return sorted(names)


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

    def body(self, body: bytes) -> bytes:
        """A response body with every known secret value replaced (an API may echo its key)."""
        for value in self.values:
            body = body.replace(value.encode(), REDACTED.encode())
        return body

    def form(self, body: bytes | str | None) -> bytes:
        """A form-encoded request body with secret fields and values redacted."""
        if not body:
            return b""
        text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
        return urlencode(self.pairs(parse_qsl(text, keep_blank_values=True))).encode()

    def pairs(self, pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(k, REDACTED if k.lower() in self.params else self.text(v)) for k, v in pairs]

    def url(self, url: str) -> str:
        parts = urlsplit(self.text(url))
        query = urlencode(self.pairs(parse_qsl(parts.query, keep_blank_values=True)))
        return urlunsplit(parts._replace(query=query))

    def headers(self, headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        secret_headers = {"authorization", "proxy-authorization", "cookie", "set-cookie"}
        return [(k, REDACTED if k.lower() in secret_headers else self.text(v)) for k, v in headers]
