"""The backtest's calibration pictures (`ntm-forecast backtest --plot DIR`): per family, a PIT
histogram and a reliability diagram of the target-style events, for the default model.

The numbers come from :func:`ntm_forecast.assess.backtest.calibration`; this module only
draws them, with the PNG writer of the charts (:func:`charts.png_bytes`).
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from ntm_forecast.assess.backtest import Calibration, Score, calibration
from ntm_forecast.engine.models import SELECTION, Selection
from ntm_forecast.files import atomic_write_bytes, ensure_writable_dir
from ntm_forecast.render.charts import in_rc, new_figure, png_bytes

COLOUR = "#3b6e8f"


def calibration_charts(
    scores: list[Score], folder: str | Path, selection: Selection = SELECTION
) -> list[Path]:
    """pit_FAMILY.png and reliability_FAMILY.png for each family; returns the files written.
    Every picture is drawn before any is written, so a failure leaves none behind."""
    folder = ensure_writable_dir(folder)
    pictures: dict[Path, bytes] = {}
    for cal in calibration(scores, selection):
        pictures[folder / f"pit_{cal.family}.png"] = png_bytes(_pit(cal))
        pictures[folder / f"reliability_{cal.family}.png"] = png_bytes(_reliability(cal))
    return [atomic_write_bytes(path, data) for path, data in pictures.items()]


@in_rc
def _pit(cal: Calibration) -> Figure:
    fig = new_figure((5, 3.5))
    ax = fig.subplots()
    n = len(cal.pit)
    ax.hist(cal.pit, bins=10, range=(0, 1), color=COLOUR, edgecolor="white")
    ax.axhline(n / 10, color="black", lw=1, ls="--")  # a calibrated model: flat
    ax.set(xlabel="PIT", ylabel="forecasts", title=f"{cal.family}: PIT ({n} forecasts)")
    return fig


@in_rc
def _reliability(cal: Calibration) -> Figure:
    fig = new_figure((4.5, 4.5))
    ax = fig.subplots()
    rel = cal.reliability
    ax.plot([0, 1], [0, 1], color="black", lw=1, ls="--")
    ax.scatter(rel["p"], rel["freq"], s=20 + 4 * rel["n"], color=COLOUR)
    ax.set(
        xlim=(0, 1),
        ylim=(0, 1),
        xlabel="forecast probability",
        ylabel="observed frequency",
        title=f"{cal.family}: recent pace kept up ({cal.n_events})",
    )
    return fig
