"""The command line beyond `check`: several values for one option, the top-level API."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ntm_forecast import cli
from ntm_forecast.cli import main

GOOD = Path(__file__).parent / "data" / "good"


def _whatif(tmp_path, *pace_args):
    out = tmp_path / "w.json"
    code = main(["whatif", str(GOOD / "full.yaml"), *pace_args, "--paths", "200",
                 "--format", "json", "--output", str(out)])  # fmt: skip
    return code, json.loads(out.read_text()) if out.exists() else None


def test_whatif_takes_several_paces_after_one_option(tmp_path):
    code, rows = _whatif(tmp_path, "--pace", "0.8", "1.0", "1.2")
    assert code == 0
    assert sorted({r["pace"] for r in rows}) == [0.8, 1.0, 1.2]
    code, repeated = _whatif(tmp_path, "--pace", "0.8", "--pace", "1.0", "--pace", "1.2")
    assert code == 0 and repeated == rows
    code, default = _whatif(tmp_path)
    assert code == 0 and {r["pace"] for r in default} == {1.0}


def test_whatif_refuses_a_bad_pace(tmp_path, capsys):
    code, _ = _whatif(tmp_path, "--pace", "0.8", "0")
    assert code == 2
    assert "--pace: pace: expected factors > 0, found 0.8 0" in capsys.readouterr().err


def test_argv_is_not_rewritten():
    assert not hasattr(cli, "_expand_multi")


def test_top_level_api_is_lazy():
    code = (
        "import sys, ntm_forecast as n; "
        "assert 'pandas' not in sys.modules and 'ntm_forecast.render.report' not in sys.modules; "
        "from ntm_forecast.render import report; "
        "from ntm_forecast.engine import session, forecast; "
        "from ntm_forecast.assess import targets; "
        "assert n.build_report is report.build and n.open_session is session.open_session; "
        "assert n.forecast_locality is forecast.forecast_locality; "
        "assert n.assess_targets is targets.assess_targets; "
        "assert {'build_report', 'assess_targets'} <= set(dir(n)); print('ok')"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


# --- review: every target of a period with its outcome -------------------------------------


def _review_folder(tmp_path) -> Path:
    """A province with a range target, one stated twice, a missed one, one without figures
    and a share of the NTM communes; a district of it."""
    from engine_fixtures import obs, target

    from ntm_forecast.domain.params import dump_params

    share_ntm = {**target("communes_advanced", 2022, "share", 40), "share_of": "communes_ntm"}
    files = {
        "tinh": {
            "name": "Tỉnh Thử", "slug": "tinh", "level": "province", "origin_year": 2022,
            "observations": [
                obs("communes_total", 2021, 100), obs("communes_ntm", 2021, 45, source="a.txt"),
                obs("communes_ntm", 2022, 50, source="b.txt"),
                obs("communes_advanced", 2022, 21, source="b.txt"),
            ],
            "targets": [
                target("communes_ntm", 2021, min=40, max=50),
                target("communes_ntm", 2021, min=40, max=50),
                target("communes_ntm", 2022, value=60),
                target("ocop_total", 2023, value=10),
                share_ntm,
            ],
        },
        "huyen": {
            "name": "Huyện Thử", "slug": "huyen", "level": "district", "parent": "tinh",
            "origin_year": 2022, "observations": [obs("communes_ntm", 2022, 9)],
            "targets": [target("communes_ntm", 2022, value=8)],
        },
    }  # fmt: skip
    folder = tmp_path / "params"
    folder.mkdir()
    for slug, data in files.items():
        (folder / f"{slug}.yaml").write_text(dump_params(data), encoding="utf-8")
    return folder


def test_review_prints_codes_in_csv_and_json(tmp_path, capsys):
    folder = _review_folder(tmp_path)
    assert main(["review", str(folder), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    outcomes = {(r["locality"], r["metric"], r["target_year"]): r["outcome"] for r in rows}
    assert outcomes == {
        ("huyen", "communes_ntm", 2022): "met",
        ("tinh", "communes_advanced", 2022): "met",  # 21 ≥ 40% of 50 NTM communes
        ("tinh", "communes_ntm", 2021): "met",  # 45: the range 40–50 met at its lower end
        ("tinh", "communes_ntm", 2022): "missed",
        ("tinh", "ocop_total", 2023): "unknown",
    }
    assert [r["stated"] for r in rows if r["target_year"] == 2021] == [2]
    assert {r["province"] for r in rows} == {"tinh"}
    assert main(["review", str(folder), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("locality,name,level,province")


def test_review_table_is_in_vietnamese_with_the_totals_last(tmp_path, capsys):
    assert main(["review", str(_review_folder(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "không đạt" in out and "chưa rõ" in out and "40–50 xã" in out
    assert out.splitlines()[-1].split()[-5:] == ["5", "3", "1", "1", "60%"]


def test_review_writes_its_files(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["review", str(_review_folder(tmp_path)), "--output", str(out)]) == 0
    names = ["review.csv", "review_summary.csv", "review.xlsx", "review.docx", "review.png"]
    assert sorted(p.name for p in out.iterdir()) == sorted(names)
    assert capsys.readouterr().out.splitlines() == [str(out / n) for n in names]


def test_review_leaves_a_folders_broken_file_out_and_says_so(tmp_path, capsys):
    folder = _review_folder(tmp_path)
    (folder / "broken.yaml").write_text("name: [\n", encoding="utf-8")
    assert main(["review", str(folder), "--format", "csv"]) == 0
    out, err = capsys.readouterr()
    assert "tinh" in out and "broken.yaml" in err and "left out" in err
    # named itself, a broken file is still the user's error
    assert main(["review", str(folder / "broken.yaml")]) == 2


def test_review_refuses_a_bad_period_in_one_line(tmp_path, capsys):
    out = tmp_path / "out"
    folder = _review_folder(tmp_path)
    for bad in ("2025-2021", "2021", "21-25", "2021-2025x"):
        assert main(["review", str(folder), "--period", bad, "--output", str(out)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err == [f"--period: period: expected two years, the first not after the second, "
                       f"e.g. 2021-2025, found '{bad}'"]  # fmt: skip
    assert not out.exists()  # nothing written
    assert main(["review", str(folder), "--format", "xml"]) == 2
    assert main(["review", str(folder), "--period", "2022-2022", "--format", "csv"]) == 0
    assert {line.split(",")[5] for line in capsys.readouterr().out.splitlines()[1:]} == {"2022"}


# --- file outputs: a mistake is one line and exit 2, before the work -----------------------

FULL = str(GOOD / "full.yaml")


@pytest.mark.parametrize(
    "args",
    [
        ["forecast", FULL, "--output", "{folder}"],
        ["targets", FULL, "--output", "{folder}"],
        ["whatif", FULL, "--output", "{folder}"],
        ["backtest", FULL, "--output", "{folder}"],
        ["hindcast", FULL, "--output", "{folder}"],
        ["hindcast", FULL, "--write-layer", "{folder}"],
        ["extract", FULL, "--output", "{folder}"],
        ["targets", FULL, "--output", "{file}/targets.csv"],  # in a folder that cannot be made
        ["backtest", FULL, "--plot", "{file}"],
        ["review", FULL, "--output", "{file}"],
        ["export", FULL, "--output", "{file}"],
    ],
    ids=lambda args: f"{args[0]} {args[2]} {args[3]}",
)
def test_an_output_that_cannot_be_written_is_one_line(tmp_path, monkeypatch, capsys, args):
    from ntm_forecast.engine import session

    def no_work(*a, **k):
        raise AssertionError("the work started before the output was checked")

    monkeypatch.setattr(session, "open_session", no_work)
    folder = tmp_path / "draft.yaml"  # a folder, even with the name of a file
    folder.mkdir()
    file = tmp_path / "a_file"
    file.write_text("x")
    given = args[3].format(folder=folder, file=file)
    assert main([*args[:3], given]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith((f"{given}: ", f"{Path(given).parent}: "))  # the file or its folder
    assert ": expected " in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file", "draft.yaml"]
    assert list(folder.iterdir()) == []


def test_an_output_in_a_missing_folder_is_written_there(tmp_path):
    out = tmp_path / "new" / "sub" / "forecast.csv"
    assert main(["forecast", FULL, "--paths", "100", "--format", "csv", "--output", str(out)]) == 0
    assert out.read_text(encoding="utf-8-sig").startswith("locality,")
