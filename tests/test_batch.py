"""The batch runner, with tiny purpose-built notebooks (tests/notebooks/) and params files.

Most tests exercise the pool, the retry, the atomic swap and the record of the run, with the
summary export replaced by a recorder (their tiny targets.csv is no real target table); the
real notebook's test runs the real export and checks the targets at risk against the engine.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from ntm_forecast import batch
from ntm_forecast.assess.targets import assess_targets
from ntm_forecast.batch import BatchResult, run_batch
from ntm_forecast.domain.params import dump_params
from ntm_forecast.engine.forecast import forecast_locality
from ntm_forecast.engine.session import open_session
from ntm_forecast.errors import InputError
from ntm_forecast.render.export import export_summary

HERE = Path(__file__).parent
OK_NB = HERE / "notebooks" / "ok.ipynb"


@pytest.fixture(autouse=True)
def fake_export(monkeypatch):
    """The summary export belongs to ntm_forecast.render.export; here only its call is checked."""
    calls = []
    monkeypatch.setattr(
        batch, "export_summary", lambda summary, **kw: calls.append((summary.copy(), kw))
    )
    return calls


def write_params(folder: Path, slug: str, name: str | None = None, notes: str | None = None):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{slug}.yaml"
    lines = [
        f"name: {name or slug.replace('_', ' ').title()}",
        f"slug: {slug}",
        "level: province",
        "origin_year: 2022",
    ]
    if notes:
        lines.append(f"notes: {notes}")
    lines += [
        "observations:",
        "  - metric: communes_ntm",
        "    year: 2022",
        "    value: 30",
        "    status: actual",
        "    kind: level",
        "    source: test",
        "    quote: 30 xã đạt chuẩn",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(params, out, **kw) -> BatchResult:
    kw.setdefault("jobs", 2)
    kw.setdefault("progress", False)
    kw.setdefault("notebook", OK_NB)
    kw.setdefault("n_paths", 100)
    return run_batch(params, output=out, **kw)


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.startswith((".tmp-", ".old-")))


@pytest.fixture(scope="module")
def broken_batch(tmp_path_factory):
    """One batch of three localities, the middle one broken, run once for several tests."""
    root = tmp_path_factory.mktemp("broken")
    params = root / "params"
    paths = [
        write_params(params, "an_giang", "An Giang"),
        write_params(params, "broken", "Hỏng"),
        write_params(params, "ca_mau", "Cà Mau"),
    ]
    out = root / "outputs"
    result = run(paths, out, seed=7)
    return result, out


def test_broken_locality_does_not_stop_the_others(broken_batch):
    result, out = broken_batch
    assert result.failed == ["broken"]
    assert result.succeeded == ["an_giang", "ca_mau"]
    assert result.exit_code == 1
    for slug in ("an_giang", "ca_mau"):
        files = {p.name for p in (out / slug).iterdir()}
        assert {"report.ipynb", "report.html", "targets.csv"} <= files
    assert not (out / "broken").exists()
    assert leftovers(out) == []
    assert "FAILED broken" in result.summary_text()
    assert "deliberately broken locality" in result.summary_text()


def test_failed_notebook_is_kept_with_the_error(broken_batch):
    import nbformat

    _, out = broken_batch
    nb = nbformat.read(out / "broken.failed.ipynb", as_version=4)
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert errors and errors[0].ename == "ValueError"
    assert "deliberately broken locality" in errors[0].evalue


def test_run_json_records_every_locality(broken_batch):
    _, out = broken_batch
    doc = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert doc["failed"] == ["broken"]
    assert doc["started_at"] and doc["finished_at"]
    locs = doc["localities"]
    assert set(locs) == {"an_giang", "broken", "ca_mau"}
    assert locs["broken"]["status"] == "failed"
    assert "ValueError: deliberately broken locality broken" in locs["broken"]["error"]
    assert "\n" not in locs["broken"]["error"]
    assert locs["broken"]["name"] == "tỉnh Hỏng"  # its display name; ensure_ascii=False
    assert "Hỏng" in (out / "run.json").read_text(encoding="utf-8")
    for slug in ("an_giang", "ca_mau"):
        rec = locs[slug]
        assert rec["status"] == "ok" and rec["error"] is None
        assert rec["seed"] == 7 and rec["n_paths"] == 100
        assert len(rec["params_sha256"]) == 64
        assert rec["version"] == batch.__version__
        assert rec["seconds"] == round(rec["seconds"], 1) > 0
        # 2 when a kernel lost the start-up port race on a loaded machine and was retried
        assert rec["attempts"] in (1, 2)
    text = (out / "run.json").read_text(encoding="utf-8")
    assert text == json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def test_summary_concatenates_successful_targets_in_params_order(broken_batch):
    import pandas as pd

    _, out = broken_batch
    raw = (out / "summary.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the diacritics right
    summary = pd.read_csv(out / "summary.csv", encoding="utf-8-sig")
    assert list(summary["locality"]) == ["An Giang", "An Giang", "Cà Mau", "Cà Mau"]
    assert set(summary["status"]) <= {"likely", "at_risk", "unlikely"}


def test_summary_export_is_called_once_with_every_target(tmp_path, fake_export):
    paths = [write_params(tmp_path / "p", s) for s in ("an_giang", "ca_mau")]
    run(paths, tmp_path / "out", lang="en", seed=5)
    [(summary, kw)] = fake_export
    assert len(summary) == 4
    assert kw["formats"] == ("xlsx", "docx", "png")
    assert kw["lang"] == "en"
    assert Path(kw["output_dir"]) == (tmp_path / "out").resolve()
    assert kw["meta"]["seed"] == 5 and kw["meta"]["n_paths"] == 100


def test_a_failing_export_fails_the_run_and_is_recorded(tmp_path, monkeypatch):
    def boom(summary, **kw):
        raise ValueError("no Word today")

    monkeypatch.setattr(batch, "export_summary", boom)
    paths = [write_params(tmp_path / "p", "an_giang")]
    result = run(paths, tmp_path / "out", jobs=1)
    assert result.export_error == "ValueError: no Word today"
    assert result.failed == [] and result.exit_code == 1
    assert "summary export failed: ValueError: no Word today" in result.summary_text()
    assert "no Word today" in (tmp_path / "out" / "run.json").read_text(encoding="utf-8")
    assert (tmp_path / "out" / "summary.csv").is_file()


def fresh_python(code: str) -> str:
    """What ``code`` prints in a new interpreter (imports as a user's first import)."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_an_exporter_that_cannot_be_imported_stops_the_batch():
    # Not a summary quietly left out: the batch itself does not load.
    code = (
        "import sys; sys.modules['ntm_forecast.render.export'] = None\n"
        "try:\n    import ntm_forecast.batch\nexcept ImportError:\n    print('refused')"
    )
    assert fresh_python(code) == "refused"


def test_progress_lines(tmp_path, capsys):
    import pandas as pd

    paths = [write_params(tmp_path / "p", s, n) for s, n in (("an_giang", "An Giang"),
                                                             ("bac_ninh", "Bắc Ninh"))]  # fmt: skip
    result = run(paths, tmp_path / "out", jobs=1, progress=True, seed=4)
    assert result.exit_code == 0
    shown = "".join(capsys.readouterr())
    for slug, name in (("an_giang", "An Giang"), ("bac_ninh", "Bắc Ninh")):
        rows = pd.read_csv(tmp_path / "out" / slug / "targets.csv", encoding="utf-8-sig")
        at_risk = int(rows["status"].isin(["at_risk", "unlikely"]).sum())
        assert result.records[slug].targets_at_risk == at_risk
        assert re.search(rf"{name} \({slug}\): [\d.]+ s, {at_risk} targets at risk", shown)


def test_bad_params_file_fails_before_any_kernel(tmp_path, monkeypatch):
    params = tmp_path / "params"
    good = write_params(params, "an_giang")
    bad = params / "bad.yaml"
    bad.write_text("name: X\nslug: not_the_stem\nlevel: province\norigin_year: 2022\n")

    def no_pool(*a, **k):
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(batch, "_run_pool", no_pool)
    out = tmp_path / "outputs"
    with pytest.raises(InputError) as err:
        run([good, bad], out)
    assert "bad.yaml: slug" in str(err.value)
    assert not out.exists()


@pytest.mark.parametrize(
    ("kw", "field"),
    [({"lang": "fr"}, "lang"), ({"jobs": 0}, "jobs"), ({"n_paths": 0}, "n_paths")],
)
def test_bad_options_are_input_errors(tmp_path, kw, field):
    paths = [write_params(tmp_path / "p", "an_giang")]
    out = tmp_path / "outputs"
    with pytest.raises(InputError, match=field):
        run(paths, out, **kw)
    assert not out.exists()


def test_output_must_be_a_writable_directory(tmp_path):
    paths = [write_params(tmp_path / "p", "an_giang")]
    out = tmp_path / "a_file"
    out.write_text("x")
    with pytest.raises(InputError, match="output: expected a writable directory"):
        run(paths, out)


def test_previous_outputs_survive_a_failing_rerun(tmp_path):
    params = tmp_path / "params"
    path = write_params(params, "an_giang", "An Giang")
    out = tmp_path / "outputs"
    assert run([path], out, jobs=1).exit_code == 0
    before = {p.name: p.read_bytes() for p in (out / "an_giang").iterdir()}

    write_params(params, "an_giang", "An Giang", notes="break me")
    result = run([path], out, jobs=1)
    assert result.failed == ["an_giang"]
    after = {p.name: p.read_bytes() for p in (out / "an_giang").iterdir()}
    assert after == before
    assert (out / "an_giang.failed.ipynb").is_file()
    assert leftovers(out) == []

    # A good run replaces the set and drops the stale failed notebook.
    write_params(params, "an_giang", "An Giang")
    assert run([path], out, jobs=1, seed=3).exit_code == 0
    assert not (out / "an_giang.failed.ipynb").exists()
    assert leftovers(out) == []


def test_same_seed_same_summary_bytes(tmp_path):
    params = tmp_path / "params"
    paths = [write_params(params, s) for s in ("an_giang", "bac_ninh", "ca_mau")]
    run(paths, tmp_path / "a", seed=11)
    run(paths, tmp_path / "b", seed=11)
    a = (tmp_path / "a" / "summary.csv").read_bytes()
    assert a == (tmp_path / "b" / "summary.csv").read_bytes()


def test_interrupt_keeps_previous_complete_outputs(tmp_path, monkeypatch):
    params = tmp_path / "params"
    paths = [write_params(params, s) for s in ("an_giang", "bac_ninh", "ca_mau")]
    out = tmp_path / "outputs"
    run(paths, out, seed=1)
    before = {
        s: {p.name: p.read_bytes() for p in (out / s).iterdir()}
        for s in ("an_giang", "bac_ninh", "ca_mau")
    }

    def interrupt(r, bar):
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "_report_line", interrupt)
    with pytest.raises(KeyboardInterrupt):
        run(paths, out, seed=2)
    assert leftovers(out) == []
    doc = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert doc["stopped"] == "SIGINT" and doc["summary_of"] != doc["started_at"]
    records = doc["localities"]
    assert sorted(rec["status"] for rec in records.values()) == ["ok", "stopped", "stopped"]
    for slug, files in before.items():
        now = {p.name: p.read_bytes() for p in (out / slug).iterdir()}
        assert set(now) == set(files)  # a complete set, old or new, never half
        # only the locality swapped in before Ctrl-C changed, and its record says so; the
        # others' records are those of the run that made their files
        rec = records[slug]
        assert (now != files) == (rec["status"] == "ok")
        assert (rec if rec["status"] == "ok" else rec["kept"])["seed"] == 1 + (now != files)


def test_recover_restores_an_interrupted_swap(tmp_path):
    old = tmp_path / ".old-an_giang-abc"
    old.mkdir()
    (old / "targets.csv").write_text("x")
    batch._recover(tmp_path)
    assert (tmp_path / "an_giang" / "targets.csv").read_text() == "x"
    assert leftovers(tmp_path) == []


def test_kernel_startup_errors_are_retried(tmp_path, monkeypatch):
    import papermill

    calls = []

    def flaky(input_path, output_path, **kw):
        calls.append(output_path)
        if len(calls) == 1:
            Path(output_path).write_text("half")
            raise RuntimeError("Kernel didn't respond in 60 seconds")
        Path(output_path).write_text("{}")

    monkeypatch.setattr(papermill, "execute_notebook", flaky)
    monkeypatch.setattr(batch, "render_html", lambda nb, html: html.write_text("<html/>"))
    task = batch.Task("x", str(OK_NB), str(tmp_path), str(tmp_path), 1, {"lang": "vi"})
    out = batch._run_one(task)
    assert out.ok and out.attempts == 2
    assert len(calls) == 2

    calls.clear()
    out = batch._run_one(dataclasses.replace(task, retries=0))
    assert not out.ok and out.error == "RuntimeError: Kernel didn't respond in 60 seconds"


def test_cell_errors_are_not_retried(tmp_path, monkeypatch):
    import papermill
    from papermill.exceptions import PapermillExecutionError

    calls = []

    def failing(input_path, output_path, **kw):
        calls.append(1)
        raise PapermillExecutionError(2, 3, "x", "KeyError", "'communes_total'\nmore", [])

    monkeypatch.setattr(papermill, "execute_notebook", failing)
    task = batch.Task("x", "x", str(tmp_path), ".", 3, {})
    out = batch._run_one(task)
    assert len(calls) == 1
    assert out.error == "cell [3]: KeyError: 'communes_total'"


def test_startup_error_classification():
    import zmq
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    assert batch.is_startup_error(DeadKernelError("dead"))
    assert batch.is_startup_error(TimeoutError("no reply"))
    assert batch.is_startup_error(zmq.ZMQError(98, "Address already in use"))
    assert batch.is_startup_error(OSError(98, "Address already in use"))
    assert not batch.is_startup_error(CellTimeoutError("slow cell"))
    assert not batch.is_startup_error(PapermillExecutionError(0, 1, "", "E", "v", []))
    assert not batch.is_startup_error(ValueError("bad"))


def test_count_at_risk_reads_the_status_codes_only(tmp_path):
    p = tmp_path / "targets.csv"
    p.write_text("metric,status\na,at_risk\nb,likely\nc,unlikely\nd,missed\n",
                 encoding="utf-8-sig")  # fmt: skip
    assert batch.count_at_risk(p) == 2
    # the words are for readers: a label that says "at risk" over a code that does not
    p.write_text("metric,status,status_label\na,likely,Có nguy cơ không đạt\n",
                 encoding="utf-8-sig")  # fmt: skip
    assert batch.count_at_risk(p) == 0
    p.write_text("Chỉ tiêu,Đánh giá\na,Có nguy cơ không đạt\n", encoding="utf-8-sig")
    with pytest.raises(KeyError, match="status"):
        batch.count_at_risk(p)
    assert batch.count_at_risk(tmp_path / "missing.csv") is None


def test_import_is_cheap():
    code = (
        "import sys, ntm_forecast.batch; heavy = ('papermill', 'nbconvert', 'tqdm', 'nbclient'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    assert fresh_python(code) == "[]"


def test_outputs_are_readable_by_others(broken_batch):
    _, out = broken_batch
    for name in ("summary.csv", "run.json"):
        assert (out / name).stat().st_mode & 0o777 == 0o644
    folder = out / "an_giang"
    assert folder.stat().st_mode & 0o777 == 0o755
    assert {p.stat().st_mode & 0o777 for p in folder.iterdir()} == {0o644}


def _plan(year: int, value: float) -> dict:
    return {"metric": "communes_ntm", "year": year, "kind": "level", "value": value,
            "source": "https://example.vn/a", "quote": "q"}  # fmt: skip


def test_real_notebook_runs_a_folder_with_a_merged_unit(tmp_path, monkeypatch, capsys):
    """Two provinces and the unit formed from them: the unit's report comes from the
    summed history and the pool fitted once by the batch (no session file left); the targets
    at risk are those of the engine's own target tables; the summary is really exported."""
    import nbformat
    import pandas as pd

    monkeypatch.setattr(batch, "export_summary", export_summary)
    params = tmp_path / "params"
    params.mkdir()
    src = {"source": "https://example.vn/a", "quote": "q"}
    plans = {"a": [_plan(2022, 40), _plan(2023, 30)], "b": [_plan(2022, 44), _plan(2022, 41)]}
    for slug, levels in (("a", (10, 15, 21)), ("b", (30, 34, 40))):
        obs = [{"metric": "communes_total", "year": 2019, "value": 60, "status": "actual",
                "kind": "level", **src}]  # fmt: skip
        obs += [
            {
                "metric": "communes_ntm",
                "year": y,
                "value": v,
                "status": "actual",
                "as_of": f"{y}-12",
                "kind": "level",
                **src,
            }
            for y, v in zip((2019, 2020, 2021), levels)
        ]
        data = {"name": slug.upper(), "slug": slug, "level": "province", "origin_year": 2021,
                "observations": obs, "targets": plans[slug]}  # fmt: skip
        (params / f"{slug}.yaml").write_text(dump_params(data), encoding="utf-8")
    unit = {"name": "Hợp nhất", "slug": "ab_2025", "level": "province", "members": ["a", "b"],
            "origin_year": 2021, "observations": [],
            "targets": [_plan(2023, 70), _plan(2023, 90), _plan(2020, 50)]}  # fmt: skip
    (params / "ab_2025.yaml").write_text(dump_params(unit), encoding="utf-8")
    out = tmp_path / "outputs"
    result = run([params], out, notebook=batch.DEFAULT_NOTEBOOK, n_paths=500, horizon=3,
                 progress=True)  # fmt: skip
    assert result.failed == [] and result.export_error is None, result.summary_text()
    text = (out / "ab_2025" / "targets.csv").read_text(encoding="utf-8-sig")
    assert "communes_ntm" in text and "2023" in text
    nb = nbformat.read(out / "ab_2025" / "report.ipynb", as_version=4)
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert "session_path" in injected.source
    assert not list(out.glob(".session-*"))

    # The count of each locality, from the engine's target table for the same settings.
    session = open_session([params])
    expected = {}
    for loc in session.chosen:
        fc = forecast_locality(loc, session.context, horizon=3, n_paths=500, seed=0)
        expected[loc.slug] = int(assess_targets(fc)["status"].isin(["at_risk", "unlikely"]).sum())
    assert expected == {"a": 2, "ab_2025": 1, "b": 1}  # a mix: a wrong count shows
    assert {slug: r.targets_at_risk for slug, r in result.records.items()} == expected
    shown = "".join(capsys.readouterr())
    for slug, n in expected.items():
        assert re.search(rf"\({slug}\): [\d.]+ s, {n} targets at risk", shown), slug

    # The summary: coming targets only, and the exporter's files beside it.
    summary = pd.read_csv(out / "summary.csv", encoding="utf-8-sig")
    assert len(summary) == 6 and "missed" not in set(summary["status"])
    assert {"summary.xlsx", "summary.docx", "summary.png"} <= {p.name for p in out.iterdir()}
