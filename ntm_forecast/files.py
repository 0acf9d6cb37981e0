"""Files in and out: the one reader of UTF-8 text, and writes that either complete or leave
nothing (a planning officer never opens half a file)."""

from __future__ import annotations

import codecs
import io
import os
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ntm_forecast.errors import InputError

ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_FILE_MODE = 0o644  # mkstemp creates 0600; exported files are meant to be shared
# The largest file read: params files, tables and reports are a few hundred kB; the public
# figures of every province together are 0.6 MB. Reading stops here, so `/dev/zero` or a
# stray 230 MB export is refused at once instead of filling the memory.
MAX_READ_BYTES = 16 * 1024 * 1024


def read_text(path: str | os.PathLike[str]) -> str:
    """The text of a UTF-8 file of at most :data:`MAX_READ_BYTES` (a leading BOM dropped:
    Excel and Notepad write one), or :class:`InputError` with one line, the same for params
    files, tables and reports."""
    path = Path(path)
    if path.is_dir():  # reading one fails with "Permission denied" on Windows
        raise InputError.at(path, "file", "a readable file", "a directory")
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_READ_BYTES + 1)  # a device or a pipe has no size to ask first
    except OSError as exc:
        raise InputError.at(path, "file", "a readable file", exc.strerror or exc) from None
    if len(raw) > MAX_READ_BYTES:
        limit = f"a file of at most {MAX_READ_BYTES // (1024 * 1024)} MB"
        raise InputError.at(path, "file", limit, "more")
    if b"\x00" in raw:
        found = f"binary data (NUL byte at offset {raw.index(0)})"
        raise InputError.at(path, "encoding", "UTF-8 text", found)
    bom = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    try:
        return raw[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        at = bom + exc.start  # an offset in the file, BOM included
        found = f"byte 0x{raw[at]:02x} at offset {at}"
        raise InputError.at(path, "encoding", "UTF-8 text", found) from None


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place only if the block succeeds.

    The temporary name keeps the suffix so writers that infer the format from it still work.
    A symbolic link or a read-only file at ``path`` is refused (:class:`InputError`), not
    replaced by a regular, writable file.
    """
    path = Path(path)
    _check_replaceable(path)
    fd, name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.stem}.", suffix=f".part{path.suffix}"
    )
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, _FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _check_replaceable(path: Path) -> None:
    if path.is_symlink():
        expected = "a regular file (a symbolic link is not replaced)"
        raise InputError.at(path, "file", expected, f"a link to {os.readlink(path)}")
    if path.exists() and not (
        os.access(path, os.W_OK) and stat.S_IMODE(path.stat().st_mode) & 0o222
    ):  # the mode bits too: root may write anything, yet a file made read-only stays so
        raise InputError.at(path, "file", "a writable file (it is not replaced)", "read-only")


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    return atomic_write_bytes(path, text.encode(encoding))


def ensure_writable_dir(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` if needed and prove a file can be written there, or raise InputError."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        # os.access is not enough (root, network shares): try the real thing.
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise InputError.at(path, "output", "a writable directory", exc.strerror or exc) from exc
    return path


def fixed_zip_times(data: bytes, replace: dict[str, bytes] | None = None) -> bytes:
    """Rewrite an Office zip with every entry dated ZIP_TIME (writers stamp the wall clock).

    ``replace`` swaps the content of named entries, for parts a writer stamps itself.
    """
    replace = replace or {}
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, replace.get(info.filename) or source.read(info.filename))
    return out.getvalue()
