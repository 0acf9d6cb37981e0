"""One batch per output folder, and clean stops: real `ntm-forecast run` processes on a few
tiny params files, the real notebook (the command has no other), and the lock, SIGTERM and the
leftovers of a run killed outright checked from outside."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat
import psutil
import pytest
from test_batch import OK_NB, write_params

from ntm_forecast import batch
from ntm_forecast.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
COMMAND = Path(sys.executable).parent / "ntm-forecast"
SLUGS = ("an_giang", "bac_ninh", "ca_mau")


@pytest.fixture(autouse=True)
def no_summary_export(monkeypatch):
    """The in-process runs here are about the folder; the exporters are tested elsewhere."""
    monkeypatch.setattr(batch, "export_summary", lambda summary, **kw: None)


def params_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "params"
    for slug in SLUGS:
        write_params(folder, slug)
    return folder


def start(params: Path, out: Path, *args: str, mark: str = "") -> subprocess.Popen:
    """A real `ntm-forecast run` of ``params`` into ``out``; ``mark`` tags it and every
    process it starts (the environment is inherited), so that none can hide."""
    command = [str(COMMAND), "run", str(params), "--output", str(out), "--paths", "100", *args]
    env = {**os.environ, "NTM_TEST_RUN": mark}
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def marked(mark: str) -> list[psutil.Process]:
    """Every live process carrying ``mark`` in its environment."""
    found = []
    for p in psutil.process_iter():
        try:
            if p.environ().get("NTM_TEST_RUN") == mark and p.status() != psutil.STATUS_ZOMBIE:
                found.append(p)
        except psutil.Error:
            continue
    return found


def kernels_of(proc: subprocess.Popen) -> list[psutil.Process]:
    try:
        children = psutil.Process(proc.pid).children(recursive=True)
    except psutil.Error:
        return []
    return [k for k in children if "ipykernel_launcher" in " ".join(_cmdline(k))]


def _cmdline(p: psutil.Process) -> list[str]:
    try:
        return p.cmdline()
    except psutil.Error:
        return []


def wait_for(condition, timeout: float, what: str):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if found := condition():
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def injected(folder: Path) -> dict[str, object]:
    """The parameters papermill injected into a locality's executed notebook."""
    nb = nbformat.read(folder / "report.ipynb", as_version=4)
    cell = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    values = re.findall(r'^(seed|lang) = "?([^"\n]+)"?$', cell.source, re.MULTILINE)
    return {k: int(v) if k == "seed" else v for k, v in values}


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def assert_run_json_describes_the_folders(out: Path) -> dict:
    """Every locality folder was made with the seed and language its record says."""
    doc = json.loads((out / "run.json").read_text(encoding="utf-8"))
    for slug in SLUGS:
        rec = doc["localities"][slug]
        made_by = rec if rec["status"] == "ok" else rec["kept"]
        assert injected(out / slug) == {"seed": made_by["seed"], "lang": made_by["lang"]}, slug
    return doc


def test_a_second_run_into_the_folder_names_the_first_and_exits_2(tmp_path):
    params, out = params_folder(tmp_path), tmp_path / "out"
    first = start(params, out, "--seed", "1", "--jobs", "1")
    lock = out / batch.LOCK_NAME
    wait_for(lambda: lock.is_file() and lock.stat().st_size, 60, "the first run's lock")
    second = subprocess.run(
        [str(COMMAND), "run", str(params), "--output", str(out), "--seed", "2", "--lang", "en"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert first.poll() is None, "the first run ended before the second was refused"
    assert second.returncode == 2
    [line] = second.stderr.strip().splitlines()
    assert line.startswith(f"{out}: --output: expected a folder no other batch is writing into")
    assert f"the run of pid {first.pid} on " in line and ", started 20" in line
    assert "--seed 1" in line  # the holder's command

    _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    doc = assert_run_json_describes_the_folders(out)
    assert {rec["seed"] for rec in doc["localities"].values()} == {1}
    assert lock.read_bytes() == b""  # released: the next run finds no holder


def test_with_wait_the_second_run_waits_then_describes_its_own_files(tmp_path):
    params, out = params_folder(tmp_path), tmp_path / "out"
    first = start(params, out, "--seed", "1", "--jobs", "1")
    lock = out / batch.LOCK_NAME
    wait_for(lambda: lock.is_file() and lock.stat().st_size, 60, "the first run's lock")
    second = start(params, out, "--seed", "2", "--lang", "en", "--wait")
    _, err_first = first.communicate(timeout=300)
    _, err_second = second.communicate(timeout=300)
    assert first.returncode == 0 and second.returncode == 0, err_first + err_second
    assert f"waiting: {out} is being written by the run of pid {first.pid}" in err_second
    doc = assert_run_json_describes_the_folders(out)
    assert {(rec["seed"], rec["lang"]) for rec in doc["localities"].values()} == {(2, "en")}


def test_sigterm_stops_workers_and_kernels_and_keeps_the_previous_outputs(tmp_path):
    params, out = params_folder(tmp_path), tmp_path / "out"
    first = start(params, out, "--seed", "1")
    _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    before = {slug: files_of(out / slug) for slug in SLUGS}

    mark = uuid.uuid4().hex
    run = start(params, out, "--seed", "2", "--lang", "en", mark=mark)
    kernels = wait_for(lambda: kernels_of(run), 120, "a kernel of the run")
    connection_files = [Path(c[c.index("-f") + 1]) for c in map(_cmdline, kernels) if "-f" in c]
    tree = psutil.Process(run.pid).children(recursive=True)
    run.send_signal(signal.SIGTERM)
    _, err = run.communicate(timeout=120)

    assert run.returncode == 128 + signal.SIGTERM, err
    assert "stopped (SIGTERM)" in err
    assert "Traceback" not in err
    # Workers and kernels end before the run does (a kernel would end by itself a moment
    # after its worker: not soon enough); the resource tracker follows its last user.
    # A process that ends while it is being looked at has no command line to read: gone.
    still = [c for c in map(_cmdline, tree) if c and "resource_tracker" not in str(c)]
    assert [c[-1:] for c in still] == []
    wait_for(lambda: not marked(mark), 15, "every process the run started to end")
    assert connection_files and not any(f.exists() for f in connection_files)
    for slug, files in before.items():
        now = files_of(out / slug)
        assert set(now) == set(files)  # a complete set, old or new, never half
    doc = assert_run_json_describes_the_folders(out)
    assert doc["stopped"] == "SIGTERM"
    for slug, files in before.items():
        if doc["localities"][slug]["status"] != "ok":
            assert files_of(out / slug) == files
    left = [p.name for p in out.iterdir() if p.name.startswith((".tmp-", ".old-", ".session-"))]
    assert left == []
    assert (out / batch.LOCK_NAME).read_bytes() == b""


def test_the_next_run_removes_what_a_killed_run_left(tmp_path, capsys):
    """A run killed outright (SIGKILL, power cut) leaves its temp folders, pickled session,
    a half-written record, an unfinished swap and its lock record; the next run takes the
    lock over, says so, and leaves none of them."""
    params, out = params_folder(tmp_path), tmp_path / "out"
    (out / ".tmp-an_giang-k1ll3d" / "sub").mkdir(parents=True)
    (out / ".tmp-an_giang-k1ll3d" / "report.ipynb").write_text("half")
    (out / ".session-k1ll3d.pickle").write_bytes(b"\x80")
    (out / ".run.k1ll3d.part.json").write_text("{")
    (out / ".old-ca_mau-k1ll3d").mkdir()  # cut between the two renames of a swap
    (out / ".old-ca_mau-k1ll3d" / "targets.csv").write_text("old")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    holder = {"pid": dead.pid, "host": "vm", "started_at": "2026-01-01T00:00:00+07:00",
              "command": "ntm-forecast run"}  # fmt: skip
    (out / batch.LOCK_NAME).write_text(json.dumps(holder))

    result = batch.run_batch(
        [params], output=out, jobs=2, n_paths=100, notebook=OK_NB, progress=False
    )
    assert result.exit_code == 0
    err = capsys.readouterr().err
    assert f"taking over the lock of the run of pid {dead.pid} on vm" in err
    hidden = sorted(p.name for p in out.iterdir() if p.name.startswith("."))
    assert hidden == [batch.LOCK_NAME]
    assert (out / batch.LOCK_NAME).read_bytes() == b""
    assert (out / "ca_mau" / "targets.csv").read_text() != "old"  # swapped in after recovery


def test_a_held_lock_refuses_in_process_too(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    held = rf"found the run of pid {os.getpid()} on "
    with batch._output_lock(out, wait=False), pytest.raises(InputError, match=held):
        batch.run_batch([params_folder(tmp_path)], output=out, notebook=OK_NB)
    assert not any(p.name != batch.LOCK_NAME for p in out.iterdir())  # nothing written


def test_run_json_carries_the_records_of_folders_it_did_not_touch(tmp_path):
    params, out = params_folder(tmp_path), tmp_path / "out"
    batch.run_batch([params], output=out, jobs=2, n_paths=100, notebook=OK_NB, seed=1,
                    progress=False)  # fmt: skip
    first = json.loads((out / "run.json").read_text(encoding="utf-8"))
    batch.run_batch([params / "an_giang.yaml"], output=out, jobs=1, n_paths=100, notebook=OK_NB,
                    seed=2, lang="en", progress=False)  # fmt: skip
    doc = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert doc["order"] == ["an_giang"]
    assert doc["localities"]["an_giang"]["seed"] == 2
    assert doc["localities"]["an_giang"]["lang"] == "en"
    for slug in ("bac_ninh", "ca_mau"):
        assert doc["localities"][slug] == first["localities"][slug]
