"""Releases: written in full, then `latest` switched; cut only when the content changed;
the same content gives the same bytes; earlier releases stay readable until pruned."""

import errno
import hashlib
import json
import threading

import pandas as pd
import pyarrow.parquet as pq
import pytest

from flows import publish as publish_module
from flows.publish import prepare_publish
from flows.publish import publish as publish_all
from flows.release.datasets import Dataset
from flows.release.store import PublishError, latest_id, list_releases, prune, rollback
from flows.warehouse import connect

DATASETS = (
    Dataset("announcements", "main.fct_announcement", ("announcement_id",), "announcement"),
    Dataset("regions", "main.dim_region", ("region_code",)),
)


def publish(con, published, release_id, **options):
    return publish_all(con, published, release_id, datasets=DATASETS, **options)


@pytest.fixture
def con(tmp_path):
    connection = connect(tmp_path / "w.duckdb")
    connection.execute(
        "create table main.fct_announcement ("
        " announcement_id varchar, title varchar, posted_date date, first_seen_at timestamptz,"
        " last_seen_at timestamptz, days_left integer)"
    )
    connection.execute(
        "insert into main.fct_announcement values "
        "('gtp_business:2', '입주기업 모집 <b>공고</b>', '2025-10-01', "
        " '2025-10-01 00:30:00+00', '2025-10-01 00:30:00+00', 12), "
        "('gtp_business:1', '안산 기술사업화 지원사업', '2025-09-30', "
        " '2025-09-30 15:00:00+00', '2025-10-01 00:30:00+00', null)"
    )
    connection.execute(
        "create table main.dim_region as select * from (values "
        "('41270', '안산시', '41000'), ('00000', '전국', null), ('41000', '경기도', '00000')) "
        "as t(region_code, name_ko, parent_code)"
    )
    yield connection
    connection.close()


def _latest(published):
    return (published / "latest").resolve().name


def test_latest_points_at_the_newest_complete_release(con, tmp_path):
    published = tmp_path / "published"
    publish(con, published, "r1")
    con.execute("update main.dim_region set name_ko = 'Ansan-si' where region_code = '41270'")
    publish(con, published, "r2")
    latest = pd.read_parquet(published / "latest" / "regions.parquet")
    first = pd.read_parquet(published / "releases" / "r1" / "regions.parquet")
    assert "Ansan-si" in latest["name_ko"].tolist()
    assert "Ansan-si" not in first["name_ko"].tolist()
    assert _latest(published) == "r2"
    assert not list((published / "releases").glob(".*partial"))


def test_unchanged_content_cuts_no_release(con, tmp_path):
    published = tmp_path / "published"
    publish(con, published, "r1")
    # A run that only saw the same posts again moves last_seen_at: still no change.
    con.execute("update main.fct_announcement set last_seen_at = now()")
    again = publish(con, published, "r2")
    assert not again.new and again.release_id == "r1"
    assert [r.release_id for r in list_releases(published)] == ["r1"]
    assert _latest(published) == "r1"
    assert not list((published / "releases").glob(".*"))
    con.execute("update main.fct_announcement set days_left = 11 where days_left = 12")
    assert publish(con, published, "r3").new


def test_identical_content_gives_identical_bytes(con, tmp_path):
    publish(con, tmp_path / "a", "r1")
    # The same rows inserted in another order, into another release.
    con.execute(
        "create or replace table main.dim_region as "
        "select * from main.dim_region order by region_code desc"
    )
    publish(con, tmp_path / "b", "r2")
    first, second = tmp_path / "a" / "latest", tmp_path / "b" / "latest"
    for name in ("announcements", "regions"):
        for suffix in ("parquet", "csv", "json"):
            path = f"{name}.{suffix}"
            assert (first / path).read_bytes() == (second / path).read_bytes(), path
    sums = [json.loads((d / "manifest.json").read_text())["sha256"] for d in (first, second)]
    assert sums[0]["regions.csv"] == sums[1]["regions.csv"]
    regions = pd.read_csv(first / "regions.csv", dtype=str)
    assert regions["region_code"].tolist() == ["00000", "41000", "41270"]


def test_csv_round_trips_hangul_and_string_codes_with_the_published_schema(con, tmp_path):
    release = publish(con, tmp_path / "published", "r1")
    raw = (release.path / "regions.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    package = json.loads((release.path / "datapackage.json").read_text())
    resource = next(r for r in package["resources"] if r["name"] == "regions")
    types = {f["name"]: f["type"] for f in resource["schema"]["fields"]}
    assert types == {"region_code": "string", "name_ko": "string", "parent_code": "string"}
    assert resource["schema"]["primaryKey"] == ["region_code"]
    dtypes = {name: "string" for name, kind in types.items() if kind == "string"}
    frame = pd.read_csv(
        release.path / resource["path"], encoding=resource["encoding"], dtype=dtypes
    )
    expected = pd.read_parquet(release.path / "regions.parquet").astype("string")
    pd.testing.assert_frame_equal(frame, expected)
    assert frame.loc[frame["region_code"] == "41000", "parent_code"].item() == "00000"
    assert "안산시" in frame["name_ko"].tolist()


def test_timestamps_carry_the_kst_offset_in_every_format(con, tmp_path):
    release = publish(con, tmp_path / "published", "r1")
    csv_text = (release.path / "announcements.csv").read_text(encoding="utf-8-sig")
    assert "2025-10-01T00:00:00+09:00" in csv_text  # 2025-09-30 15:00 UTC
    rows = json.loads((release.path / "announcements.json").read_text())
    assert rows[0]["announcement_id"] == "gtp_business:1"  # sorted by the primary key
    assert rows[0]["first_seen_at"] == "2025-10-01T00:00:00+09:00"
    assert rows[0]["days_left"] is None and rows[1]["days_left"] == 12
    schema = pq.read_schema(release.path / "announcements.parquet")
    assert schema.field("first_seen_at").type.tz == "+09:00"


def test_checksums_match_and_frictionless_validates_the_package(con, tmp_path):
    from frictionless import validate

    release = publish(con, tmp_path / "published", "r1", samples=True)
    manifest = json.loads((release.path / "manifest.json").read_text())
    for name, digest in manifest["sha256"].items():
        assert hashlib.sha256((release.path / name).read_bytes()).hexdigest() == digest
    assert {"announcements.csv", "datapackage.json", "changes.json"} <= set(manifest["sha256"])
    package_path = release.path / "datapackage.json"
    report = validate(str(package_path))
    assert report.valid, report.flatten(["type", "note"])
    package = json.loads(package_path.read_text())
    assert package["samples"] is True and "SAMPLE DATA" in package["title"]
    assert "SAMPLE DATA" in (release.path / "README.md").read_text()
    # A file changed after publishing no longer matches its recorded hash.
    csv_path = release.path / "regions.csv"
    csv_path.write_bytes(csv_path.read_bytes().replace("안산시".encode(), "안산".encode()))
    assert not validate(str(package_path)).valid


def test_changes_count_rows_added_changed_and_removed(con, tmp_path):
    published = tmp_path / "published"
    first = publish(con, published, "r1")
    changes = json.loads((first.path / "changes.json").read_text())["datasets"]
    assert changes["regions"]["added"] == 3 and changes["regions"]["removed"] == 0
    con.execute("update main.dim_region set name_ko = 'Ansan' where region_code = '41270'")
    con.execute("delete from main.dim_region where region_code = '00000'")
    con.execute("insert into main.dim_region values ('41271', '상록구', '41270')")
    second = publish(con, published, "r2")
    changes = json.loads((second.path / "changes.json").read_text())
    assert changes["previous_release"] == "r1"
    regions = changes["datasets"]["regions"]
    assert (regions["added"], regions["changed"], regions["removed"]) == (1, 1, 1)
    assert regions["added_keys"] == ["41271"] and regions["removed_keys"] == ["00000"]
    assert changes["datasets"]["announcements"]["changed"] == 0


def test_untouched_datasets_are_carried_or_published_empty(con, tmp_path):
    published = tmp_path / "published"
    first = publish(con, published, "r1", touched={"regions"})
    manifest = json.loads((first.path / "manifest.json").read_text())
    assert manifest["datasets"]["announcements"]["status"] == "empty"
    assert manifest["tables"]["announcements"] == 0
    empty = pq.read_table(first.path / "announcements.parquet")
    assert empty.num_rows == 0 and "title" in empty.column_names
    second = publish(con, published, "r2", touched={"announcements", "regions"})
    assert second.datasets["announcements"] == "changed"
    con.execute("delete from main.fct_announcement")
    con.execute("update main.dim_region set name_ko = 'Ansan' where region_code = '41270'")
    third = publish(con, published, "r3", touched={"regions"})
    manifest = json.loads((third.path / "manifest.json").read_text())
    assert manifest["datasets"]["announcements"]["status"] == "carried"
    assert manifest["datasets"]["announcements"]["from_release"] == "r2"
    assert manifest["tables"]["announcements"] == 2
    carried = (third.path / "announcements.csv").read_bytes()
    assert carried == (second.path / "announcements.csv").read_bytes()


def test_rollback_points_latest_back_and_rejects_unknown_releases(con, tmp_path):
    published = tmp_path / "published"
    publish(con, published, "r1")
    con.execute("delete from main.dim_region where region_code = '00000'")
    publish(con, published, "r2")
    rollback(published, "r1")
    assert _latest(published) == "r1"
    assert len(pd.read_parquet(published / "latest" / "regions.parquet")) == 3
    with pytest.raises(PublishError, match="no complete release r9"):
        rollback(published, "r9")
    assert _latest(published) == "r1"


def test_retention_keeps_the_newest_and_never_the_latest(con, tmp_path):
    published = tmp_path / "published"
    for number in range(1, 5):
        con.execute(f"update main.dim_region set name_ko = 'v{number}' where region_code = '41270'")
        publish(con, published, f"r{number}", keep=3)
    assert [r.release_id for r in list_releases(published)] == ["r2", "r3", "r4"]
    rollback(published, "r2")
    assert prune(published, keep=1) == ["r3"]
    assert [r.release_id for r in list_releases(published)] == ["r2", "r4"]
    assert _latest(published) == "r2"


def test_docs_are_stored_once_and_linked(con, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.html").write_text("<html>dbt docs</html>")
    published = tmp_path / "published"
    publish(con, published, "r1", docs_dir=docs)
    con.execute("delete from main.dim_region where region_code = '00000'")
    publish(con, published, "r2", docs_dir=docs)
    assert len(list((published / "docs").iterdir())) == 1
    for release in ("r1", "r2"):
        linked = published / "releases" / release / "docs" / "dbt" / "index.html"
        assert linked.read_text() == "<html>dbt docs</html>"
    (docs / "index.html").write_text("<html>newer docs</html>")
    con.execute("delete from main.dim_region where region_code = '41000'")
    publish(con, published, "r3", docs_dir=docs, keep=1)
    assert len(list((published / "docs").iterdir())) == 1
    newer = (published / "latest" / "docs" / "dbt" / "index.html").read_text()
    assert newer == "<html>newer docs</html>"


def test_site_builders_write_into_the_release_before_the_switch(con, tmp_path):
    published = tmp_path / "published"
    seen = []

    def portal(draft):
        assert latest_id(published) is None
        seen.append(sorted(draft.manifest["datasets"]))
        (draft.path / "index.html").write_text("<h1>ASV FEZ</h1>", encoding="utf-8")

    release = publish(con, published, "r1", builders=[portal])
    assert seen == [["announcements", "regions"]]
    manifest = json.loads((release.path / "manifest.json").read_text())
    digest = hashlib.sha256(b"<h1>ASV FEZ</h1>").hexdigest()
    assert manifest["sha256"]["index.html"] == digest


def test_a_release_id_is_never_overwritten(con, tmp_path):
    publish(con, tmp_path / "published", "r1")
    with pytest.raises(FileExistsError):
        publish(con, tmp_path / "published", "r1")


def test_a_write_error_leaves_latest_and_no_partial(con, tmp_path, monkeypatch):
    published = tmp_path / "published"
    publish(con, published, "r1")
    con.execute("delete from main.dim_region where region_code = '00000'")
    real = publish_module.write_dataset

    def disk_fills_up(table, directory, name):
        if name == "regions":
            raise OSError(errno.ENOSPC, "No space left on device", str(directory / name))
        return real(table, directory, name)

    monkeypatch.setattr(publish_module, "write_dataset", disk_fills_up)
    with pytest.raises(PublishError) as failure:
        publish(con, published, "r2")
    message = str(failure.value)
    assert "\n" not in message
    assert message.startswith("disk full while publishing release r2")
    assert message.endswith("release r1 stays latest")
    assert _latest(published) == "r1"
    assert sorted(p.name for p in (published / "releases").iterdir()) == ["r1"]
    monkeypatch.setattr(publish_module, "write_dataset", real)
    assert publish(con, published, "r3").new  # the run after the failed one publishes
    assert _latest(published) == "r3"


def test_a_failed_first_release_says_none_exists(con, tmp_path, monkeypatch):
    def broken(*_):
        raise PermissionError(errno.EACCES, "Permission denied", "x.csv")

    monkeypatch.setattr(publish_module, "write_dataset", broken)
    with pytest.raises(PublishError, match=r"write error .*; no release exists yet$"):
        publish(con, tmp_path / "published", "r1")
    assert not list((tmp_path / "published" / "releases").iterdir())


def test_the_next_run_removes_what_a_killed_run_left(con, tmp_path):
    published = tmp_path / "published"
    publish(con, published, "r1")
    leftover = published / "releases" / ".r2.partial"
    leftover.mkdir()
    (leftover / "announcements.csv").write_bytes(b"x" * 1000)
    (published / ".latest.r2.123").symlink_to("releases/r2")
    prepare_publish(published, 0)
    assert not leftover.exists() and not (published / ".latest.r2.123").is_symlink()
    assert _latest(published) == "r1"
    with pytest.raises(PublishError, match=r"^disk full: .*; release r1 stays latest$"):
        prepare_publish(published, 2**60)


def test_readers_never_see_a_missing_or_partial_file(con, tmp_path):
    published = tmp_path / "published"
    publish(con, published, "r0")
    problems, done = [], threading.Event()

    def reader():
        while not done.is_set():
            try:
                manifest = json.loads((published / "latest" / "manifest.json").read_text())
                release = published / "releases" / manifest["release_id"]
                for name, digest in manifest["sha256"].items():
                    data = (release / name).read_bytes()
                    if hashlib.sha256(data).hexdigest() != digest:
                        problems.append(f"{name} does not match in {release.name}")
            except (OSError, ValueError) as exc:
                problems.append(repr(exc))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for number in range(1, 8):
            con.execute(
                f"update main.dim_region set name_ko = 'v{number}' where parent_code = '00000'"
            )
            publish(con, published, f"r{number}")
    finally:
        done.set()
        thread.join()
    assert problems == []
    assert _latest(published) == "r7"


TMPFS_SCRIPT = """
import json, os, shutil, sys
from pathlib import Path
from flows.publish import publish
from flows.release.datasets import Dataset
from flows.release.store import PublishError, latest_id
from flows.warehouse import connect

published = Path(sys.argv[1])
datasets = (Dataset("notes", "main.notes", ("id",)),)
con = connect(Path(sys.argv[2]))
con.execute("create table main.notes as select 'n1' as id, '안산' as body")
publish(con, published, "r1", datasets=datasets)
free_before = shutil.disk_usage(published).free
con.execute(
    "insert into main.notes select 'n' || (i + 2), md5(i::varchar) || md5((i * 7)::varchar) "
    "from range(40000) t(i)"
)
try:
    publish(con, published, "r2", datasets=datasets)
    message = None
except PublishError as exc:
    message = str(exc)
free_after = shutil.disk_usage(published).free
# Fill the disk to the last byte: the next run still takes its lock and says "disk full".
with open(published / "filler", "wb", buffering=0) as filler:
    try:
        while True:
            filler.write(b"x" * 4096)
    except OSError:
        pass
from flows.locking import run_lock
from flows.publish import prepare_publish
try:
    with run_lock(published / "w.duckdb"):
        prepare_publish(published, 2**20)
    at_start = None
except PublishError as exc:
    at_start = str(exc)
print(json.dumps({
    "message": message,
    "latest": latest_id(published),
    "releases": sorted(os.listdir(published / "releases")),
    "free_before": free_before,
    "free_after": free_after,
    "at_start": at_start,
}))
"""


def test_a_full_disk_leaves_latest_and_free_space_as_they_were(tmp_path):
    """On a real 1 MB tmpfs (in a private mount namespace): the second release does not fit."""
    import shutil as shell
    import subprocess
    import sys

    published = tmp_path / "published"
    published.mkdir()
    if shell.which("unshare") is None:
        pytest.skip("unshare is not available")
    probe = subprocess.run(
        ["unshare", "-rm", "mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(published)],
        capture_output=True, check=False,
    )  # fmt: skip
    if probe.returncode:
        pytest.skip("cannot mount a tmpfs in a user namespace here")
    command = (
        f"mount -t tmpfs -o size=1m tmpfs {published} && "
        f'exec "{sys.executable}" -c "$0" {published} {tmp_path / "w.duckdb"}'
    )
    result = subprocess.run(
        ["unshare", "-rm", "sh", "-c", command, TMPFS_SCRIPT],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["message"].startswith("disk full while publishing release r2")
    assert outcome["message"].endswith("release r1 stays latest")
    assert outcome["latest"] == "r1"
    assert outcome["releases"] == ["r1"]
    assert outcome["free_after"] == outcome["free_before"]
    assert outcome["at_start"].startswith("disk full: 0 MB free")
    assert outcome["at_start"].endswith("release r1 stays latest")
