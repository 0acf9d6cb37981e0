"""Simulated yearly paths of one metric: what every model's `forecast` returns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

QUANTILE_COLUMNS = {
    0.05: "p05",
    0.10: "p10",
    0.25: "p25",
    0.5: "median",
    0.75: "p75",
    0.90: "p90",
    0.95: "p95",
}


def between(before: np.ndarray, end: np.ndarray, frac: float) -> np.ndarray:
    """Paths a fraction `frac` of the way through a year, from the year-end values before
    and at its end (linear within the year; the end itself when `frac` is 1)."""
    return end if frac >= 1.0 - 1e-9 else before + frac * (end - before)


@dataclass(frozen=True, eq=False)
class PathForecast:
    """Year-end values of one metric on `n_paths` simulated futures.

    Column 0 of `values` is the year-end of `years[0]`: the last observed year, simulated
    from its last figure when that figure was stated before December (a floor).
    """

    metric: str
    model: str
    years: np.ndarray  # (H + 1,)
    values: np.ndarray  # (n_paths, H + 1)
    own_weight: float = 1.0
    note: str = ""

    def at(self, year: int) -> np.ndarray | None:
        idx = np.nonzero(self.years == year)[0]
        if idx.size == 0:
            return None
        return self.values[:, idx[0]]

    def within(self, year: int, t: float) -> np.ndarray | None:
        """The paths at time `t` inside `year` (`t` = year + 1 is its year-end): linear between
        the year-ends of year − 1 and year, the year-end column itself when `t` is the end or
        the year before is not simulated. A series that stops inside its year (the old
        communes in June 2025) is read where it stops, as its outcome is."""
        end, before = self.at(year), self.at(year - 1)
        if end is None:
            return None
        return end if before is None else between(before, end, t - year)

    def quantiles(self, levels=(0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)) -> np.ndarray:
        """(len(levels), H + 1) array; quantiles of a sample, 'linear' method, so ordered."""
        return np.quantile(self.values, levels, axis=0)

    def to_frame(self, levels=tuple(QUANTILE_COLUMNS)):
        """One row per year: the median and the quantiles, with the model and own weight."""
        import pandas as pd

        q = self.quantiles(levels)
        cols = {QUANTILE_COLUMNS.get(lv, f"q{lv:g}"): q[i] for i, lv in enumerate(levels)}
        frame = pd.DataFrame({"metric": self.metric, "year": self.years.astype(int), **cols})
        frame["model"] = self.model
        frame["own_weight"] = round(self.own_weight, 3)
        return frame

    def prob_at_least(self, year: int, value: float) -> float | None:
        x = self.at(year)
        return None if x is None else float(np.mean(x >= value - 1e-9))

    def __repr__(self) -> str:
        med = np.median(self.values, axis=0)
        return (
            f"<PathForecast {self.metric} by {self.model}: {self.values.shape[0]} paths, "
            f"{int(self.years[0])}–{int(self.years[-1])}, median end {med[-1]:.4g}>"
        )
