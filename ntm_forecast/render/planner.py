"""The target tables a planner reads: names not codes, targets in words, one language.

The assessment's table (`assess.targets.assess_targets`, in codes) goes whole, in words, to
CSV files and second sheets (`tables.in_words`); this module reads its codes and figures
(or a targets.csv read back: the codes are there too) and makes what goes into the
notebook, the HTML report, the Word report and the first sheet of each workbook:

- coming targets first, most at risk first (lowest probability), each with its reason in
  words, then past targets in their own short table with their outcome in words, never as
  0% or 100%;
- every cell is text in the chosen language's style, empty where there is nothing;
- a headline sentence (how many are likely, at risk, unlikely, and the one furthest behind);
- the what-if as one row per coming target and one column per pace factor.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd

from ntm_forecast.domain import metrics
from ntm_forecast.i18n.labels import (
    STATUS_COLOURS,
    code_label,
    column_label,
    pace_category_label,
    status_label,
)
from ntm_forecast.i18n.messages import LANGS, has, render_notes, word
from ntm_forecast.i18n.messages import metric_label as _metric_label
from ntm_forecast.i18n.numbers import fmt_number, fmt_percent, fmt_year, is_missing
from ntm_forecast.i18n.textsafe import escape_html

PAST = ("met", "missed", "past")
COMING_COLUMNS = [
    "locality",
    "metric",
    "target",
    "target_year",
    "probability",
    "status_label",
    "reason",
    "pace_category",
    "projection",
    "pace_needed",
    "pace_recent",
]
PAST_COLUMNS = ["locality", "metric", "target", "target_year", "outcome"]
# The planner's pace cells and the target table's columns they show.
PACE_SOURCES = {"pace_needed": "required_per_year", "pace_recent": "recent_per_year"}
PERCENT_DIGITS = 1
UNIT_PREFIXES = {
    "communes": "communes",
    "districts": "districts",
    "villages": "villages",
    "gardens": "gardens",
    "ocop": "products",
}


# The statuses that come with a probability.
ASSESSED = ("likely", "at_risk", "unlikely")


@dataclass(frozen=True)
class PlannerTable:
    """Text cells under headers in one language, and each row's status code (for colour)."""

    frame: pd.DataFrame
    statuses: list[str]

    def __len__(self) -> int:
        return len(self.frame)

    def to_html(self) -> str:
        return html_table(self.frame, self.statuses)

    def assessed(self) -> PlannerTable:
        """The rows with a probability (a target the forecasts cannot assess has none to vary)."""
        keep = [status in ASSESSED for status in self.statuses]
        return PlannerTable(
            self.frame[keep].reset_index(drop=True),
            [s for s, k in zip(self.statuses, keep, strict=True) if k],
        )


def split(targets: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(coming, past): coming sorted by probability, lowest first (no probability last)."""
    past_rows = targets["status"].isin(PAST)
    coming = targets[~past_rows].copy()
    coming["_p"] = coming["probability"].astype(float)
    coming = coming.sort_values(
        ["_p", "target_year", "locality", "metric"], na_position="last", kind="mergesort"
    ).drop(columns="_p")
    past = targets[past_rows].sort_values(
        ["target_year", "locality", "metric"], ascending=[False, True, True], kind="mergesort"
    )
    return coming.reset_index(drop=True), past.reset_index(drop=True)


def lower_first(text: str) -> str:
    """'Xã đạt chuẩn NTM' -> 'xã đạt chuẩn NTM'; 'NTM communes' stays as it is."""
    if len(text) > 1 and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _total_at(communes_total: dict | None, year: int) -> float | None:
    known = {int(y): v for y, v in (communes_total or {}).items() if int(y) <= year}
    return known[max(known)] if known else None


def unit_words(unit: object, lang: str) -> str:
    """'communes' → 'xã', 'million_vnd' → 'triệu đồng', 'criteria/8' → 'tiêu chí (trên 8)'; a
    unit the catalogue does not know, as it is."""
    if is_missing(unit) or not unit:
        return ""
    name, _, top = str(unit).partition("/")
    said = word(f"unit.{name}", lang) if has(f"unit.{name}") else name
    return word("unit.out_of", lang, unit=said, top=top) if top else said


def target_words(row, lang: str, communes_total: dict | None = None) -> str:
    """'39/51 xã', 'thêm 20 xã', '80% số xã', '116 sản phẩm', '67,8 triệu đồng' (or their
    English). The unit is the row's `unit` where the table has one (a report's, from its
    params file), else the metric's."""
    metric, unit = str(row["metric"]), row.get("unit")
    if is_missing(unit) and not metric.endswith(("_share", "_rate")):
        # a metric known by its params file only: what it counts is the start of its name
        unit = UNIT_PREFIXES.get(metric.split("_", 1)[0])
    info = metrics.info(metric, None if is_missing(unit) else unit)
    value = fmt_number(row["target_value"], lang)
    high = row.get("target_value_max")
    if not is_missing(high):
        value = word("target.range", lang, low=value, high=fmt_number(high, lang))
    unit = unit_words(info.unit, lang)
    kind = row.get("target_kind", "level")
    if kind == "maintain":
        return word("target.maintain", lang)
    if kind == "share":
        return word("target.share", lang, value=value)
    if kind == "increment":
        return word("target.increment", lang, value=value, unit=unit).strip()
    if info.family == "percent":
        return word("target.percent", lang, value=value)
    total = _total_at(communes_total, int(row["target_year"]))
    if metric in metrics.COMMUNE_STANDARDS and total is not None:
        return word("target.level_of", lang, value=value, total=fmt_number(total, lang), unit=unit)
    return word("target.level", lang, value=value, unit=unit).strip()


def _name(slug: object, names: dict | None) -> str:
    return str((names or {}).get(slug, slug)) if not is_missing(slug) else ""


def _number(value: object) -> float | None:
    return None if is_missing(value) else float(value)


def _projection(row, lang: str) -> str:
    if is_missing(row.get("projected_median")):
        return ""
    lo, hi = row.get("projected_p10"), row.get("projected_p90")
    mid = fmt_number(row["projected_median"], lang, digits=1)
    if is_missing(lo) or is_missing(hi):
        return mid
    return f"{mid} ({fmt_number(lo, lang, digits=1)}–{fmt_number(hi, lang, digits=1)})"


def reason_words(reason: object, lang: str) -> str:
    """A row's reason in ``lang``: Messages in codes, or the text of a table already in words
    (a workbook's or a targets.csv read back)."""
    if isinstance(reason, (tuple, list)):
        return render_notes(reason, lang)
    return "" if is_missing(reason) else str(reason)


def coming_records(
    targets: pd.DataFrame,
    lang: str,
    *,
    names: dict | None = None,
    communes_total: dict | None = None,
    numbers: bool = False,
) -> tuple[list[dict], list[str]]:
    """The coming rows as cells keyed by COMING_COLUMNS, and their status codes.

    ``numbers``: probability, year and pace stay numbers (a workbook formats and sorts them)."""
    coming, _ = split(targets)
    rows = []
    for _, r in coming.iterrows():
        if numbers:
            probability = _number(r["probability"])
            pace = {cell: _number(r.get(source)) for cell, source in PACE_SOURCES.items()}
        else:
            probability = fmt_percent(r["probability"], lang, digits=PERCENT_DIGITS)
            pace = {
                cell: fmt_number(r.get(source), lang, digits=1)
                for cell, source in PACE_SOURCES.items()
            }
        rows.append(
            {
                "locality": _name(r["locality"], names),
                "metric": _metric_label(str(r["metric"]), lang),
                "target": target_words(r, lang, communes_total),
                "target_year": int(r["target_year"]) if numbers else fmt_year(r["target_year"]),
                "probability": probability,
                "status_label": status_label(str(r["status"]), lang),
                "reason": reason_words(r.get("reason"), lang),
                "pace_category": pace_category_label(r.get("pace_category"), lang),
                "projection": _projection(r, lang),
                **pace,
            }
        )
    return rows, list(coming["status"])


def coming_table(
    targets: pd.DataFrame,
    lang: str,
    *,
    names: dict | None = None,
    communes_total: dict | None = None,
) -> PlannerTable:
    records = coming_records(targets, lang, names=names, communes_total=communes_total)
    return _table(records, COMING_COLUMNS, lang)


def instead_of_coming(targets: pd.DataFrame, lang: str) -> str | None:
    """The sentence a report shows instead of the coming targets' table: that there are none,
    or why none has a probability (each reason once, with how many share it); None when one
    has a probability, and the table is shown."""
    coming, _ = split(targets)
    if coming.empty:
        return word("headline.none", lang)
    if coming["status"].isin(ASSESSED).any():
        return None
    reasons = Counter(
        reason_words(r.get("reason"), lang) or status_label(str(r["status"]), lang).lower()
        for _, r in coming.iterrows()
    )
    why = "; ".join(
        reason if n == 1 else word("report.none_assessed_n", lang, reason=reason, n=n)
        for reason, n in reasons.items()
    )
    return word("report.none_assessed", lang, n=len(coming), why=why)


def past_records(
    targets: pd.DataFrame,
    lang: str,
    *,
    names: dict | None = None,
    communes_total: dict | None = None,
    numbers: bool = False,
) -> tuple[list[dict], list[str]]:
    _, past = split(targets)
    rows = [
        {
            "locality": _name(r["locality"], names),
            "metric": _metric_label(str(r["metric"]), lang),
            "target": target_words(r, lang, communes_total),
            "target_year": int(r["target_year"]) if numbers else fmt_year(r["target_year"]),
            "outcome": status_label(str(r["status"]), lang),
        }
        for _, r in past.iterrows()
    ]
    return rows, list(past["status"])


def past_table(
    targets: pd.DataFrame,
    lang: str,
    *,
    names: dict | None = None,
    communes_total: dict | None = None,
) -> PlannerTable:
    records = past_records(targets, lang, names=names, communes_total=communes_total)
    return _table(records, PAST_COLUMNS, lang)


def _table(records: tuple[list[dict], list[str]], columns, lang: str) -> PlannerTable:
    rows, statuses = records
    return PlannerTable(_headed(pd.DataFrame(rows, columns=columns), lang), statuses)


def _headed(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    return frame.rename(columns=lambda c: column_label(c, lang))


def headline(
    targets: pd.DataFrame,
    lang: str,
    *,
    names: dict | None = None,
    communes_total: dict | None = None,
) -> str:
    """One sentence: how the coming targets stand and which one is furthest behind."""
    coming, _ = split(targets)
    if coming.empty:
        return word("headline.none", lang)
    counts = coming["status"].value_counts()
    text = word(
        "headline.counts",
        lang,
        n=len(coming),
        likely=int(counts.get("likely", 0)),
        at_risk=int(counts.get("at_risk", 0)),
        unlikely=int(counts.get("unlikely", 0)),
    )
    unknown = len(coming) - int(counts.reindex(["likely", "at_risk", "unlikely"]).fillna(0).sum())
    if unknown:
        text += word("headline.unknown", lang, unknown=unknown)
    scored = coming[coming["probability"].notna()]
    if scored.empty:
        return text + word("headline.end", lang)
    worst = scored.iloc[0]  # split() sorts by probability, lowest first
    where = ""
    if names is not None and len(set(coming["locality"])) > 1:
        where = word("headline.where", lang, name=_name(worst["locality"], names))
    return text + word(
        "headline.behind",
        lang,
        what=target_words(worst, lang, communes_total),
        label=lower_first(_metric_label(str(worst["metric"]), lang)),
        year=int(worst["target_year"]),
        where=where,
        p=fmt_percent(worst["probability"], lang, digits=PERCENT_DIGITS),
    )


def whatif_table(
    whatif: pd.DataFrame,
    lang: str,
    *,
    names: dict | None = None,
    communes_total: dict | None = None,
    numbers: bool = False,
) -> PlannerTable:
    """A row per coming target, a column per pace factor, and the pace needed for 80%.

    ``numbers``: year, probabilities and pace stay numbers (a workbook formats them)."""
    paces = sorted(whatif["pace"].unique())
    if not paces:  # a locality without targets
        frame = pd.DataFrame(columns=["metric", "target", "target_year", "required_pace_p80"])
        return PlannerTable(_headed(frame, lang), [])
    base_pace = 1.0 if 1.0 in paces else paces[0]
    base = whatif[whatif["pace"] == base_pace].reset_index(drop=True)
    base["_row"] = range(len(base))
    coming, _ = split(base)
    rows = []
    for _, r in coming.iterrows():
        i = int(r["_row"])
        cells = {
            "metric": _metric_label(str(r["metric"]), lang),
            "target": target_words(r, lang, communes_total),
            "target_year": int(r["target_year"]) if numbers else fmt_year(r["target_year"]),
        }
        if names is not None:
            cells = {"locality": _name(r["locality"], names), **cells}
        for pace in paces:
            p = whatif[whatif["pace"] == pace]["probability"].iloc[i]
            head = word("col.whatif_pace", lang, pace=fmt_number(pace, lang, digits=2))
            cells[head] = float(p) if numbers else fmt_percent(p, lang, digits=PERCENT_DIGITS)
        pace_p80 = float(r["required_pace_p80"])
        cells["required_pace_p80"] = pace_p80 if numbers else fmt_number(pace_p80, lang, digits=2)
        rows.append(cells)
    frame = pd.DataFrame(rows)
    if frame.empty:
        frame = pd.DataFrame(columns=["metric", "target", "target_year", "required_pace_p80"])
    return PlannerTable(_headed(frame, lang), list(coming["status"]))


def display_frame(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Any result table as text cells: codes in words, numbers in the language's style."""
    out = {}
    for column in frame.columns:
        key = "status_data" if column == "status" and "as_of" in frame.columns else column
        values = []
        for v in frame[column]:
            if is_missing(v):
                values.append("")
            elif isinstance(v, bool):
                values.append(word(f"bool.{v}", lang))
            elif key in ("year", "target_year", "baseline_year"):
                values.append(fmt_year(v))
            elif isinstance(v, (int, float)):
                values.append(fmt_number(v, lang, digits=4 if abs(v) < 10 else 2))
            elif key == "unit":
                values.append(unit_words(v, lang))
            elif key == "family" and has(f"{key}.{v}"):
                values.append(word(f"{key}.{v}", lang))
            else:
                values.append(str(code_label(key, v, lang)))
        out[column_label(key, lang)] = values
    return pd.DataFrame(out, columns=list(out))


def html_table(frame: pd.DataFrame, statuses: list[str] | None = None) -> str:
    """A plain HTML table: escaped text, no index, the status cells coloured."""
    status_headers = {column_label(c, x) for c in ("status_label", "outcome") for x in LANGS}
    head = "".join(f"<th>{escape_html(c)}</th>" for c in frame.columns)
    body = []
    for i, row in enumerate(frame.itertuples(index=False)):
        colour = STATUS_COLOURS.get(statuses[i]) if statuses and i < len(statuses) else None
        cells = []
        for column, value in zip(frame.columns, row):
            style = ""
            if colour and column in status_headers:
                style = f' style="background-color:#{colour}"'
            cells.append(f"<td{style}>{escape_html(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        '<table class="ntm-table" style="border-collapse:collapse">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )
