"""Score the frozen blind forecasts of 2022–2025 by the rule of SCORE.md.

    python benchmarks/blind_2021/score.py [--review REVIEW.csv] [--params DIR] [--output DIR]

Values: coverage, interval score and CRPS (from the 99 quantiles) of the engine and drift on
the released figures of ``values.csv``; targets (with ``--review``, the table of
``ntm-forecast review PARAMS --format csv``): Brier of the engine's probability in
``targets.csv`` against "always met" and the leave-one-out base rate. Intervals are 90%
bootstrap intervals over clusters (a province with its districts; a unit of 2025 with its
members; the nation). PARAMS gives the districts' parents and the units' members.
Prints the tables; ``--output`` writes them as ``score_values.csv`` and ``score_targets.csv``.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ntm_forecast.errors import InputError, Problem
from ntm_forecast.files import atomic_write_text, ensure_writable_dir

HERE = Path(__file__).resolve().parent
LEVELS = np.arange(1, 100) / 100
QUANTILES = [f"q{i:02d}" for i in range(1, 100)]
ALPHA = 0.2  # the 80% interval q10..q90
FLOOR = 0.01  # added to each CRPS before a ratio: a figure both forecast exactly is a tie
N_BOOT = 2000
SEED = 17
NATION = "vietnam"
FIGURE = ["slug", "metric", "year", "as_of", "t", "status", "value", "source_url"]
TARGET = ["locality", "metric", "target_year", "target_kind", "target_value"]
REVIEWED = [*TARGET, "outcome"]
OUTCOMES = ("met", "missed", "unknown")
RESULT_COLUMNS = ["part", "subset", "measure", "n", "clusters", "value", "lo90", "hi90"]


# --- scores of one forecast ---------------------------------------------------------------


def covered(y: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    return (low <= y) & (y <= high)


def interval_score(y: np.ndarray, low: np.ndarray, high: np.ndarray, alpha=ALPHA) -> np.ndarray:
    """Gneiting and Raftery's score of the central (1 − alpha) interval: width plus 2/alpha
    times the distance by which y falls outside."""
    below, above = np.maximum(low - y, 0), np.maximum(y - high, 0)
    return (high - low) + (2 / alpha) * (below + above)


def crps_from_quantiles(y: np.ndarray, q: np.ndarray, levels=LEVELS) -> np.ndarray:
    """CRPS approximated by twice the mean pinball loss over the quantile levels (rows of q:
    forecasts, columns: levels)."""
    y = np.asarray(y, dtype=float)[:, None]
    pinball = ((y < q) - levels) * (q - y)
    return 2 * pinball.mean(axis=1)


def geometric_mean_ratio(a: np.ndarray, b: np.ndarray, floor=FLOOR) -> float:
    return float(np.exp(np.mean(np.log((a + floor) / (b + floor)))))


def sum_ratio(a: np.ndarray, b: np.ndarray) -> float:
    return float(a.sum() / b.sum())


def brier(p: np.ndarray, met: np.ndarray) -> float:
    return float(np.mean((p - met) ** 2))


def brier_difference(p: np.ndarray, rival: np.ndarray, met: np.ndarray) -> float:
    return brier(p, met) - brier(rival, met)


def loo_base_rate(met: np.ndarray) -> np.ndarray:
    """Each target's met-rate of all the other targets."""
    met = np.asarray(met, dtype=float)
    return (met.sum() - met) / (len(met) - 1)


# --- clusters and the bootstrap -----------------------------------------------------------


def read_structure(params_dir: Path, slugs: Sequence[str]) -> dict[str, dict]:
    """The ``level``, ``parent`` and ``members`` of each slug's params file."""
    structure = {}
    for slug in sorted(set(slugs)):
        path = params_dir / f"{slug}.yaml"
        if not path.is_file():
            raise InputError.at(path, "file", "the params file of a scored locality", "none")
        head = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        structure[slug] = {k: head.get(k) for k in ("level", "parent", "members")}
    return structure


def clusters_of(slugs: Sequence[str], structure: dict[str, dict]) -> list[str]:
    """Each slug's cluster: its province (a district's parent, the nation for itself); a unit
    of 2025 among the slugs joins its members' clusters into one, named by the first slug in
    alphabetical order."""

    def home(slug: str) -> str:
        about = structure[slug]
        return about["parent"] if about["level"] == "district" else slug

    merged = {home(s): home(s) for s in slugs}

    def root(c: str) -> str:
        while merged.setdefault(c, c) != c:
            c = merged[c]
        return c

    for slug in sorted(set(slugs)):
        for member in structure[slug].get("members") or ():
            a, b = sorted((root(home(slug)), root(member)))
            merged[b] = a
    return [root(home(s)) for s in slugs]


def cluster_interval(
    clusters: Sequence[str],
    statistic: Callable[..., float],
    *columns: np.ndarray,
    n_boot=N_BOOT,
    seed=SEED,
) -> tuple[float, float]:
    """The 5% and 95% percentiles of ``statistic(*columns)`` over resamples of whole
    clusters drawn with replacement (the same resamples for every statistic of the same
    clusters)."""
    labels = np.asarray(clusters)
    rows_of = [np.flatnonzero(labels == c) for c in sorted(set(clusters))]
    rng = np.random.default_rng(seed)
    stats = []
    for _ in range(n_boot):
        rows = np.concatenate([rows_of[i] for i in rng.integers(0, len(rows_of), len(rows_of))])
        stats.append(statistic(*(c[rows] for c in columns)))
    low, high = np.percentile(stats, [5, 95])
    return float(low), float(high)


def result(part, subset, measure, clusters, statistic, *columns) -> dict:
    """One row of a score table: the statistic of the columns, with its cluster interval."""
    low, high = cluster_interval(clusters, statistic, *columns)
    return {
        "part": part,
        "subset": subset,
        "measure": measure,
        "n": len(clusters),
        "clusters": len(set(clusters)),
        "value": float(statistic(*columns)),
        "lo90": low,
        "hi90": high,
    }


# --- values ---------------------------------------------------------------------------------


def scored_values(values: pd.DataFrame) -> pd.DataFrame:
    """One row per figure and forecaster with its coverage, interval score and CRPS; an exact
    duplicate of a figure is dropped."""
    values = values.drop_duplicates([*FIGURE, "forecaster"])
    y = values["value"].to_numpy(float)
    q = values[QUANTILES].to_numpy(float)
    return values[[*FIGURE, "forecaster"]].assign(
        cover80=covered(y, values["q10"].to_numpy(float), values["q90"].to_numpy(float)),
        cover50=covered(y, values["q25"].to_numpy(float), values["q75"].to_numpy(float)),
        interval=interval_score(y, values["q10"].to_numpy(float), values["q90"].to_numpy(float)),
        crps=crps_from_quantiles(y, q),
    )


def metric_groups(metrics: pd.Series) -> dict[str, np.ndarray]:
    """All figures, the commune metrics and OCOP: those that have figures."""
    groups = {
        "all": np.ones(len(metrics), bool),
        "communes": metrics.str.startswith("communes_").to_numpy(),
        "ocop": metrics.str.startswith("ocop_").to_numpy(),
    }
    return {name: keep for name, keep in groups.items() if keep.any()}


def value_scores(values: pd.DataFrame, structure: dict[str, dict]) -> pd.DataFrame:
    scored = scored_values(values)
    rows = []
    engine = scored[scored["forecaster"] == "engine"].reset_index(drop=True)
    for group, keep in metric_groups(engine["metric"]).items():
        part = engine[keep]
        clusters = clusters_of(part["slug"].tolist(), structure)
        for measure in ("cover80", "cover50"):
            x = part[measure].to_numpy(float)
            rows.append(result("values", f"engine_{group}", measure, clusters, np.mean, x))

    paired = engine.merge(
        scored[scored["forecaster"] == "drift"], on=FIGURE, suffixes=("_engine", "_drift")
    )
    for group, keep in metric_groups(paired["metric"]).items():
        part, subset = paired[keep], f"paired_{group}"
        clusters = clusters_of(part["slug"].tolist(), structure)
        for measure in ("cover80", "cover50"):
            for who in ("engine", "drift"):
                x = part[f"{measure}_{who}"].to_numpy(float)
                rows.append(result("values", subset, f"{measure}_{who}", clusters, np.mean, x))
        for score in ("crps", "interval"):
            e, d = part[f"{score}_engine"].to_numpy(), part[f"{score}_drift"].to_numpy()
            for name, ratio in (("geomean", geometric_mean_ratio), ("sum", sum_ratio)):
                rows.append(
                    result("values", subset, f"{score}_ratio_{name}", clusters, ratio, e, d)
                )
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


# --- targets --------------------------------------------------------------------------------


def read_review(path: Path) -> pd.DataFrame:
    """The review table's outcome of each target key, or InputError naming what is wrong."""
    try:
        review = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise InputError.at(path, "file", "a readable CSV table", type(error).__name__) from None
    missing = [c for c in REVIEWED if c not in review.columns]
    if missing:
        raise InputError.at(path, "columns", ", ".join(REVIEWED), f"no {missing[0]}")
    problems = []
    for i, row in enumerate(review.itertuples(index=False), start=2):
        if row.outcome not in OUTCOMES:
            problems.append(Problem(path, "outcome", " | ".join(OUTCOMES), repr(row.outcome), i))
        for field in ("target_year", "target_value"):
            try:
                float(getattr(row, field))
            except ValueError:
                problems.append(Problem(path, field, "a number", repr(getattr(row, field)), i))
    if problems:
        raise InputError(problems)
    return keyed(review[REVIEWED])


def keyed(table: pd.DataFrame) -> pd.DataFrame:
    """The target key in one form on both sides of the join (year an int, value rounded)."""
    return table.assign(
        target_year=table["target_year"].astype(float).astype(int),
        target_value=table["target_value"].astype(float).round(4),
    )


def joined_targets(targets: pd.DataFrame, review: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The targets with a probability and a met/missed outcome, and the count of the rest."""
    targets = keyed(targets).drop_duplicates(TARGET)
    outcomes = review.drop_duplicates(REVIEWED)
    twice = outcomes.duplicated(TARGET, keep=False)  # a key reviewed both met and missed
    outcomes = outcomes.assign(outcome=outcomes["outcome"].mask(twice, "conflicting"))
    outcomes = outcomes.drop_duplicates(TARGET)
    table = targets.merge(outcomes, on=TARGET, how="left", validate="one_to_one")
    has_p = table["probability"].notna()
    counts = {
        "targets": len(table),
        "no_probability": int((~has_p).sum()),
        "no_review_row": int((has_p & table["outcome"].isna()).sum()),
        "conflicting_outcomes": int((has_p & (table["outcome"] == "conflicting")).sum()),
        "outcome_unknown": int((has_p & (table["outcome"] == "unknown")).sum()),
    }
    scored = table[has_p & table["outcome"].isin(["met", "missed"])].reset_index(drop=True)
    counts["scored"] = len(scored)
    counts["met"] = int((scored["outcome"] == "met").sum())
    return scored, counts


def target_scores(scored: pd.DataFrame, structure: dict[str, dict]) -> pd.DataFrame:
    if len(scored) < 2:  # the leave-one-out base rate needs another target
        return pd.DataFrame(columns=RESULT_COLUMNS)
    met = (scored["outcome"] == "met").to_numpy(float)
    forecasts = {
        "engine": scored["probability"].to_numpy(float),
        "always_met": np.ones(len(met)),
        "loo_base_rate": loo_base_rate(met),  # once, on all scored targets
    }
    clusters = clusters_of(scored["locality"].tolist(), structure)
    rows = [
        result("targets", "all", f"brier_{name}", clusters, brier, p, met)
        for name, p in forecasts.items()
    ]
    for rival in ("loo_base_rate", "always_met"):
        measure = f"brier_engine_minus_{rival}"
        columns = (forecasts["engine"], forecasts[rival], met)
        rows.append(result("targets", "all", measure, clusters, brier_difference, *columns))
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


# --- the command ----------------------------------------------------------------------------


def as_csv(table: pd.DataFrame) -> str:
    out = io.StringIO()
    table.to_csv(out, index=False, lineterminator="\n", float_format="%.4f")
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--review", type=Path, help="the review table (CSV) of the targets")
    parser.add_argument("--params", type=Path, default=Path("params"), help="default: params")
    parser.add_argument("--output", type=Path, help="directory for the score tables (CSV)")
    args = parser.parse_args(argv)
    try:
        values = pd.read_csv(HERE / "values.csv")
        targets = pd.read_csv(HERE / "targets.csv")
        review = read_review(args.review) if args.review else None
        slugs = values["slug"].tolist() + targets["locality"].tolist()
        structure = read_structure(args.params, slugs)
        tables = {"values": value_scores(values, structure)}
        if review is not None:
            scored, counts = joined_targets(targets, review)
            tables["targets"] = target_scores(scored, structure)
            tables["target_counts"] = pd.DataFrame([counts])
        if args.output:
            ensure_writable_dir(args.output)
    except InputError as error:
        print(error, file=sys.stderr)
        return error.exit_code
    for name, table in tables.items():
        print(f"{name}\n{table.to_string(index=False, float_format=lambda x: f'{x:.3f}')}\n")
    if args.output:
        for name, table in tables.items():
            atomic_write_text(args.output / f"score_{name}.csv", as_csv(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
