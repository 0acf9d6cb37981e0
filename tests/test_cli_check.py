"""`ntm-forecast check`: exit codes, one stderr line per problem, the overview."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ntm_forecast.cli import main
from ntm_forecast.domain.params import load_locality
from ntm_forecast.errors import EXIT_BAD_INPUT, EXIT_OK, InputError, Problem

HERE = Path(__file__).parent
ROOT = HERE.parent
BAD = HERE / "data" / "bad"
WARN = HERE / "data" / "warn"
GOOD = HERE / "data" / "good"
PARAMS = ROOT / "params"

# file stem -> the field its one line names
BAD_FIELDS = {
    "not_utf8": "encoding",
    "not_yaml": "line 2",
    "object_tag": "line 1",
    "missing_field": "origin_year",
    "unknown_field": "population",
    "wrong_type": "origin_year",
    "unknown_metric_no_unit": "observations[0].unit",
    "negative_count": "observations[0].value",
    "above_total": "observations[1].value",
    "model_above_advanced": "observations[1].value",
    "advanced_above_ntm": "observations[1].value",
    "year_out_of_range": "observations[0].year",
    "bad_slug": "slug",
    "slug_mismatch": "slug",
    "target_no_value": "targets[0].value",
    "target_min_above_max": "targets[0].min",
    "share_out_of_range": "targets[0].value",
}
LOCALITIES = ["Hà Tĩnh", "Hải Hà", "Hậu Giang", "Lý Nhân", "Thái Nguyên", "Việt Nam"]
N_REAL = 94  # 63 provinces, 23 merged units of 2025, 7 districts, the country


def run(capsys, *args):
    code = main(["check", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def run_module(*args, cwd=ROOT):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "ntm_forecast.cli", *map(str, args)],
        cwd=cwd, capture_output=True, text=True, encoding="utf-8", env=env, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize("stem", sorted(BAD_FIELDS))
def test_bad_file_exit_2_one_line(capsys, stem):
    path = BAD / f"{stem}.yaml"
    code, out, err = run(capsys, path)
    assert code == EXIT_BAD_INPUT
    lines = err.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{path}: {BAD_FIELDS[stem]}: expected ")
    assert ", found " in lines[0]
    assert "Traceback" not in err and "Traceback" not in out
    assert "0 localities valid, 1 error(s)" in out


def test_duplicate_slug_exit_2(capsys):
    folder = BAD / "duplicate_slug"
    code, out, err = run(capsys, folder)
    assert code == EXIT_BAD_INPUT
    assert err.splitlines() == [
        f"{folder / 'twin.yml'}: slug: expected a slug no other file uses, "
        f"found 'twin', also in {folder / 'twin.yaml'}"
    ]
    assert "(twin)" in out


def test_bad_folder_one_line_per_file(capsys):
    code, out, err = run(capsys, BAD)
    assert "0 localities valid" in out
    assert code == EXIT_BAD_INPUT
    lines = err.splitlines()
    assert len(lines) == len(BAD_FIELDS)
    for stem in BAD_FIELDS:
        assert sum(line.startswith(f"{BAD / stem}.yaml: ") for line in lines) == 1


def test_several_problems_in_one_file(capsys, tmp_path):
    p = tmp_path / "x.yaml"
    p.write_text("name: ''\nslug: x\nlevel: city\norigin_year: 1990\ncolour: red\n", "utf-8")
    code, _, err = run(capsys, p)
    assert code == EXIT_BAD_INPUT
    lines = err.splitlines()
    assert len(lines) == 4
    assert {line.split(": ")[1] for line in lines} == {"name", "level", "origin_year", "colour"}
    assert all(line.startswith(f"{p}: ") for line in lines)


def test_good_and_bad_together_exit_2_overview_still_printed(capsys):
    code, out, err = run(capsys, GOOD / "minimal.yaml", BAD / "negative_count.yaml")
    assert code == EXIT_BAD_INPUT
    assert len(err.splitlines()) == 1
    assert "Tỉnh Thử (minimal)" in out


def test_good_folder_exit_0_silent_stderr(capsys):
    code, out, err = run(capsys, GOOD)
    assert code == EXIT_OK
    assert err == ""
    assert "3 localities valid, 0 error(s), 0 warning(s)" in out


def test_warnings_are_not_fatal(capsys):
    code, out, err = run(capsys, WARN)
    assert code == EXIT_OK
    assert err == ""
    assert "5 warning(s)" in out
    for stem in ["falling_actual", "conflicting_values", "total_not_adding_up",
                 "share_mismatch", "missing_parent"]:  # fmt: skip
        assert f"  {WARN / stem}.yaml: " in out


def test_missing_path_exit_2(capsys, tmp_path):
    code, _, err = run(capsys, tmp_path / "absent.yaml")
    assert code == EXIT_BAD_INPUT
    assert err.splitlines() == [f"{tmp_path / 'absent.yaml'}: file: expected a readable file, "
                                "found No such file or directory"]  # fmt: skip


def test_empty_folder_exit_2(capsys, tmp_path):
    code, _, err = run(capsys, tmp_path)
    assert code == EXIT_BAD_INPUT
    assert err.splitlines() == [
        f"{tmp_path}: path: expected at least one .yaml params file, found none"
    ]


@pytest.mark.parametrize("argv", [["check", "--no-such-option"], ["no-such-command"]])
def test_usage_error_exit_2_no_traceback(argv):
    r = run_module(*argv)
    assert r.returncode == EXIT_BAD_INPUT
    assert "Traceback" not in r.stderr
    assert argv[-1] in r.stderr


def test_nothing_written(capsys, tmp_path, monkeypatch):
    for src in [BAD / "negative_count.yaml", GOOD / "minimal.yaml", WARN / "missing_parent.yaml"]:
        (tmp_path / src.name).write_bytes(src.read_bytes())
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    monkeypatch.chdir(tmp_path)
    code, _, _ = run(capsys, ".")
    assert code == EXIT_BAD_INPUT
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")} == before


# ---------------------------------------------------------------- the real params/


def test_default_is_params_in_process(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, out, err = run(capsys)
    assert code == EXIT_OK
    assert err == ""
    for name in LOCALITIES:
        assert f"{name} (" in out
    assert f"{N_REAL} localities valid, 0 error(s)" in out


@pytest.fixture(scope="module")
def real_run():
    return run_module("check")


def test_module_runs_params(real_run):
    assert real_run.returncode == EXIT_OK, real_run.stderr
    assert real_run.stderr == ""
    assert "Traceback" not in real_run.stdout


def test_module_overview_lists_every_locality(real_run):
    out = real_run.stdout
    heads = [line for line in out.splitlines() if " · origin " in line]
    names = [h.split(" (")[0] for h in heads]
    assert len(heads) == N_REAL and set(LOCALITIES) <= set(names)
    assert f"{N_REAL} localities valid, 0 error(s)" in out


def test_module_known_warnings(real_run):
    warnings = real_run.stdout.split("Warnings:", 1)[1].splitlines()
    assert any("thai_nguyen.yaml" in w and "72%" in w and "137" in w and "143" in w
               for w in warnings)  # fmt: skip
    assert not any(": parent:" in w for w in warnings)  # every parent has its file now
    assert any("thai_nguyen.yaml" in w and "communes_total in 2020: 137" in w for w in warnings)
    assert any("hau_giang.yaml" in w and "36" in w and "34" in w for w in warnings)


def test_module_hau_giang_116_vs_66(real_run):
    warnings = real_run.stdout.split("Warnings:", 1)[1].splitlines()
    assert any("hau_giang.yaml" in w and "116" in w and "66" in w for w in warnings)


def test_module_bad_file_exit_2_no_traceback():
    r = run_module("check", BAD / "object_tag.yaml")
    assert r.returncode == EXIT_BAD_INPUT
    assert "Traceback" not in r.stderr
    assert len(r.stderr.splitlines()) == 1
    assert "object_tag.yaml: line 1: expected plain YAML without object tags" in r.stderr


def test_module_complex_key_no_traceback(tmp_path):
    p = tmp_path / "x.yaml"
    p.write_text("name: X\nslug: x\nlevel: province\norigin_year: 2021\n? [a, b]\n: 2\n", "utf-8")
    r = run_module("check", p)
    assert r.returncode == EXIT_BAD_INPUT
    assert "Traceback" not in r.stderr
    assert len(r.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("problem", "line"),
    [
        (Problem("a.yaml", "slug", "a slug", "'X'"), "a.yaml: slug: expected a slug, found 'X'"),
        (Problem(Path("t.csv"), "value", "a number", "'ba'", row=2),
         "t.csv:2:value: expected a number, found 'ba'"),
        (Problem("a.yaml", ("observations", 3, "value"), "a count ≥ 0", "-1"),
         "a.yaml: observations[3].value: expected a count ≥ 0, found -1"),
        (Problem("a.yaml", "value", "at most 100", 120).within("targets", 0),
         "a.yaml: targets[0].value: expected at most 100, found 120"),
        (Problem("a.yaml", (), "a mapping of fields", "list"),
         "a.yaml: (top level): expected a mapping of fields, found list"),
        (Problem(None, "value", "at most 100", "120"), "value: expected at most 100, found 120"),
    ],
)  # fmt: skip
def test_a_problem_renders_as_the_line_users_see(problem, line):
    assert str(problem) == line
    assert InputError([problem, problem]).lines == [line, line]


@pytest.mark.parametrize("stem", sorted(BAD_FIELDS))
def test_check_prints_the_problems_raised_and_nothing_else(capsys, stem):
    path = BAD / f"{stem}.yaml"
    with pytest.raises(InputError) as info:
        load_locality(path)
    code, _, err = run(capsys, path)
    assert code == EXIT_BAD_INPUT
    assert err.splitlines() == [str(p) for p in info.value.problems]
