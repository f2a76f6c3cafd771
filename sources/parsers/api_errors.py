"""Typed errors of the statistics APIs, each carrying the API's own code and message.

KOSIS, data.go.kr and ECOS all answer failures with HTTP 200 and an error body, so the parser
is the first to know. What the crawler does with each class:

* ``ApiConfigError``: the key is missing, unknown, expired or not allowed. Retrying cannot
  help: stop the source for this run, report one line, do not retry.
* ``ApiRequestError``: this request is wrong (a parameter, an axis count, an unknown table).
  Skip the request, keep the others, do not retry.
* ``QuotaError``: a rate or daily quota was hit. Wait ``retry_after`` seconds and try the same
  request again; when ``retry_after`` is None (a daily quota) defer the rest of the source to
  the next run.
* ``TooManyCellsError``: the answer would exceed the API's size limit and the request cannot
  be split further.
* ``UpstreamError``: the service failed on its side; a later attempt may succeed.

"No data" is none of these: parsers return ``no_data_result`` (no records, a ``no_data:``
warning and ``outcome == "no_data"``), so an empty answer is never mistaken for an error nor
for a successful load of nothing.
"""

from __future__ import annotations

from sources.parsers import ParseError, ParseResult


class ApiError(ParseError):
    """An error answer: the ``api`` (KOSIS, data.go.kr, ECOS), its ``code`` and ``message``."""

    retryable = False

    def __init__(self, api: str, code: str, message: str):
        super().__init__(f"{api} error {code}: {message}")
        self.api, self.code, self.message = api, code, message


class ApiConfigError(ApiError):
    """The key is missing, unregistered, expired or refused: fix the configuration."""


class ApiRequestError(ApiError):
    """The request itself is invalid; the same request will fail again."""


class QuotaError(ApiError):
    """A rate limit or quota; ``retry_after`` seconds, or None to defer to the next run."""

    retryable = True

    def __init__(self, api: str, code: str, message: str, retry_after: float | None):
        super().__init__(api, code, message)
        self.retry_after = retry_after


class TooManyCellsError(ApiError):
    """The answer would exceed the API's cell limit and the request cannot be split further."""


class UpstreamError(ApiError):
    """A failure on the service's side; worth another attempt later."""

    retryable = True


def no_data_result(api: str, code: str, message: str, what: str) -> ParseResult:
    """The answer "no data for this request": no records, recorded as such."""
    return ParseResult(warnings=[f"no_data: {api} {code} {message} ({what})"], outcome="no_data")
