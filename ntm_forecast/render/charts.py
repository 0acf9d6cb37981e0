"""Fan charts per metric and one overview of every target's probability, as PNG.

Figures are built with ``matplotlib.figure.Figure`` and the Agg canvas, never pyplot, so no
global state or GUI backend is touched. Imported by the renderers only (never by a layer below).
"""

from __future__ import annotations

import functools
import os
import textwrap
from pathlib import Path

import pandas as pd
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ntm_forecast.files import atomic_write_bytes
from ntm_forecast.i18n.labels import STATUS_COLOURS, status_label
from ntm_forecast.i18n.messages import metric_label, word
from ntm_forecast.i18n.numbers import fmt_number, fmt_percent, is_missing
from ntm_forecast.i18n.textsafe import chart_text
from ntm_forecast.render.planner import split, target_words

DPI = 150
FAN_SIZE = (8.0, 4.5)  # 1200 x 675 px at 150 dpi
# DejaVu Sans ships with matplotlib and has every Vietnamese glyph; pinned so a local
# matplotlibrc with another font cannot turn diacritics into boxes.
RC = {"font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans"]}
# PNG metadata would otherwise carry the matplotlib version and break byte-identical output.
PNG_METADATA = {"Software": None}

MAX_BARS = 40  # targets per overview image: more would not stay legible
LABEL_WIDTH = 55  # characters of a bar's label on a line
PAST_MARKS = {"met": "✓", "missed": "✗", "past": "?"}


def _w(key: str, lang: str, **values) -> str:
    return word(f"chart.{key}", lang, **values)


QUANTILES = ("p025", "p10", "p25", "p75", "p90", "p975")
BANDS = (("p025", "p975", 95, 0.15), ("p10", "p90", 80, 0.25), ("p25", "p75", 50, 0.4))
FAN_COLOUR = "#1f5fa8"


def in_rc(draw):
    """Draw under the project's style (font with Vietnamese glyphs, sizes)."""

    @functools.wraps(draw)
    def inner(*args, **kwargs):
        with rc_context(RC):
            return draw(*args, **kwargs)

    return inner


def new_figure(size: tuple[float, float]) -> Figure:
    fig = Figure(figsize=size, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, path: str | os.PathLike[str]) -> Path:
    return atomic_write_bytes(path, png_bytes(fig))


def _number_axis(axis, lang: str) -> None:
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt_number(v, lang)))


def fan_chart(
    fan: pd.DataFrame,
    *,
    title: str,
    metric_label: str,
    ceiling: pd.Series | float | None,
    targets: pd.DataFrame | None,
    lang: str,
    path: str | os.PathLike[str],
) -> Path:
    """Observed points, forecast median and 50/80/95% bands, the ceiling, and each target.

    ``fan`` has columns year, kind, value, median, p025, p10, p25, p75, p90, p975; ``ceiling`` is
    a number or a Series indexed by year; ``targets`` is `export.chart_targets`' table.
    """
    fig = draw_fan(
        fan, title=title, metric_label=metric_label, ceiling=ceiling, targets=targets, lang=lang
    )
    return _save(fig, path)


def png_bytes(fig: Figure) -> bytes:
    """Render once; the same bytes go to the notebook and to the PNG file."""
    import io

    buf = io.BytesIO()
    with rc_context(RC):
        fig.savefig(buf, format="png", dpi=DPI, metadata=PNG_METADATA)
    return buf.getvalue()


@in_rc
def draw_fan(
    fan: pd.DataFrame,
    *,
    title: str,
    metric_label: str,
    ceiling: pd.Series | float | None,
    targets: pd.DataFrame | None,
    lang: str,
) -> Figure:
    """The fan chart as a figure (`png_bytes` renders it once for a notebook and a file)."""
    fig = new_figure(FAN_SIZE)
    ax = fig.add_subplot()
    ax.set_title(chart_text(title))

    observed = fan[fan["kind"] == "observed"].sort_values("year")
    forecast = fan[fan["kind"] == "forecast"].sort_values("year")
    # Start the fan at the last observation so it opens from where the data ends.
    if not observed.empty:
        last = observed.tail(1)
        start = pd.DataFrame({c: last["value"].to_numpy() for c in ("median", *QUANTILES)})
        start["year"] = last["year"].to_numpy()
        forecast = pd.concat([start, forecast], ignore_index=True)
    for low, high, level, alpha in BANDS:
        ax.fill_between(
            forecast["year"],
            forecast[low],
            forecast[high],
            color=FAN_COLOUR,
            alpha=alpha,
            linewidth=0,
            label=_w("band", lang, level=str(level)),
        )
    ax.plot(
        forecast["year"],
        forecast["median"],
        color=FAN_COLOUR,
        linewidth=2,
        label=_w("median", lang),
    )
    ax.plot(
        observed["year"],
        observed["value"],
        "o",
        color="black",
        markersize=5,
        label=_w("observed", lang),
    )

    if isinstance(ceiling, pd.Series):
        ceiling = ceiling.dropna().sort_index()
        if not ceiling.empty:
            # Carry the last known total to the chart's right edge.
            ceiling = ceiling.reindex(ceiling.index.union([fan["year"].max()])).ffill()
            ax.step(
                ceiling.index,
                ceiling.to_numpy(),
                where="post",
                linestyle="--",
                color="grey",
                label=_w("ceiling", lang),
            )
    elif not is_missing(ceiling):
        ax.axhline(float(ceiling), linestyle="--", color="grey", label=_w("ceiling", lang))

    if targets is not None:
        targets = targets.assign(level=marker_levels(targets, fan)).dropna(subset=["level"])
    if targets is not None and not targets.empty:
        status = targets["status"]
        groups = (
            (~status.isin(PAST_MARKS), "target", "*", "#c00000"),
            (status == "met", "target_met", "P", "#2e7d32"),
            (status.isin(("missed", "past")), "target_missed", "X", "#7f7f7f"),
        )
        for rows, key, marker, colour in groups:
            part = targets[rows]
            if part.empty:
                continue
            ax.plot(
                part["target_year"],
                part["level"],
                marker=marker,
                linestyle="none",
                markersize=12,
                color=colour,
                label=_w(key, lang),
            )
        for row, code in zip(targets.itertuples(index=False), status, strict=True):
            # A past target's outcome is a fact (✓ met, ✗ missed), never a percentage.
            text = PAST_MARKS.get(code) or fmt_percent(row.probability, lang, digits=1) or "—"
            if row.target_kind == "increment":  # why the marker sits above the line
                text = f"+{fmt_number(row.target_value, lang)}: {text}"
            ax.annotate(
                text,
                (row.target_year, row.level),
                xytext=(8, 6),
                textcoords="offset points",
                color="#c00000" if code not in PAST_MARKS else "#404040",
                fontweight="bold",
            )

    ax.set_xlabel(_w("year", lang))
    ax.set_ylabel(chart_text(metric_label))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: str(round(v))))
    _number_axis(ax.yaxis, lang)
    ax.grid(True, alpha=0.3)
    fig.legend(loc="outside right upper", fontsize="small")
    return fig


def marker_levels(targets: pd.DataFrame, fan: pd.DataFrame) -> pd.Series:
    """Where each target sits on the fan's scale: a level as stated; an addition ("thêm …") on
    the year-end before its year (the paths' median, else the last figure by then); a share
    at the count it means (`count`). NaN where there is nothing to stand on."""
    median = fan[fan["kind"] == "forecast"].set_index("year")["median"]
    observed = fan[fan["kind"] == "observed"].sort_values("year")

    def year_end_before(year: int) -> float:
        if year - 1 in median.index:
            return float(median[year - 1])
        known = observed[observed["year"] <= year - 1]
        return float(known["value"].iloc[-1]) if len(known) else float("nan")

    def level(row) -> float:
        if row.target_kind == "increment":
            return year_end_before(int(row.target_year)) + row.target_value
        if row.target_kind == "share":
            return row.count
        return row.target_value

    levels = [level(row) for row in targets.itertuples(index=False)]
    return pd.Series(levels, index=targets.index, dtype=float)


def overview_parts(summary: pd.DataFrame, size: int = MAX_BARS) -> list[pd.DataFrame]:
    """The summary cut into images of at most ``size`` targets, the most at risk first."""
    coming, past = split(summary)
    rows = pd.concat([coming, past], ignore_index=True)
    return [rows.iloc[i : i + size] for i in range(0, len(rows), size)] or [rows]


def target_overview_charts(
    summary: pd.DataFrame,
    *,
    lang: str,
    folder: str | os.PathLike[str],
    names: dict | None = None,
    stem: str = "summary",
) -> list[Path]:
    """summary.png, summary_2.png, …: one bar per target, at most MAX_BARS per image."""
    parts = overview_parts(summary)
    out = []
    for i, part in enumerate(parts, start=1):
        title = (
            _w("overview", lang)
            if len(parts) == 1
            else _w("overview_part", lang, part=str(i), parts=str(len(parts)))
        )
        fig = _draw_overview(part, lang, names or {}, title)
        name = f"{stem}.png" if i == 1 else f"{stem}_{i}.png"
        out.append(_save(fig, Path(folder) / name))
    return out


@in_rc
def _draw_overview(summary: pd.DataFrame, lang: str, names: dict, title: str) -> Figure:
    rows = summary.reset_index(drop=True)
    # The target in words tells apart rows of one metric and year (39 xã, thêm 3 xã, 76,5%);
    # a long label (a unit's name with its members) wraps, and its row grows, so the bars
    # keep their width.
    labels = [
        chart_text(
            textwrap.fill(
                f"{names.get(r.locality, r.locality)} · {metric_label(r.metric, lang)} "
                f"{int(r.target_year)}: {target_words(r, lang)}",
                LABEL_WIDTH,
            )
        )
        for _, r in rows.iterrows()
    ]
    lines = max((label.count("\n") + 1 for label in labels), default=1)
    fig = new_figure((9.0, max(2.5, (0.18 + 0.14 * lines) * len(rows) + 1.4)))
    ax = fig.add_subplot()
    probability = rows["probability"].astype(float)
    colours = ["#" + STATUS_COLOURS.get(s, "D9D9D9") for s in rows["status"]]
    positions = range(len(rows))
    ax.barh(positions, probability.fillna(0), color=colours, edgecolor="#595959")
    for y, p, status in zip(positions, probability, rows["status"], strict=True):
        if status in PAST_MARKS:
            text = f"{PAST_MARKS[status]} {status_label(status, lang)}"
        else:
            text = fmt_percent(p, lang, digits=0) or status_label(status, lang)
        ax.text(min(p, 1.0) + 0.01 if not is_missing(p) else 0.01, y, text, va="center")
    ax.set_yticks(list(positions), labels)
    ax.invert_yaxis()  # most at risk on top, as in the table
    ax.set_xlim(0, 1.15)
    ax.set_xticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt_percent(v, lang, digits=0)))
    ax.set_xlabel(_w("probability", lang))
    ax.set_title(title)
    ax.grid(True, axis="x", alpha=0.3)
    return fig
