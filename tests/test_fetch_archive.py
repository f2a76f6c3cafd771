"""The raw archive: secrets never reach it, it survives a crash, it replays and re-parses."""

from __future__ import annotations

import gzip
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flows.settings import DEFAULT_SECRET_PARAMS
from sources.crawl import collect
from sources.fetch.archive import ArchivedExchange, WarcArchive, read_exchanges, warc_files
from sources.fetch.redact import Redactor, declared_secret_params
from sources.fetch.replay import ReplayStore, open_replay
from sources.record import BundleExistsError, record_bundle
from sources.reparse import reparse_archive
from tests.fetch_helpers import SECRET, board_page, board_spec, fetcher, redactor, responses
from tests.httpserver import Reply, html, local_servers


def pages(server, count: int = 3) -> None:
    def answer(seen):
        number = int(seen.query.split("page=")[1])
        ids = [number * 10 + i for i in range(3)] if number <= count else []
        return html(board_page(ids, next_page=number + 1))

    server.route("/board", answer)


def paged_spec(server, **fields):
    return board_spec(server, paging={"param": "page", "max_pages": 10}, **fields)


def without_fetch_ids(records):
    return [{k: v for k, v in r.items() if k != "fetch_id"} for r in records]


def everything_written(root: Path) -> bytes:
    """Every file under ``root``, WARC files decompressed, so a grep sees what is stored."""
    data = b""
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        raw = path.read_bytes()
        data += gzip.decompress(raw) if path.name.endswith(".gz") else raw
    return data


def test_no_secret_reaches_the_archive_the_log_rows_or_the_errors(tmp_path):
    with local_servers(1) as (server,):
        server.route("/api", Reply(200, f'{{"error": "bad key {SECRET}"}}'.encode()))
        spec = board_spec(
            server,
            path="/api",
            requests=[{"url": server.url("/api"), "params": {"apiKey": "{api_key}", "q": "x"}}],
        )
        run = fetcher(tmp_path)
        run.session.headers["Authorization"] = f"Bearer {SECRET}"
        collected = collect(spec, run, api_key=SECRET)
        assert server.seen("/api")[0].query.startswith(f"apiKey={SECRET}")
        server.stop()
        failed = collect(spec, fetcher(tmp_path, run_id="run2", retries=0), api_key=SECRET)
    assert failed.errors
    stored = everything_written(tmp_path / "raw")
    assert b"REDACTED" in stored
    assert SECRET.encode() not in stored
    logged = repr([f.log_row("run") for c in (collected, failed) for f in c.fetches])
    assert SECRET not in logged + repr(collected.errors + failed.errors)


def exchange(number: int) -> ArchivedExchange:
    return ArchivedExchange(
        method="GET",
        url=f"https://pms.gtp.or.kr/list?page={number}",
        request_headers=[("User-Agent", "fez-test")],
        request_body=b"",
        fetched_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
        fetch_id=f"fetch{number}",
        status=200,
        response_headers=[("Content-Type", "text/html; charset=utf-8")],
        body=board_page([number]).encode(),
    )


def test_a_crash_mid_write_leaves_earlier_records_readable(tmp_path):
    archive = WarcArchive(tmp_path, "run1")
    for number in (1, 2):
        location = archive.write("test_board", exchange(number))
    third = archive.write("test_board", exchange(3))
    path = third.path
    with path.open("r+b") as handle:
        handle.truncate(third.offset + (path.stat().st_size - third.offset) // 2)
    assert location.offset < third.offset
    read = list(read_exchanges(path))
    assert [e.fetch_id for e in read] == ["fetch1", "fetch2"]
    assert ReplayStore.from_warc([tmp_path], redactor()).answers


class _HeldArchive(WarcArchive):
    """Holds each write between its two records until ``go`` is set."""

    def __init__(self, *args):
        super().__init__(*args)
        self.inside, self.go = threading.Event(), threading.Event()

    def _request_record(self, *args):
        self.inside.set()
        self.go.wait(10)
        return super()._request_record(*args)


def test_close_waits_for_a_write_in_progress_and_a_later_write_still_lands(tmp_path):
    archive = _HeldArchive(tmp_path, "run1")
    archive.go.set()
    path = archive.write("test_board", exchange(1)).path
    archive.go.clear()
    writing = threading.Thread(target=archive.write, args=("test_board", exchange(2)))
    writing.start()
    assert archive.inside.wait(10)
    closing = threading.Thread(target=archive.close)
    closing.start()
    closing.join(0.2)
    assert closing.is_alive(), "close did not wait for the write in progress"
    archive.go.set()
    writing.join(10)
    closing.join(10)
    late = archive.write("test_board", exchange(3))
    assert late.path == path
    assert [e.fetch_id for e in read_exchanges(path)] == ["fetch1", "fetch2", "fetch3"]


def test_a_crawl_whose_fetcher_closes_mid_request_keeps_that_answer_and_asks_nothing_more(
    tmp_path,
):
    run = fetcher(tmp_path)

    def answer(seen):
        number = int(seen.query.split("page=")[1])
        if number == 2:
            run.close()
        return html(board_page([number * 10], next_page=number + 1))

    with local_servers(1) as (server,):
        server.route("/board", answer)
        collected = collect(paged_spec(server), run)
        asked = [seen.query for seen in server.seen("/board")]
    assert asked == ["page=1", "page=2"]
    pages_kept = [e.url.rsplit("=", 1)[1] for e in responses(tmp_path) if "/board" in e.url]
    assert pages_kept == ["1", "2"]
    assert any("the run stopped with 1 requests not made" in w for w in collected.warnings)


def test_records_are_only_ever_appended(tmp_path):
    archive = WarcArchive(tmp_path, "run1")
    path = archive.write("test_board", exchange(1)).path
    before = path.read_bytes()
    archive.write("test_board", exchange(2))
    assert path.read_bytes().startswith(before)
    other = WarcArchive(tmp_path, "run2").write("test_board", exchange(3)).path
    assert other != path and path.read_bytes().startswith(before)


def test_replay_from_the_archive_gives_the_same_records_without_network(tmp_path):
    with local_servers(1) as (server,):
        pages(server)
        spec = paged_spec(server)
        live = collect(spec, fetcher(tmp_path))
        asked = len(server.requests)
        store = ReplayStore.from_warc([tmp_path / "raw"], redactor())
        replayed = collect(spec, fetcher(tmp_path / "again", replay=store))
        assert len(server.requests) == asked
    assert len(live.records) == 9
    assert without_fetch_ids(replayed.records) == without_fetch_ids(live.records)
    assert not replayed.errors


def test_a_url_missing_from_the_replay_is_an_error_naming_it(tmp_path):
    spec = board_spec(*_fake_server(), path="/missing")
    result = fetcher(tmp_path, replay=ReplayStore({}, redactor(), "an empty store")).fetch(
        spec, spec.requests[0]
    )
    assert result.outcome == "replay_miss"
    assert result.error == "GET http://127.0.0.9:8000/missing is not in an empty store"
    assert warc_files([tmp_path]) == []


def _fake_server():
    class Named:
        netloc = "127.0.0.9:8000"

        def url(self, path):
            return f"http://{self.netloc}{path}"

    return (Named(),)


def test_replay_defaults_to_the_bundled_samples(tmp_path):
    from sources.registry import load_sources

    spec = load_sources()["gtp_business"]
    collected = collect(spec, fetcher(tmp_path, replay=open_replay(None, redactor())))
    assert collected.records and not collected.errors


def test_reparse_reads_every_archived_page_once(tmp_path):
    with local_servers(1) as (server,):
        pages(server)
        spec = paged_spec(server)
        live = collect(spec, fetcher(tmp_path))
        collect(spec, fetcher(tmp_path, run_id="run2"))
    reparsed = reparse_archive(tmp_path / "raw", {spec.name: spec})[spec.name]
    assert reparsed.records == live.records
    assert not reparsed.errors


def test_record_writes_a_bundle_that_replays(tmp_path):
    with local_servers(1) as (server,):
        pages(server, count=2)
        spec = paged_spec(server)
        bundle = tmp_path / "bundle"
        recorded = record_bundle([spec], fetcher(tmp_path), bundle)
        with pytest.raises(BundleExistsError, match="test_board"):
            record_bundle([spec], fetcher(tmp_path), bundle)
    files = sorted(p.name for p in (bundle / spec.name).iterdir())
    assert files == ["001_list.html", "002_list.html", "003_list.html", "manifest.yaml"]
    replayed = collect(spec, fetcher(tmp_path / "again", replay=open_replay(bundle, redactor())))
    assert without_fetch_ids(replayed.records) == without_fetch_ids(recorded[spec.name].records)
    assert len(replayed.records) == 6


def damaged_archive(tmp_path: Path) -> tuple[Path, list[int]]:
    """Three exchanges of test_board in one WARC file; the offsets of their records."""
    archive = WarcArchive(tmp_path / "raw", "run1")
    offsets = [archive.write("test_board", exchange(n)).offset for n in (1, 2, 3)]
    archive.close()
    return archive.path_for("test_board", exchange(1).fetched_at), offsets


def test_a_damaged_first_record_loses_only_itself(tmp_path):
    path, offsets = damaged_archive(tmp_path)
    data = bytearray(path.read_bytes())
    for at in range(offsets[0] + 40, offsets[0] + 46):
        data[at] ^= 0xFF
    path.write_bytes(bytes(data))
    damaged: list[str] = []
    assert [e.fetch_id for e in read_exchanges(path, damaged)] == ["fetch2", "fetch3"]
    (damage,) = damaged
    assert damage.startswith(f"{path}: damaged record at offset 0: does not inflate")
    with local_servers(1) as (server,):
        spec = board_spec(server)
        (collected,) = reparse_archive(tmp_path / "raw", {spec.name: spec}).values()
    assert [r["post_id"] for r in collected.records] == ["2", "3"]
    assert collected.errors == damaged


def test_a_file_cut_mid_record_reports_the_cut(tmp_path):
    path, offsets = damaged_archive(tmp_path)
    with path.open("r+b") as handle:
        handle.truncate(offsets[2] + 30)
    damaged: list[str] = []
    assert [e.fetch_id for e in read_exchanges(path, damaged)] == ["fetch1", "fetch2"]
    assert damaged == [
        f"{path}: damaged record at offset {offsets[2]}: cut short (the file ends mid-record); "
        "skipped"
    ]


def test_a_public_key_parameter_is_kept_and_declared_secrets_are_redacted(tmp_path):
    with local_servers(1) as (server,):
        server.route("/board", html(board_page([1])))
        params = {"key": "274", "token": "{api_key}", "sid": "private-42"}
        spec = board_spec(
            server, requests=[{"url": server.url("/board"), "params": params}],
            secret_params=["sid"],
        )  # fmt: skip
        run = fetcher(tmp_path)
        run.redactor = Redactor([*DEFAULT_SECRET_PARAMS, *declared_secret_params([spec])])
        collect(spec, run, api_key="k-123")
    (page,) = [e for e in responses(tmp_path) if "/board" in e.url]
    assert "key=274" in page.url
    assert "token=REDACTED" in page.url and "sid=REDACTED" in page.url
    assert b"k-123" not in everything_written(tmp_path / "raw")
