"""Notifications, off unless ``FEZ_NOTIFY_URLS`` lists apprise URLs (Slack, Teams, email,
a JSON webhook …): a failed run, a source turning unhealthy, new open calls whose title holds
one of ``FEZ_NOTIFY_KEYWORDS``.

Messages are built from the run summary and published titles only, and pass through the
redactor, so no key or token (including the notification URLs' own) is ever sent. A
notification that cannot be delivered is logged; it never fails the run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import parse_qsl, urlsplit

import duckdb

from flows.settings import Settings
from sources.fetch.redact import Redactor

log = logging.getLogger("fez")


MIN_SECRET_PART = 8


def url_secrets(url: str) -> list[str]:
    """What may be secret in a notification URL: the whole URL, its user and password, and
    every path segment and query value long enough to be a token (Slack, Teams and webhook
    URLs carry their tokens in the path)."""
    parts = urlsplit(url)
    pieces = [parts.username or "", parts.password or ""]
    pieces += parts.path.split("/")
    pieces += [value for _, value in parse_qsl(parts.query)]
    return [url, *(p for p in pieces if len(p) >= MIN_SECRET_PART)]


def _redactor(settings: Settings) -> Redactor:
    secrets = [s for u in settings.notify_urls for s in url_secrets(u.get_secret_value())]
    return Redactor(settings.secret_params, [*settings.secret_values(), *secrets])


def send(settings: Settings, title: str, body: str) -> bool:
    """Send one message to every configured URL; false when nothing was delivered."""
    if not settings.notify_urls:
        return False
    import apprise

    redactor = _redactor(settings)
    notifier = apprise.Apprise()
    for url in settings.notify_urls:
        notifier.add(url.get_secret_value())
    delivered = bool(notifier.notify(title=redactor.text(title), body=redactor.text(body)))
    if not delivered:
        log.warning("notification %r could not be delivered", title)
    return delivered


def matching_open_calls(
    con: duckdb.DuckDBPyConnection, since: datetime, keywords: Sequence[str]
) -> list[tuple[str, str, str]]:
    """Open calls first seen at or after ``since`` whose title holds a keyword:
    (title, url, deadline)."""
    if not keywords:
        return []
    rows = con.execute(
        """
        select o.title, o.url, coalesce(cast(o.deadline_date as varchar), '-')
        from main.mart_open_calls o
        join (
            select source || ':' || post_id as announcement_id
            from raw.announcements group by source, post_id having min(first_seen) >= ?
        ) new using (announcement_id)
        order by o.deadline_date nulls last, o.title
        """,
        [since],
    ).fetchall()
    lowered = [k.lower() for k in keywords]
    return [r for r in rows if any(k in r[0].lower() for k in lowered)]


def failed_run_message(run_id: str, reason: str) -> tuple[str, str]:
    return f"fez run {run_id} failed", reason


def unhealthy_message(run_id: str, sources: dict[str, str]) -> tuple[str, str]:
    lines = [f"- {name}: {reason}" for name, reason in sorted(sources.items())]
    return (
        f"fez: {len(sources)} source(s) turned unhealthy",
        f"run {run_id}:\n" + "\n".join(lines),
    )


def open_calls_message(calls: list[tuple[str, str, str]]) -> tuple[str, str]:
    lines = [f"- {title} (deadline {deadline}) {url}" for title, url, deadline in calls]
    return f"fez: {len(calls)} new open call(s) matching your keywords", "\n".join(lines)
