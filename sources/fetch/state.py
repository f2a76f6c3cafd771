"""What earlier runs saw: HTTP validators per URL, post ids per board, and posts still owed.

A small SQLite file under ``<data_dir>/state/``, separate from the warehouse so fetching needs
no warehouse lock. Keys are redacted request identities, so no secret is stored. Updates are
staged by the crawler and committed once the run's records are stored (``flows/pipeline.py``),
so a crash or a failed load leaves the state of the last stored run.

``board_posts`` holds the posts stored from each board; ``board_pending`` the posts a list
page showed whose record could not be stored (a detail page that failed): the next run reads
the board until it meets them again. ``board_listing`` keeps, per list page, the posts it
showed last time with their detail requests, so that a post that vanished from between its
neighbours can be checked for removal.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

_SCHEMA = """
create table if not exists validators (
    request_key text primary key,
    etag text,
    last_modified text,
    sha256 text,
    updated_at text not null
);
create table if not exists board_posts (
    source text not null,
    board text not null,
    post_id text not null,
    first_seen text not null,
    primary key (source, board, post_id)
);
create table if not exists board_listing (
    source text not null,
    board text not null,
    page integer not null,
    posts text not null,
    updated_at text not null,
    primary key (source, board, page)
);
create table if not exists board_pending (
    source text not null,
    board text not null,
    post_id text not null,
    since text not null,
    primary key (source, board, post_id)
);
"""


@dataclass(frozen=True)
class Validators:
    """What a later request needs to ask "changed since?": ETag, Last-Modified, body hash."""

    request_key: str
    etag: str | None
    last_modified: str | None
    sha256: str | None


@dataclass(frozen=True)
class SeenPosts:
    """Posts whose records were stored: no longer pending."""

    source: str
    board: str
    post_ids: frozenset[str]


@dataclass(frozen=True)
class PendingPosts:
    """Posts listed but not stored (``dropped``: pending posts no longer to wait for)."""

    source: str
    board: str
    post_ids: frozenset[str]
    dropped: bool = False


@dataclass(frozen=True)
class ListedPage:
    """The posts a list page showed, in order, as (post id, detail request as JSON)."""

    source: str
    board: str
    page: int
    posts: tuple[tuple[str, str], ...]


StateUpdate = Validators | SeenPosts | PendingPosts | ListedPage


class FetchState:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("pragma journal_mode=wal")
        self._db.executescript(_SCHEMA)

    @classmethod
    def in_data_dir(cls, data_dir: Path, replay: bool = False) -> FetchState:
        name = "replay_state.sqlite" if replay else "fetch_state.sqlite"
        return cls(data_dir / "state" / name)

    def validators(self, request_key: str) -> Validators | None:
        with self._lock:
            row = self._db.execute(
                "select etag, last_modified, sha256 from validators where request_key = ?",
                (request_key,),
            ).fetchone()
        return Validators(request_key, *row) if row else None

    def seen_posts(self, source: str, board: str) -> set[str]:
        with self._lock:
            rows = self._db.execute(
                "select post_id from board_posts where source = ? and board = ?", (source, board)
            ).fetchall()
        return {r[0] for r in rows}

    def pending_posts(self, source: str, board: str) -> set[str]:
        with self._lock:
            rows = self._db.execute(
                "select post_id from board_pending where source = ? and board = ?",
                (source, board),
            ).fetchall()
        return {r[0] for r in rows}

    def listing(self, source: str, board: str) -> dict[int, list[tuple[str, str]]]:
        """Per list page, the posts it showed when it was last read."""
        with self._lock:
            rows = self._db.execute(
                "select page, posts from board_listing where source = ? and board = ?",
                (source, board),
            ).fetchall()
        return {page: [tuple(p) for p in json.loads(posts)] for page, posts in rows}

    def commit(self, updates: Iterable[StateUpdate]) -> None:
        now = datetime.now(UTC).isoformat()
        with self._lock:
            self._db.execute("begin")
            try:
                for update in updates:
                    if isinstance(update, Validators):
                        self._db.execute(
                            "insert or replace into validators values (?, ?, ?, ?, ?)",
                            (
                                update.request_key,
                                update.etag,
                                update.last_modified,
                                update.sha256,
                                now,
                            ),
                        )
                    elif isinstance(update, ListedPage):
                        self._db.execute(
                            "insert or replace into board_listing values (?, ?, ?, ?, ?)",
                            (update.source, update.board, update.page, _json(update.posts), now),
                        )
                    else:
                        self._commit_posts(update, now)
                self._db.execute("commit")
            except BaseException:
                self._db.execute("rollback")
                raise

    def _commit_posts(self, update: SeenPosts | PendingPosts, now: str) -> None:
        rows = [(update.source, update.board, p) for p in update.post_ids]
        forget = "delete from board_pending where source = ? and board = ? and post_id = ?"
        if isinstance(update, SeenPosts):
            self._db.executemany(
                "insert or ignore into board_posts values (?, ?, ?, ?)",
                [(*row, now) for row in rows],
            )
            self._db.executemany(forget, rows)
        elif update.dropped:
            self._db.executemany(forget, rows)
        else:
            self._db.executemany(
                "insert or ignore into board_pending values (?, ?, ?, ?)",
                [(*row, now) for row in rows],
            )

    def close(self) -> None:
        self._db.close()


def _json(posts: tuple[tuple[str, str], ...]) -> str:
    return json.dumps([list(p) for p in posts], ensure_ascii=False)
