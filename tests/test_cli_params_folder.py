"""A params folder with a hostile file beside good ones: the good ones are served, the bad one
is said once on stderr; named itself, it is the error (exit 2)."""

from __future__ import annotations

import time
from pathlib import Path

from ntm_forecast.cli import main
from ntm_forecast.errors import EXIT_BAD_INPUT, EXIT_OK

GOOD = Path(__file__).parent / "data" / "good"


def billion_laughs() -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    return "\n".join(lines) + "\n"


def folder_with_a_bomb(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "params"
    folder.mkdir()
    for p in GOOD.glob("*.yaml"):
        (folder / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    bomb = folder / "bomb.yaml"
    bomb.write_text(billion_laughs(), encoding="utf-8")
    return folder, bomb


LEFT_OUT = (
    ": line 1: expected plain YAML without aliases (*name), found an alias of the anchor on "
    "this line (file left out)"
)


def test_targets_on_a_folder_serves_the_good_files_and_names_the_bad_one(tmp_path, capsys):
    folder, bomb = folder_with_a_bomb(tmp_path)
    started = time.perf_counter()
    code = main(["targets", str(folder), "--paths", "100", "--format", "csv"])
    assert time.perf_counter() - started < 60  # the bomb took minutes and gigabytes
    out, err = capsys.readouterr()
    assert code == EXIT_OK
    assert err.splitlines() == [f"{bomb}{LEFT_OUT}"]
    assert "full" in out  # the good file's targets are there


def test_targets_on_a_good_file_beside_the_bomb_says_it_left_it_out(tmp_path, capsys):
    folder, bomb = folder_with_a_bomb(tmp_path)
    code = main(["targets", str(folder / "full.yaml"), "--paths", "100", "--format", "csv"])
    assert code == EXIT_OK
    assert capsys.readouterr().err.splitlines() == [f"{bomb}{LEFT_OUT}"]


def test_the_bomb_named_itself_is_the_error(tmp_path, capsys):
    _, bomb = folder_with_a_bomb(tmp_path)
    code = main(["targets", str(bomb), "--paths", "100"])
    assert code == EXIT_BAD_INPUT
    assert (
        capsys.readouterr().err.splitlines()[-1]
        == f"{bomb}{LEFT_OUT.removesuffix(' (file left out)')}"
    )
