"""Quarantined records: what is held back, from which archived response, and re-admitting them.

Row validation (``expectations/rows.py``) writes every record that breaks its model to
``raw.quarantine`` with the rule and the fetch id of the HTTP exchange it was read from; the
fetch log places that exchange in the WARC archive. After a rule or a parser was fixed,
``release`` validates the held records again against the current models and loads those that
pass, as a run of its own; the others stay held.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from expectations.rows import Validated, validate_records
from flows.run_context import run_context
from flows.runtime import new_run_id
from flows.settings import Settings
from flows.warehouse import WarehouseLockedError, connect, merge_source, transaction

# The status of a release in raw.source_runs: not a crawl, so it says nothing of a source's health.
RELEASED = "released"


@dataclass(frozen=True)
class Held:
    """One quarantined record and the archived response it came from."""

    source: str | None
    rule: str
    reason: str
    run_id: str
    quarantined_at: datetime
    fetch_id: str | None
    url: str | None
    warc_file: str | None
    warc_offset: int | None


@dataclass
class Released:
    """What ``release`` did: records loaded and still held, per source and rule."""

    run_id: str
    loaded: dict[tuple[str, str], int] = field(default_factory=dict)
    still_held: dict[tuple[str, str], int] = field(default_factory=dict)


def _filters(source: str | None, rule: str | None) -> tuple[str, list[str]]:
    clauses, params = ["q.released_at is null"], []
    if source:
        clauses.append("q.source = ?")
        params.append(source)
    if rule:
        clauses.append("q.rule = ?")
        params.append(rule)
    return " and ".join(clauses), params


def held_records(
    con: duckdb.DuckDBPyConnection, source: str | None = None, rule: str | None = None
) -> list[Held]:
    """Records still held, by source and rule, each with its fetch's place in the archive."""
    where, params = _filters(source, rule)
    columns = {c[0] for c in con.execute("describe raw.quarantine").fetchall()}
    # a warehouse opened read-only may predate the release column: nothing was released then
    quarantine = (
        "raw.quarantine"
        if "released_at" in columns
        else ("(select *, null::timestamptz as released_at from raw.quarantine)")
    )
    rows = con.execute(
        "select q.source, q.rule, q.reason, q.run_id, q.quarantined_at, q.fetch_id, "
        "f.url, f.warc_file, f.warc_offset "
        f"from {quarantine} as q left join raw.fetch_log as f using (fetch_id) "
        f"where {where} order by q.source, q.rule, q.quarantined_at",
        params,
    ).fetchall()
    return [Held(*row) for row in rows]


def _record_type(declared: str | None, record: dict) -> str:
    """Rows quarantined before the record type was stored: the record's keys tell."""
    if declared:
        return declared
    return "observation" if "indicator_id" in record else "announcement"


def release(settings: Settings, source: str | None = None, rule: str | None = None) -> Released:
    """Validate the held records again and load those that pass, inside a writing run's
    context (writer lock with its bounded wait, signals honoured)."""
    outcome = Released(run_id=new_run_id())
    with run_context(settings):
        con = connect(settings.warehouse)
        try:
            _release(con, outcome, source, rule)
        finally:
            con.close()
    return outcome


def _release(
    con: duckdb.DuckDBPyConnection, outcome: Released, source: str | None, rule: str | None
) -> None:
    where, params = _filters(source, rule)
    rows = con.execute(
        "select q.rowid, q.source, q.rule, q.record_type, cast(q.record as varchar) "
        f"from raw.quarantine as q where {where} order by q.rowid",
        params,
    ).fetchall()
    groups: dict[tuple[str | None, str], list[tuple[int, str, dict]]] = {}
    for rowid, row_source, row_rule, declared, text in rows:
        record = json.loads(text)
        groups.setdefault((row_source, _record_type(declared, record)), []).append(
            (rowid, row_rule, record)
        )
    for (group_source, record_type), members in groups.items():
        started = datetime.now(UTC)
        validated = validate_records(record_type, [record for _, _, record in members])
        held = set(validated.held)
        for position, (_, row_rule, _) in enumerate(members):
            tally = outcome.still_held if position in held else outcome.loaded
            key = (group_source or "?", row_rule)
            tally[key] = tally.get(key, 0) + 1
        passed = [rowid for i, (rowid, _, _) in enumerate(members) if i not in held]
        with transaction(con):
            for position, row in zip(validated.held, validated.quarantined, strict=True):
                con.execute(
                    "update raw.quarantine set rule = ?, reason = ? where rowid = ?",
                    [row["rule"], row["reason"], members[position][0]],
                )
            if passed:
                _load_released(
                    con, outcome.run_id, (group_source, record_type), validated, passed, started
                )


def _load_released(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    group: tuple[str | None, str],
    validated: Validated,
    passed: list[int],
    started: datetime,
) -> None:
    """Load the records that pass now, mark them released and count them as a run of the
    source, in the caller's transaction: a release stopped halfway leaves them all held."""
    source, record_type = group
    loaded_at = datetime.now(UTC)
    merge_source(
        con,
        run_id=run_id,
        record_type=record_type,
        good=validated.good,
        quarantined=[],
        fetch_rows=[],
        loaded_at=loaded_at,
        source_run={
            "run_id": run_id,
            "source": source or "?",
            "started_at": started,
            "finished_at": loaded_at,
            "status": RELEASED,
            "fetched": 0,
            "records": len(passed),
            "quarantined": 0,
            "message": f"released {len(passed)} quarantined record(s)",
        },
    )
    con.execute(
        "update raw.quarantine set released_at = ? where rowid in (select unnest(?::bigint[]))",
        [loaded_at, passed],
    )


def format_held(records: list[Held], limit: int) -> list[str]:
    """Lines for the terminal: a count per source and rule, then up to ``limit`` records
    of each with the archived response (WARC file and offset) it came from."""
    groups: dict[tuple[str, str], list[Held]] = {}
    for held in records:
        groups.setdefault((held.source or "?", held.rule), []).append(held)
    lines = []
    for (source, rule), members in groups.items():
        lines.append(f"{source}  {rule}  {len(members)} held")
        for held in members[:limit]:
            place = (
                f"{held.warc_file}@{held.warc_offset}" if held.warc_file else "not in the archive"
            )
            lines.append(f"  fetch {held.fetch_id or '-'} → {place}  ({held.reason})")
            if held.url:
                lines.append(f"    {held.url}")
        if len(members) > limit:
            lines.append(f"  … {len(members) - limit} more")
    return lines


def show_quarantine(
    settings: Settings, source: str | None, rule: str | None, limit: int, release_them: bool
) -> list[str]:
    """What ``fez quarantine`` prints: the held records, or what a release did."""
    warehouse = settings.warehouse
    if release_them:
        done = release(settings, source, rule)
        lines = [f"{s}  {r}  {n} loaded (run {done.run_id})" for (s, r), n in done.loaded.items()]
        lines += [f"{s}  {r}  {n} still failing" for (s, r), n in done.still_held.items()]
        if done.loaded:
            lines.append("the records reach the marts with the next `fez run` or `fez transform`")
        return lines or ["nothing is quarantined"]
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.IOException as exc:
        raise WarehouseLockedError(f"the warehouse {warehouse} is busy ({exc})") from None
    with con:
        records = held_records(con, source, rule)
    return format_held(records, limit) or ["nothing is quarantined"]
