"""Export a locality's results, or the batch summary, as CSV, Excel, Word and PNG.

Exporters only render: they take the frames the engine and the target assessment produced
and never compute a forecast. A locality's target table comes in codes and is put in the
reader's words here; the batch summary comes as the localities' targets.csv files hold it,
words included. Options are checked before anything is written, and every file is written
atomically.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from ntm_forecast.domain.metrics import COMMUNE_STANDARDS
from ntm_forecast.engine.forecast import FORECAST_COLUMNS
from ntm_forecast.errors import InputError
from ntm_forecast.files import atomic_path, atomic_write_bytes, ensure_writable_dir
from ntm_forecast.i18n.messages import check_lang, metric_label
from ntm_forecast.i18n.textsafe import spreadsheet_frame
from ntm_forecast.render.planner import PAST, split
from ntm_forecast.render.tables import TARGET_COLUMNS, in_words
from ntm_forecast.version import __version__

FORMATS = ("csv", "xlsx", "docx", "png")
# Ten significant digits: exact for counts and shares, no 0.30000000000000004 noise.
CSV_FLOAT_FORMAT = "%.10g"
# The renderers (matplotlib, openpyxl, python-docx) are imported where used: they are slow to
# import, and a CSV export or the batch's own process needs none of them.


def parse_formats(text: str | Iterable[str]) -> tuple[str, ...]:
    """'csv,xlsx' -> ('csv', 'xlsx'), in the given order, each once; InputError on others."""
    names = text.split(",") if isinstance(text, str) else list(text)
    out: list[str] = []
    for name in (n.strip().lower() for n in names):
        if name not in FORMATS:
            raise InputError.at("--format", "format", f"one of {', '.join(FORMATS)}", repr(name))
        if name not in out:
            out.append(name)
    return tuple(out)


def write_csv(frame: pd.DataFrame, columns: list[str], path: str | os.PathLike[str]) -> Path:
    """UTF-8 with a BOM (Excel then reads the diacritics), dot decimals, English headers;
    text that a spreadsheet would take for a formula is written as text."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{Path(path).name}: missing columns {missing}")
    with atomic_path(path) as tmp:
        spreadsheet_frame(frame[columns]).to_csv(
            tmp,
            index=False,
            encoding="utf-8-sig",
            lineterminator="\n",
            float_format=CSV_FLOAT_FORMAT,
        )
    return Path(path)


def commune_ceiling(metric: str, meta: dict) -> pd.Series | None:
    """The commune total bounds only the commune standards."""
    totals = meta.get("communes_total")
    if metric not in COMMUNE_STANDARDS or not totals:
        return None
    return pd.Series({int(y): float(v) for y, v in totals.items()})


# The targets a fan chart draws: those with a level on its scale (not "maintain 100%").
CHARTED_KINDS = ("level", "increment", "share")
# The notes in which the assessment says the count a share target means.
SHARE_COUNT_NOTES = ("note.share_count", "review.share_ntm_count")


def chart_targets(targets: pd.DataFrame, metric: str) -> pd.DataFrame:
    """The targets of ``metric`` a fan chart draws (`charts.marker_levels` places them): a
    level as stated, an addition ("thêm …") on the level before it, a share at `count`, the
    count the assessment read it as (its note), NaN where it had none.

    ``targets`` is the assessment's table in codes (its notes are Messages)."""
    rows = targets[(targets["metric"] == metric) & targets["target_kind"].isin(CHARTED_KINDS)]
    out = rows[["target_year", "target_kind", "target_value", "probability", "status"]].copy()
    out["count"] = [_share_count(notes) for notes in rows["notes"]]
    return out


def _share_count(notes) -> float:
    for note in notes:
        if getattr(note, "code", None) in SHARE_COUNT_NOTES:
            return float(note.values["count"])
    return float("nan")


def _fan_charts(
    fans: dict[str, pd.DataFrame],
    targets: pd.DataFrame,
    meta: dict,
    lang: str,
    folder: Path,
    figures: dict | None = None,
) -> list[Path]:
    from ntm_forecast.render.charts import fan_chart

    paths = []
    for metric, fan in fans.items():
        if figures and metric in figures:  # rendered already for a notebook: no second render
            paths.append(atomic_write_bytes(folder / f"chart_{metric}.png", figures[metric]))
            continue
        label = metric_label(metric, lang)
        paths.append(
            fan_chart(
                fan,
                title=f"{label} — {meta['locality']}",
                metric_label=label,
                ceiling=commune_ceiling(metric, meta),
                targets=chart_targets(targets, metric),
                lang=lang,
                path=folder / f"chart_{metric}.png",
            )
        )
    return paths


def _check(formats: Iterable[str], lang: str, output_dir: str | os.PathLike[str]):
    formats = parse_formats(formats)
    check_lang(lang)
    return formats, ensure_writable_dir(output_dir)


def export_locality(
    *,
    forecast: pd.DataFrame,
    targets: pd.DataFrame,
    data: pd.DataFrame,
    fans: dict[str, pd.DataFrame],
    meta: dict,
    formats: Iterable[str] = FORMATS,
    lang: str = "vi",
    output_dir: str | os.PathLike[str],
    figures: dict | None = None,
    whatif: pd.DataFrame | None = None,
    warnings: Sequence[str] | None = None,
    backtest: pd.DataFrame | None = None,
) -> list[Path]:
    """forecast.csv, targets.csv, report.xlsx, report.docx and chart_<metric>.png.

    `targets` is the assessment's table in codes (TARGET_CODE_COLUMNS); `figures` (metric ->
    PNG bytes) are fan charts already rendered from `fans`. The Word report also shows the
    what-if table (`assess.whatif`, in codes), the data warnings (in words) and the model's
    checks (`assess.backtest.summarise`) when given; the workbook gives the what-if a sheet."""
    formats, out = _check(formats, lang, output_dir)
    worded = in_words(targets, lang)  # the tables of targets.csv and the workbook
    written: list[Path] = []
    if "csv" in formats:
        written.append(write_csv(forecast, FORECAST_COLUMNS, out / "forecast.csv"))
        written.append(write_csv(worded, TARGET_COLUMNS, out / "targets.csv"))
    if "xlsx" in formats:
        from ntm_forecast.render.excel import write_locality_workbook

        written.append(
            write_locality_workbook(
                out / "report.xlsx",
                forecast=forecast,
                targets=worded,
                data=data,
                meta=meta,
                lang=lang,
                whatif=whatif,
            )
        )
    charts: list[Path] = []
    if "png" in formats:
        charts = _fan_charts(fans, targets, meta, lang, out, figures)
        written.extend(charts)
    if "docx" in formats:
        from ntm_forecast.render.word import write_locality_report

        with tempfile.TemporaryDirectory() as scratch:
            # The report embeds the charts even when PNG files were not asked for.
            if "png" not in formats:
                charts = _fan_charts(fans, targets, meta, lang, Path(scratch), figures)
            written.append(
                write_locality_report(
                    out / "report.docx",
                    targets=targets,
                    data=data,
                    charts=charts,
                    meta=meta,
                    lang=lang,
                    whatif=whatif,
                    warnings=warnings,
                    backtest=backtest,
                )
            )
    return written


def coming_only(summary: pd.DataFrame) -> pd.DataFrame:
    """The targets still ahead (past ones, met or missed, left out)."""
    return summary[~summary["status"].isin(PAST)].reset_index(drop=True)


def by_risk(summary: pd.DataFrame) -> pd.DataFrame:
    """Coming targets, lowest probability first, then past ones (the order every part uses)."""
    return pd.concat(split(summary), ignore_index=True)


def export_summary(
    summary: pd.DataFrame,
    *,
    formats: Iterable[str] = FORMATS,
    lang: str = "vi",
    output_dir: str | os.PathLike[str],
    meta: dict | None = None,
    names: dict | None = None,
    all_targets: bool = False,
) -> list[Path]:
    """summary.csv, summary.xlsx, summary.docx and summary.png (summary_2.png, … when more
    than 40 targets): the coming targets of every locality, or every target.

    `summary` is the localities' target tables as readers got them (TARGET_COLUMNS, words
    included): the batch reads them back from their targets.csv files."""
    formats, out = _check(formats, lang, output_dir)
    meta = meta if meta is not None else {"version": __version__}
    if not all_targets:
        summary = coming_only(summary)
    summary = by_risk(summary)
    written: list[Path] = []
    if "csv" in formats:
        written.append(write_csv(summary, TARGET_COLUMNS, out / "summary.csv"))
    if "xlsx" in formats:
        from ntm_forecast.render.excel import write_summary_workbook

        written.append(
            write_summary_workbook(
                out / "summary.xlsx", summary=summary, meta=meta, lang=lang, names=names
            )
        )
    if "png" in formats or "docx" in formats:
        from ntm_forecast.render.charts import target_overview_charts

        for old in out.glob("summary_*.png"):  # parts of an earlier, longer summary
            if old.stem.removeprefix("summary_").isdigit():
                old.unlink()
        with tempfile.TemporaryDirectory() as scratch:
            folder = out if "png" in formats else Path(scratch)
            charts = target_overview_charts(summary, lang=lang, folder=folder, names=names)
            if "png" in formats:
                written.extend(charts)
            if "docx" in formats:
                from ntm_forecast.render.word import write_summary_report

                written.append(
                    write_summary_report(
                        out / "summary.docx",
                        summary=summary,
                        charts=charts,
                        meta=meta,
                        lang=lang,
                        names=names,
                    )
                )
    return written
