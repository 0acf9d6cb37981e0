import io
import zipfile

import pytest

from ntm_forecast.errors import EXIT_BAD_INPUT, InputError
from ntm_forecast.files import (
    atomic_path,
    atomic_write_bytes,
    atomic_write_text,
    ensure_writable_dir,
    fixed_zip_times,
)


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
