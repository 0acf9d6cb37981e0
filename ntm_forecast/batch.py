"""Run the locality notebook for every params file: in parallel, atomically, with a record.

papermill has no batch mode of its own, so this module owns the pool of worker processes,
the retry of kernels that fail to start (parallel kernels race for ports, papermill issue
511) and the record of the run (``run.json``, ``summary.csv``).

Every locality runs into a fresh ``output/.tmp-<slug>-<random>`` directory; only a complete
set of outputs is swapped in as ``output/<slug>`` (two renames), so an interrupted or failed
run leaves the previous complete outputs of every locality in place.

One batch at a time writes into a folder: the first holds a lock on ``.ntm-forecast.lock``
there (the operating system releases it when the process ends, however it ends) and the file
says which run holds it. SIGTERM stops a batch as Ctrl-C does: the workers end their kernels
(each runs in a session of its own, so it would outlive its worker) and then themselves, and
``run.json`` is written for the outputs as they are. The next run into the folder removes
what a run killed outright left.

papermill, nbconvert and tqdm are imported inside the functions that use them: importing
:mod:`ntm_forecast` stays cheap.

Targets at risk are counted from the `status` codes of each locality's targets.csv, never
from its words; a summary export that fails is a failure of the run (exit code 1, the error
in ``run.json``), never a summary quietly left out.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import json
import os
import shlex
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ntm_forecast.assess.calibration import session_layer
from ntm_forecast.domain.history import newest_of
from ntm_forecast.domain.names import display_names
from ntm_forecast.engine.session import open_session
from ntm_forecast.errors import EXIT_FAILED, EXIT_OK, InputError, Problem
from ntm_forecast.files import atomic_write_text, ensure_writable_dir
from ntm_forecast.i18n.messages import check_lang
from ntm_forecast.render.export import export_summary
from ntm_forecast.render.planner import PAST
from ntm_forecast.render.tables import rests_on
from ntm_forecast.version import __version__

DEFAULT_NOTEBOOK = Path("notebooks/locality_report.ipynb")
NOTEBOOK_NAME = "report.ipynb"
HTML_NAME = "report.html"
TARGETS_NAME = "targets.csv"
SUMMARY_NAME = "summary.csv"
RUN_NAME = "run.json"
LOCK_NAME = ".ntm-forecast.lock"
# What a batch leaves only when it is killed outright: its temp folders, pickled session and
# half-written records (files.atomic_path names them .<stem>.<random>.part<suffix>).
LEFTOVERS = (".tmp-*", ".session-*.pickle", ".run.*.part.json", ".summary.*.part.*")
SETTINGS_RECORDED = ("seed", "n_paths", "horizon", "pace", "lang")
AT_RISK = ("at_risk", "unlikely")
CELL_TIMEOUT = 600  # seconds for one cell of a locality notebook
START_TIMEOUT = 120  # seconds for a kernel to start
KERNEL_NAME = "python3"
KERNEL_GRACE = 3  # seconds a kernel has to end on SIGTERM before it is killed
LOCK_POLL = 1.0  # seconds between looks at a held lock (--wait)
WINDOWS_LOCK_BYTE = 1 << 20  # the byte locked on Windows (see _try_lock)
DIR_MODE = 0o755  # mkdtemp makes 0700; reports are meant to be shared


@dataclass(frozen=True)
class Task:
    """One locality's notebook run, as sent to a worker process."""

    slug: str
    notebook: str
    tmp: str
    cwd: str
    retries: int
    parameters: dict


@dataclass(frozen=True)
class Outcome:
    """What a worker sends back."""

    ok: bool
    seconds: float
    attempts: int
    error: str | None = None
    targets_at_risk: int | None = None


@dataclass
class LocalityRun:
    """What happened to one locality."""

    slug: str
    name: str
    params_path: Path
    params_sha256: str
    status: str = "stopped"  # "ok" or "failed" once finished
    seconds: float = 0.0
    error: str | None = None
    attempts: int = 0
    targets_at_risk: int | None = None
    output: Path | None = None  # output/<slug> or output/<slug>.failed.ipynb
    kept: dict | None = None  # the record of an earlier run whose output/<slug> stays

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def record(self, settings: dict, started_at: str) -> dict:
        """This run's attempt; unless it is ok, ``kept`` describes the folder's files."""
        return {
            "name": self.name,
            "status": self.status,
            "started_at": started_at,
            "seconds": round(self.seconds, 1),
            "error": self.error,
            "attempts": self.attempts,
            "targets_at_risk": self.targets_at_risk,
            "version": __version__,
            "params_path": str(self.params_path),
            "params_sha256": self.params_sha256,
            **{key: settings[key] for key in SETTINGS_RECORDED},
            "output": str(self.output) if self.output else None,
            "kept": None if self.ok else self.kept,
        }


@dataclass
class BatchResult:
    """Every locality's record, in params order, and where the run's files went."""

    runs: list[LocalityRun] = field(default_factory=list)
    output: Path = Path("outputs")
    started_at: str = ""
    finished_at: str = ""
    export_error: str | None = None
    stopped: str | None = None  # the signal or error that stopped the run before its end
    summary_of: str | None = None  # started_at of the run whose summary files are beside

    @property
    def records(self) -> dict[str, LocalityRun]:
        return {r.slug: r for r in self.runs}

    @property
    def failed(self) -> list[str]:
        return [r.slug for r in self.runs if r.status == "failed"]

    @property
    def succeeded(self) -> list[str]:
        return [r.slug for r in self.runs if r.ok]

    @property
    def exit_code(self) -> int:
        """0 when every locality (and the summary export) passed, 1 otherwise."""
        return EXIT_FAILED if self.failed or self.export_error else EXIT_OK

    def summary_text(self) -> str:
        """The closing lines: how many passed, and which failed and why."""
        n = len(self.runs)
        lines = [f"{len(self.succeeded)}/{n} localities done; outputs in {self.output}"]
        for r in self.runs:
            if r.status == "failed":
                where = f" (notebook: {r.output})" if r.output else ""
                lines.append(f"FAILED {r.slug}: {r.error}{where}")
        if self.export_error:
            lines.append(f"summary export failed: {self.export_error}")
        if self.stopped:
            lines.append(
                f"stopped ({self.stopped}): the localities not done keep their previous "
                f"outputs; {RUN_NAME} says which files are whose"
            )
        return "\n".join(lines)


# ---------------------------------------------------------------- the parent process


def run_batch(
    params_paths: Sequence[Path] | None,
    *,
    jobs: int | None = None,
    output: Path = Path("outputs"),
    seed: int = 0,
    n_paths: int = 10000,
    horizon: int = 5,
    lang: str = "vi",
    pace: float = 1.0,
    notebook: Path = DEFAULT_NOTEBOOK,
    progress: bool = True,
    retries: int = 1,
    all_targets: bool = False,
    wait: bool = False,
) -> BatchResult:
    """Run ``notebook`` once per locality into ``output/<slug>/`` and record the run.

    Every params file is validated before the first kernel starts (:class:`InputError`
    otherwise, and nothing is written). A failing locality does not stop the others: its
    executed notebook goes to ``output/<slug>.failed.ipynb`` and its previous outputs stay.
    A folder another batch is writing into is an :class:`InputError`, or with ``wait`` the
    run waits for it. SIGTERM (in the main thread) stops the run as Ctrl-C does, and is
    raised again as ``SystemExit(143)`` once the run's record is written.
    """
    _check_options(jobs=jobs, lang=lang, n_paths=n_paths, horizon=horizon, retries=retries)
    # Loaded and fitted once, as a notebook opened alone would (the files' folders pool,
    # members included); each notebook reads this session instead of refitting.
    session = open_session(params_paths)
    notebook = Path(notebook)
    if not notebook.is_file():
        raise InputError.at(notebook, "notebook", "an existing .ipynb file", "nothing there")
    output = ensure_writable_dir(Path(output)).resolve()

    with _output_lock(output, wait=wait), _stop_on_sigterm():
        _clear_leftovers(output)
        earlier = _earlier_run(output)
        # One name per place in the record and the summary (`can_tho` and `can_tho_2025`
        # are both "Cần Thơ" by their own names).
        names = display_names(session.loaded.localities, lang)
        runs = [
            LocalityRun(
                slug=loc.slug,
                name=names[loc.slug],
                params_path=session.paths[loc.slug].resolve(),
                params_sha256=_sha256(session.paths[loc.slug]),
                kept=_kept(earlier["localities"].get(loc.slug), output / loc.slug),
            )
            for loc in session.chosen
        ]
        result = BatchResult(
            runs=runs, output=output, started_at=_now(), summary_of=earlier.get("summary_of")
        )
        settings = {
            "horizon": horizon,
            "n_paths": n_paths,
            "seed": seed,
            "pace": pace,
            "lang": lang,
        }
        workers = min(jobs or os.cpu_count() or 1, len(runs))
        temps: dict[str, Path] = {}
        fd, session_file = tempfile.mkstemp(prefix=".session-", suffix=".pickle", dir=output)
        os.close(fd)
        try:
            session.save(session_file)
            _run_pool(
                runs,
                temps,
                output,
                notebook.resolve(),
                {**settings, "session_path": session_file},
                workers,
                retries,
                progress,
            )
            _remove_run_files(output, session_file, temps)
            meta = {
                "data_as_of": newest_of(session.chosen),
                "rests_on": rests_on(session_layer(session), lang),
                "version": __version__,
                "seed": seed,
                "n_paths": n_paths,
            }
            result.summary_of = None  # the summary files change from here on
            result.export_error = _write_summary(runs, output, lang, meta, all_targets=all_targets)
            result.summary_of = result.started_at
        except BaseException as exc:
            # A second signal must not cut the record of the first one short.
            with _signals_held(redeliver=False):
                _remove_run_files(output, session_file, temps)
                result.stopped = _why_stopped(exc)
                result.finished_at = _now()
                _write_run_json(result, settings, workers, notebook, earlier)
                print(result.summary_text(), file=sys.stderr)
            raise
        result.finished_at = _now()
        with _signals_held():  # the record of a finished run is written whole
            _write_run_json(result, settings, workers, notebook, earlier)
    return result


def _check_options(*, jobs, lang, n_paths, horizon, retries) -> None:
    check_lang(lang)
    if jobs is not None and (not isinstance(jobs, int) or jobs < 1):
        raise InputError(Problem("--jobs", "jobs", "a whole number ≥ 1", repr(jobs)))
    if not isinstance(n_paths, int) or n_paths < 1:
        raise InputError(Problem("--n-paths", "n_paths", "a whole number ≥ 1", repr(n_paths)))
    if not isinstance(horizon, int) or horizon < 1:
        raise InputError(Problem("--horizon", "horizon", "a whole number ≥ 1", repr(horizon)))
    if not isinstance(retries, int) or retries < 0:
        raise InputError(Problem("--retries", "retries", "a whole number ≥ 0", repr(retries)))


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds")


def _run_pool(runs, temps, output, notebook, settings, workers, retries, progress) -> None:
    """Submit every locality, then swap in each one's outputs as it finishes."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    from tqdm.auto import tqdm

    by_slug = {r.slug: r for r in runs}
    cwd = str(Path.cwd())
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
    )
    bar = tqdm(total=len(runs), unit="locality", disable=not progress, desc="ntm-forecast")
    try:
        pending = {}
        # Longest first (a bigger params file means more metrics and targets), so that no
        # worker is left with a long locality while the other one idles at the end.
        for r in sorted(runs, key=lambda r: -Path(r.params_path).stat().st_size):
            tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{r.slug}-", dir=output))
            os.chmod(tmp, DIR_MODE)
            temps[r.slug] = tmp
            task = Task(
                slug=r.slug,
                notebook=str(notebook),
                tmp=str(tmp),
                cwd=cwd,
                retries=retries,
                parameters={"params_path": str(r.params_path), **settings, "output_dir": str(tmp)},
            )
            pending[pool.submit(_run_one, task)] = r.slug
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                r = by_slug[pending.pop(fut)]
                try:
                    out = fut.result()
                except Exception as exc:  # the worker process itself died
                    out = Outcome(False, 0.0, 1, _one_line(exc))
                _finish(r, out, temps.pop(r.slug), output)
                bar.update(1)
                _report_line(r, bar)
    except BaseException:
        bar.close()
        with _signals_held(redeliver=False):  # stopping already
            _stop_pool(pool)
        raise
    bar.close()
    pool.shutdown(wait=True)


def _stop_pool(pool) -> None:
    """Cancel what has not started and end the workers; each ends its kernels first."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        with contextlib.suppress(Exception):
            p.terminate()
    for p in procs:
        with contextlib.suppress(Exception):
            p.join(timeout=KERNEL_GRACE + 10)
            if p.is_alive():
                p.kill()
                p.join(timeout=10)


def _finish(r: LocalityRun, out: Outcome, tmp: Path, output: Path) -> None:
    """Swap in a complete set, or keep the failed notebook; the temp dir is gone after."""
    r.seconds = out.seconds
    r.attempts = out.attempts
    try:
        with _signals_held():  # a folder and its record change together
            if out.ok:
                _swap_in(tmp, output / r.slug)
                (output / f"{r.slug}.failed.ipynb").unlink(missing_ok=True)
                r.status, r.error, r.output = "ok", None, output / r.slug
                r.targets_at_risk = out.targets_at_risk
            else:
                r.status, r.error = "failed", out.error or "unknown error"
                executed = tmp / NOTEBOOK_NAME
                if executed.is_file():
                    kept = output / f"{r.slug}.failed.ipynb"
                    os.replace(executed, kept)
                    r.output = kept
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _swap_in(tmp: Path, final: Path) -> None:
    """``final`` becomes ``tmp``: two renames (a cut between them is undone by _recover)."""
    old = None
    if final.exists():
        old = Path(tempfile.mkdtemp(prefix=f".old-{final.name}-", dir=final.parent))
        old.rmdir()
        os.rename(final, old)
    os.rename(tmp, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _recover(output: Path) -> None:
    """Undo what a swap cut between its renames leaves: restore or drop ``.old-<slug>-*``."""
    for old in sorted(output.glob(".old-*-*")):
        if not old.is_dir() or old.is_symlink():
            continue
        final = output / old.name.removeprefix(".old-").rsplit("-", 1)[0]
        if final.exists():
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(old, final)


def _remove_run_files(output: Path, session_file: str, temps: dict[str, Path]) -> None:
    """What a run made for itself: its pickled session, the temp folders of the localities
    not swapped in, a swap cut short."""
    Path(session_file).unlink(missing_ok=True)
    for tmp in temps.values():
        shutil.rmtree(tmp, ignore_errors=True)
    _recover(output)


def _clear_leftovers(output: Path) -> None:
    """Remove what a batch killed outright left in ``output`` (only the lock's holder may)."""
    for pattern in LEFTOVERS:
        for path in output.glob(pattern):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
    _recover(output)


# ---------------------------------------------------------------- signals and the lock


class Terminated(SystemExit):
    """SIGTERM in the parent process, raised where it is: the batch unwinds as on Ctrl-C
    (pool, kernels and record), then the process ends with 143, as the signal's own would."""


@contextlib.contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """SIGTERM raises :class:`Terminated` for the block (main thread only; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise Terminated(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _signals_held(*, redeliver: bool = True) -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM until the block ends, then deliver the first one caught, or
    drop it in a run already stopping (main thread only; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[tuple] = []
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {signum: signal.signal(signum, lambda *a: caught.append(a)) for signum in held}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if caught and redeliver:
            signum, frame = caught[0]
            if callable(previous[signum]):
                previous[signum](signum, frame)


def _why_stopped(exc: BaseException) -> str:
    if isinstance(exc, Terminated):
        return "SIGTERM"
    if isinstance(exc, KeyboardInterrupt):
        return "SIGINT"
    return _one_line(exc)


@contextlib.contextmanager
def _output_lock(output: Path, *, wait: bool) -> Iterator[None]:
    """Hold ``output``'s lock for the block, or raise :class:`InputError` naming its holder
    (with ``wait``, wait for it). The lock file says who holds it and is emptied on release,
    so a record found in it by the next holder is that of a run killed outright."""
    path = output / LOCK_NAME
    try:  # never through a symlink: the file is truncated
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError as exc:
        raise InputError.at(path, "lock", "a lock file to write", exc.strerror or exc) from None
    try:
        told = False
        while not _try_lock(fd, path):
            holder = _holder(fd) or "another run, starting"
            if not wait:
                expected = "a folder no other batch is writing into (or --wait)"
                raise InputError.at(output, "--output", expected, holder)
            if not told:
                print(f"waiting: {output} is being written by {holder}", file=sys.stderr)
                told = True
            time.sleep(LOCK_POLL)
        if stale := _holder(fd):
            print(
                f"warning: {output}: taking over the lock of {stale}, which ended without "
                "releasing it; the files it left are removed",
                file=sys.stderr,
            )
        record = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": _now(),
            "command": shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        }
        _rewrite(fd, json.dumps(record, ensure_ascii=False).encode("utf-8"))
        try:
            yield
        finally:
            _rewrite(fd, b"")
    finally:
        os.close(fd)  # releases the lock


def _try_lock(fd: int, path: Path) -> bool:
    """Take the lock without waiting: False when another process holds it."""
    if os.name == "nt":
        import msvcrt

        # A byte past any record: Windows locks bar reading what they cover.
        os.lseek(fd, WINDOWS_LOCK_BYTE, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as exc:  # a file system without locks
        raise InputError.at(path, "lock", "a file that can be locked", exc.strerror) from None
    return True


def _holder(fd: int) -> str | None:
    """Who the lock file says holds the lock, in one line; None when it is empty."""
    os.lseek(fd, 0, os.SEEK_SET)
    raw = os.read(fd, 64 * 1024)
    if not raw.strip():
        return None
    try:
        rec = json.loads(raw)
        said = f"the run of pid {rec['pid']} on {rec['host']}, started {rec['started_at']}"
        return f"{said}: {' '.join(str(rec['command']).split())}"
    except (ValueError, TypeError, KeyError):
        return f"a run whose lock record is unreadable ({LOCK_NAME})"


def _rewrite(fd: int, data: bytes) -> None:
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, data)


def _report_line(r: LocalityRun, bar) -> None:
    """One line per finished locality, above the progress bar."""
    if r.ok:
        risk = "?" if r.targets_at_risk is None else str(r.targets_at_risk)
        text = f"{r.name} ({r.slug}): {r.seconds:.1f} s, {risk} targets at risk"
    else:
        text = f"{r.name} ({r.slug}): FAILED after {r.seconds:.1f} s: {r.error}"
    bar.write(text)


# ---------------------------------------------------------------- the summary and record


def _write_summary(
    runs: list[LocalityRun], output: Path, lang: str, meta: dict, *, all_targets: bool = False
) -> str | None:
    """``summary.csv`` of every successful locality's coming targets (every target with
    ``all_targets``), then the summary workbook, report and charts.

    The CSV keeps each cell's text as the notebook wrote it (so the same seed gives the
    same bytes); the exporters get the numbers parsed. Returns the export's error, if any.
    """
    texts, frames = [], []
    for r in runs:
        path = output / r.slug / TARGETS_NAME
        if not r.ok or not path.is_file():
            continue
        content = path.read_text(encoding="utf-8-sig")  # the notebook's own file, read once
        texts.append(pd.read_csv(io.StringIO(content), dtype=str, keep_default_na=False))
        frames.append(pd.read_csv(io.StringIO(content)))
    text = pd.concat(texts, ignore_index=True) if texts else pd.DataFrame()
    if not all_targets and "status" in text:
        text = text[~text["status"].isin(PAST)]
    atomic_write_text(output / SUMMARY_NAME, text.to_csv(index=False), encoding="utf-8-sig")
    if not frames:
        return None
    summary = pd.concat(frames, ignore_index=True)
    try:
        export_summary(
            summary,
            formats=("xlsx", "docx", "png"),
            lang=lang,
            output_dir=output,
            meta=meta,
            names={r.slug: r.name for r in runs},
            all_targets=all_targets,
        )
    except Exception as exc:  # the run fails, and its record says why
        return _one_line(exc)
    return None


def _earlier_run(output: Path) -> dict:
    """The record of the last run into ``output``, its ``localities`` those that are records
    (none when it is missing or unreadable: its folders are then of unknown origin)."""
    try:
        doc = json.loads((output / RUN_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        doc = None
    doc = doc if isinstance(doc, dict) else {}
    localities = doc.get("localities")
    localities = localities if isinstance(localities, dict) else {}
    return {**doc, "localities": {k: v for k, v in localities.items() if isinstance(v, dict)}}


def _kept(earlier: dict | None, folder: Path) -> dict | None:
    """The record of the run whose files are in ``folder`` (None: there is no folder)."""
    if not folder.is_dir():
        return None
    if earlier and earlier.get("status") == "ok":
        return earlier
    return (earlier or {}).get("kept") or {"output": str(folder)}


def _write_run_json(
    result: BatchResult, settings: dict, workers: int, notebook: Path, earlier: dict
) -> None:
    """``run.json``: this run, and every locality whose files are in the folder — those of
    this run, and those an earlier run left (its records carried over as they were)."""
    output = result.output
    carried = {
        slug: rec
        for slug, rec in earlier["localities"].items()
        if slug not in result.records
        and ((output / slug).is_dir() or (output / f"{slug}.failed.ipynb").is_file())
    }
    doc = {
        "started_at": result.started_at,
        "finished_at": result.finished_at,
        "version": __version__,
        "notebook": str(notebook),
        "jobs": workers,
        "settings": settings,
        "stopped": result.stopped,
        "failed": result.failed,
        "export_error": result.export_error,
        "summary_of": result.summary_of,
        "order": [r.slug for r in result.runs],
        "localities": {
            **carried,
            **{r.slug: r.record(settings, result.started_at) for r in result.runs},
        },
    }
    text = json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    atomic_write_text(result.output / RUN_NAME, text, encoding="utf-8")


def count_at_risk(path: Path) -> int | None:
    """Rows of a ``targets.csv`` whose `status` code is at risk or unlikely; None when the
    notebook wrote no such file. A table without the `status` column is a KeyError."""
    if not path.is_file():
        return None
    with open(path, encoding="utf-8-sig", newline="") as f:
        return sum(row["status"] in AT_RISK for row in csv.DictReader(f))


def _one_line(exc: BaseException) -> str:
    """A one-line summary of an error, cell errors included."""
    ename = getattr(exc, "ename", None)
    if ename is not None:  # papermill.exceptions.PapermillExecutionError
        evalue = (getattr(exc, "evalue", "") or "").strip().splitlines()
        where = getattr(exc, "exec_count", None)
        cell = f"cell [{where}]: " if where is not None else ""
        return f"{cell}{ename}: {evalue[0] if evalue else ''}".rstrip(": ")
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


# ---------------------------------------------------------------- the worker processes


def _init_worker() -> None:
    """Workers leave Ctrl-C to the parent, which stops them with SIGTERM; papermill is
    loaded once."""
    import logging

    import psutil  # noqa: F401  here, not in the signal handler that needs it

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _end_worker)
    logging.getLogger("papermill").setLevel(logging.WARNING)
    # Kernels inherit this stderr; their start-up chatter ("running over TCP without
    # encryption") would bury the progress lines. Failures reach run.json through papermill.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    with contextlib.suppress(ImportError):
        import papermill  # noqa: F401


def _end_worker(signum, frame) -> None:
    """SIGTERM in a worker: end its kernels (each in a session of its own, it would outlive
    the worker) and their connection files, then the worker."""
    import psutil

    kernels = psutil.Process().children(recursive=True)
    files = [f for f in map(_connection_file, kernels) if f is not None]
    for kernel in kernels:
        with contextlib.suppress(psutil.Error):
            kernel.terminate()
    _, alive = psutil.wait_procs(kernels, timeout=KERNEL_GRACE)
    for kernel in alive:
        with contextlib.suppress(psutil.Error):
            kernel.kill()
    for f in files:
        f.unlink(missing_ok=True)
    os._exit(128 + signum)


def _connection_file(process) -> Path | None:
    """The ``-f ….json`` a kernel was started with (jupyter_client removes it only on a
    shutdown it runs itself)."""
    import psutil

    with contextlib.suppress(psutil.Error, ValueError, IndexError):
        command = process.cmdline()
        path = Path(command[command.index("-f") + 1])
        if path.suffix == ".json":
            return path
    return None


def is_startup_error(exc: BaseException) -> bool:
    """A kernel that did not start (or died) rather than a cell that raised."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, (PapermillExecutionError, CellTimeoutError)):
        return False
    if isinstance(exc, (DeadKernelError, RuntimeError, TimeoutError)):
        return True
    with contextlib.suppress(ImportError):
        import zmq

        if isinstance(exc, zmq.ZMQError):
            return True
    return isinstance(exc, OSError) and "address already in use" in str(exc).lower()


def _run_one(task: Task) -> Outcome:
    """Execute one locality's notebook into its temp dir, then render the HTML copy.

    Runs in a worker process. Kernel start-up failures are retried ``task.retries``
    times; a cell error is final.
    """
    import papermill

    tmp = Path(task.tmp)
    nb_path = tmp / NOTEBOOK_NAME
    start = time.perf_counter()
    attempts = 0
    while True:
        attempts += 1
        try:
            papermill.execute_notebook(
                task.notebook,
                str(nb_path),
                parameters=task.parameters,
                kernel_name=KERNEL_NAME,
                progress_bar=False,
                cwd=task.cwd,
                # A lost kernel reply must fail the locality, not hang the batch.
                execution_timeout=CELL_TIMEOUT,
                start_timeout=START_TIMEOUT,
            )
            break
        except Exception as exc:
            if attempts <= task.retries and is_startup_error(exc):
                _empty_dir(tmp)
                time.sleep(0.2 * attempts)
                continue
            return Outcome(False, time.perf_counter() - start, attempts, _one_line(exc))
    try:
        render_html(nb_path, tmp / HTML_NAME)
    except Exception as exc:
        error = f"HTML copy: {_one_line(exc)}"
        return Outcome(False, time.perf_counter() - start, attempts, error)
    at_risk = count_at_risk(tmp / TARGETS_NAME)
    return Outcome(True, time.perf_counter() - start, attempts, None, at_risk)


def render_html(notebook: Path, html: Path) -> None:
    """The HTML copy of an executed notebook as a document: its outputs only (no code, no
    prompts, no cell tagged `instructions`, which speaks to a notebook user)."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = {"instructions"}
    exporter = HTMLExporter(config=config, exclude_input_prompt=True, exclude_input=True)
    body, _ = exporter.from_filename(str(notebook))
    html.write_text(body, encoding="utf-8")


def _empty_dir(path: Path) -> None:
    for child in path.iterdir():
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
