import io
import stat
import time
import zipfile
from pathlib import Path

import pytest

from ntm_forecast import files
from ntm_forecast.domain.params import load_locality
from ntm_forecast.errors import EXIT_BAD_INPUT, InputError
from ntm_forecast.files import (
    atomic_path,
    atomic_write_bytes,
    atomic_write_text,
    ensure_writable_dir,
    fixed_zip_times,
    read_text,
)
from ntm_forecast.ingest.extract import read_report
from ntm_forecast.ingest.importer import read_table


def test_write_replaces_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "a.csv"
    target.write_text("old")
    atomic_write_text(target, "Hậu Giang\n")
    assert target.read_text(encoding="utf-8") == "Hậu Giang\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]


def test_failed_write_leaves_nothing(tmp_path):
    target = tmp_path / "report.xlsx"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half a workbook")
        assert tmp.parent == tmp_path and tmp.suffix == ".xlsx"
        raise RuntimeError("disk full")
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_the_old_file(tmp_path):
    target = atomic_write_bytes(tmp_path / "x.bin", b"old")
    with pytest.raises(ValueError), atomic_path(target) as tmp:
        tmp.write_bytes(b"new")
        raise ValueError
    assert target.read_bytes() == b"old"
    assert len(list(tmp_path.iterdir())) == 1


def test_directory_is_created(tmp_path):
    out = ensure_writable_dir(tmp_path / "a" / "b")
    assert out.is_dir()


def test_directory_under_a_file_is_an_input_error(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    with pytest.raises(InputError) as info:
        ensure_writable_dir(blocker / "out")
    assert info.value.exit_code == EXIT_BAD_INPUT
    assert "output: expected a writable directory" in str(info.value)


def test_fixed_zip_times_is_stable_and_keeps_content(tmp_path):
    def make(stamp):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr(zipfile.ZipInfo("a.xml", date_time=stamp), b"<a/>")
        return buf.getvalue()

    first, second = make((2020, 1, 1, 0, 0, 0)), make((2024, 5, 6, 7, 8, 10))
    assert first != second
    assert fixed_zip_times(first) == fixed_zip_times(second)
    with zipfile.ZipFile(io.BytesIO(fixed_zip_times(first, {"a.xml": b"<b/>"}))) as z:
        assert z.read("a.xml") == b"<b/>"


def test_read_text_drops_a_bom_and_keeps_the_rest(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes(b"\xef\xbb\xbfH\xe1\xba\xadu Giang\r\n")
    assert read_text(p) == "Hậu Giang\r\n"


@pytest.mark.parametrize(
    ("raw", "field", "expected", "found"),
    [
        (b"ab\xffc", "encoding", "UTF-8 text", "byte 0xff at offset 2"),
        (b"\xef\xbb\xbfab\xff", "encoding", "UTF-8 text", "byte 0xff at offset 5"),  # BOM counted
        (b"PK\x03\x04\x00zip", "encoding", "UTF-8 text", "binary data (NUL byte at offset 4)"),
    ],
)
def test_one_reader_one_line_for_every_kind_of_file(tmp_path, raw, field, expected, found):
    """A params file, a table and a report that cannot be read say so in the same words."""
    lines = set()
    for name, read in (("x.yaml", load_locality), ("x.csv", read_table), ("x.txt", read_report)):
        path = tmp_path / name
        path.write_bytes(raw)
        with pytest.raises(InputError) as info:
            read(path)
        assert info.value.lines == [f"{path}: {field}: expected {expected}, found {found}"]
        lines.add(info.value.lines[0].replace(name, "FILE"))
    assert len(lines) == 1


def test_a_missing_file_or_a_folder_is_one_line(tmp_path):
    absent = tmp_path / "absent.txt"
    with pytest.raises(InputError) as info:
        read_text(absent)
    assert info.value.lines == [
        f"{absent}: file: expected a readable file, found No such file or directory"
    ]
    with pytest.raises(InputError) as info:
        read_text(tmp_path)
    assert info.value.lines == [f"{tmp_path}: file: expected a readable file, found a directory"]


def test_a_file_past_the_limit_is_one_line_and_read_no_further(tmp_path, monkeypatch):
    limit = 2 * 1024 * 1024
    monkeypatch.setattr(files, "MAX_READ_BYTES", limit)
    path = tmp_path / "big.csv"
    path.write_text("x" * (limit + 1))
    with pytest.raises(InputError) as info:
        read_text(path)
    assert info.value.lines == [f"{path}: file: expected a file of at most 2 MB, found more"]
    path.write_text("x" * limit)
    assert len(read_text(path)) == limit


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_an_endless_device_ends_at_once():
    started = time.perf_counter()
    with pytest.raises(InputError) as info:
        read_text("/dev/zero")
    assert info.value.lines == ["/dev/zero: file: expected a file of at most 16 MB, found more"]
    assert time.perf_counter() - started < 2


def test_a_symlinked_file_is_refused_not_replaced(tmp_path):
    real = tmp_path / "real.yaml"
    real.write_text("old")
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    with pytest.raises(InputError) as info:
        atomic_write_text(link, "new")
    assert info.value.lines == [
        f"{link}: file: expected a regular file (a symbolic link is not replaced), "
        f"found a link to {real}"
    ]
    assert link.is_symlink() and real.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.yaml", "real.yaml"]


def test_a_read_only_file_is_refused_not_replaced(tmp_path):
    path = tmp_path / "locked.yaml"
    path.write_text("old")
    path.chmod(0o444)
    with pytest.raises(InputError) as info:
        atomic_write_text(path, "new")
    assert info.value.lines == [
        f"{path}: file: expected a writable file (it is not replaced), found read-only"
    ]
    assert path.read_text() == "old" and stat.S_IMODE(path.stat().st_mode) == 0o444
    assert [p.name for p in tmp_path.iterdir()] == ["locked.yaml"]
