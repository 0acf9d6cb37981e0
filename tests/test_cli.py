"""The command line beyond `check`: several values for one option, the top-level API."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
