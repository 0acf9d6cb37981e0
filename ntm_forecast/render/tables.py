"""Print or save result tables: a readable table, CSV or JSON. Same input, same bytes.

The analysis hands over codes; `in_words` gives a target table the reader's words."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ntm_forecast.assess.targets import TARGET_CODE_COLUMNS
from ntm_forecast.errors import EXIT_OK, InputError
from ntm_forecast.files import atomic_write_text, ensure_writable_dir
from ntm_forecast.i18n.labels import status_label
from ntm_forecast.i18n.messages import render_notes, word

# The same table for readers (targets.csv, summary.csv, printed tables): each status also in
# words (`status_label`) and the notes as one line (`note`), in the reader's language.
TARGET_COLUMNS = [
    reader
    for column in TARGET_CODE_COLUMNS
    for reader in {"status": ("status", "status_label"), "notes": ("note",)}.get(column, (column,))
]

# A locality's figures as its reports list them (`report.Report.data_frame`).
DATA_COLUMNS = [
    "metric", "year", "value", "unit", "status", "kind", "as_of", "source", "quote", "note",
]  # fmt: skip

FORMATS = ("table", "csv", "json")


def in_words(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A target (or what-if) table in codes as readers get it: each status followed by its
    words (`status_label`), the notes as one line in ``lang`` (`note`, where `notes` was),
    and the reason as one line in ``lang``."""
    out = notes_in_words(table, lang)
    out["reason"] = [render_notes(reason, lang) for reason in table["reason"]]
    labels = [status_label(status, lang) for status in table["status"]]
    out.insert(out.columns.get_loc("status") + 1, "status_label", labels)
    return out


def rests_on(layer, lang: str) -> str:
    """One line: what a report's probability rests on (a `calibration.ProbabilityLayer`)."""
    return word(
        f"calibration.rests_on.{layer.name}", lang, events=layer.events, provinces=layer.provinces
    )


def notes_in_words(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The `notes` codes of an analysis table as one line in ``lang`` (`note`)."""
    out = table.rename(columns={"notes": "note"})
    out["note"] = [render_notes(notes, lang) for notes in table["notes"]]
    return out


def scores_in_words(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The hindcast's candidate scores with each candidate named in ``lang``, rounded."""
    out = frame.copy()
    out["candidate"] = [word(f"calibration.layer.{code}", lang) for code in frame["candidate"]]
    return out.round(3)


def render(frame: pd.DataFrame, fmt: str) -> str:
    if fmt == "csv":
        return frame.to_csv(index=False, lineterminator="\n", float_format="%.10g")
    if fmt == "json":
        return (
            frame.to_json(orient="records", force_ascii=False, indent=1, double_precision=10) + "\n"
        )
    with pd.option_context(
        "display.width",
        200,
        "display.max_columns",
        None,
        "display.max_colwidth",
        60,
        "display.max_rows",
        None,
    ):
        return frame.to_string(index=False) + "\n"


def emit(frames: list[pd.DataFrame], fmt: str, output: Path | None) -> int:
    """Write the concatenated frames to `output` (atomically) or stdout."""
    if fmt not in FORMATS:
        raise InputError.at("--format", "format", f"one of {', '.join(FORMATS)}", repr(fmt))
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    text = render(frame, fmt)
    if output is None:
        import typer

        typer.echo(text, nl=False)
        return EXIT_OK
    ensure_writable_dir(Path(output).parent if str(Path(output).parent) else Path("."))
    # CSV files for Excel carry a BOM so that the diacritics survive.
    atomic_write_text(output, text, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
    return EXIT_OK
