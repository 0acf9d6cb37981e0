"""What the 2021 change of criteria did to the pooled hazard, and the doubt the engine
carries across the 2026 change from it. Run: `python benchmarks/criteria_break.py`.

The 2021–2025 criteria (Decision 318/QĐ-TTg and the 2021–2025 programme) are the one change
of criteria in the data. For each commune standard the pooled hazard of the selected
structure is fitted once more with a phase term (2021 on vs before), on the provinces'
figures of the old communes as published, by the end of 2021 and by now. The phase term β is
the change of the log-hazard; the engine's doubt for 2026–2030 is √(β² + se²) of the NTM
standard (`engine.pooling.criteria_break_sd`), a per-path shift of the log-hazard, centred on
zero. Prints a table (the README quotes it).
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ntm_forecast.domain import metrics  # noqa: E402
from ntm_forecast.domain.params import load_many  # noqa: E402
from ntm_forecast.engine.models import SELECTION  # noqa: E402
from ntm_forecast.engine.pooling import criteria_break_sd, fit_pooled_hazard  # noqa: E402


def main() -> None:
    localities = list(load_many([ROOT / "params"]).localities.values())
    structure = dataclasses.replace(SELECTION.hazard, phase=True)
    i = structure.columns.index("phase2")
    print("published by   standard            intervals  provinces  β (log)    se   hazard ×")
    for label, until in (("end of 2021", 2022.0), ("now", None)):
        for standard in metrics.COMMUNE_STANDARDS:
            ph = fit_pooled_hazard(standard, localities, until=until, structure=structure)
            if ph.borrowed_from:
                print(f"{label:<14} {standard:<19} {'':>9}  (no pool: borrows {ph.borrowed_from})")
                continue
            if not ph.n_intervals:
                print(f"{label:<14} {standard:<19} {0:>9}  (no intervals: prior only)")
                continue
            beta, se = ph.coef[i], float(np.sqrt(ph.cov[i, i]))
            print(
                f"{label:<14} {standard:<19} {ph.n_intervals:>9} {len(ph.localities):>10}"
                f"  {beta:+.3f}  {se:.3f}  {np.exp(beta):.2f}"
            )
    sd = criteria_break_sd(localities, SELECTION.hazard)
    low, high = np.exp(-1.2816 * sd), np.exp(1.2816 * sd)
    print(
        f"doubt carried across 2026: log-hazard sd {sd:.3f} "
        f"(80% of paths: hazard × {low:.2f} to × {high:.2f})"
    )


if __name__ == "__main__":
    main()
