"""The session: the folder's probability layer is read with the pool."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ntm_forecast.engine.session import LAYER_FILE, open_session
from ntm_forecast.errors import InputError

ROOT = Path(__file__).parents[2]


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "params"
    folder.mkdir()
    for name in ("vietnam.yaml", "dien_bien.yaml"):
        shutil.copy(ROOT / "params" / name, folder / name)
    return folder


def test_without_a_layer_file_the_session_has_none(tmp_path):
    assert open_session([_folder(tmp_path) / "dien_bien.yaml"]).layer is None


def test_the_folders_layer_file_is_read(tmp_path):
    folder = _folder(tmp_path)
    record = {"layer": "trend", "events": 3, "provinces": 2}
    (folder / LAYER_FILE).write_text(json.dumps(record), encoding="utf-8")
    assert open_session([folder / "dien_bien.yaml"]).layer == record


@pytest.mark.parametrize("text", ["{not json", '{"layer": "magic"}', "[1, 2]"])
def test_a_broken_layer_file_is_one_line_naming_it(tmp_path, text):
    folder = _folder(tmp_path)
    (folder / LAYER_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        open_session([folder / "dien_bien.yaml"])
    line = str(err.value)
    assert LAYER_FILE in line and "\n" not in line.strip()
