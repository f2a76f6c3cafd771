"""A request's identity: the one key for replay look-ups, validators and board state.

Method, redacted URL with its query sorted and no fragment, and the sorted form body. A
board is the identity of its first list request before the page number is added.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sources.fetch.redact import Redactor
from sources.spec import RequestSpec


def _canonical_query(query: str) -> str:
    return urlencode(sorted(parse_qsl(query, keep_blank_values=True)))


def request_key(method: str, url: str, body: bytes | str | None, redactor: Redactor) -> str:
    """A request's identity: method, redacted URL with sorted query, sorted form body."""
    parts = urlsplit(redactor.url(url))
    url = urlunsplit(parts._replace(query=_canonical_query(parts.query), fragment=""))
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    form = _canonical_query(redactor.url("?" + body)[1:]) if body else ""
    return f"{method.upper()} {url} {form}".strip()


def spec_key(request: RequestSpec, redactor: Redactor) -> str:
    """The identity of a declared request (a board's, before paging adds its page number)."""
    url = request.url
    if request.params:
        url += ("&" if "?" in url else "?") + urlencode(list(request.params.items()))
    return request_key(request.method, url, urlencode(list((request.data or {}).items())), redactor)
