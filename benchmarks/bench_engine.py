"""Speed and memory of the forecast engine (issue 4). Run: `python benchmarks/bench_engine.py`.

Three measurements, each in this one run so that ratios compare like with like on a shared
machine:
1. `import ntm_forecast` against `import pandas`, alternated in fresh interpreters.
2. One locality, every metric, 10,000 paths, horizon 5, after import (each real params file).
3. Synthetic districts pooled with the national series in one process: time and peak
   memory for 100, 350 and 700 districts, and for 1,000 vs 10,000 paths.
Prints a table; `--quick` runs smaller sizes (for CI smoke tests).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def import_ratio(runs: int) -> tuple[float, float, float]:
    def once(stmt: str) -> float:
        code = f"import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
        )
        return float(out.stdout.strip())

    once("import pandas"), once("import ntm_forecast")  # warm the file cache
    pandas, ours = [], []
    for _ in range(runs):
        pandas.append(once("import pandas"))
        ours.append(once("import ntm_forecast"))
    ratios = [o / p for o, p in zip(ours, pandas)]
    return statistics.median(pandas), statistics.median(ours), statistics.median(ratios)


def synthetic_district(i: int, rng: np.random.Generator):
    from ntm_forecast.domain.schema import Locality

    total = int(rng.integers(8, 30))
    years = sorted(rng.choice(np.arange(2012, 2022), size=int(rng.integers(2, 7)), replace=False))
    level = int(rng.integers(0, max(total // 3, 1)))
    obs = [
        {
            "metric": "communes_total",
            "year": 2021,
            "value": total,
            "status": "actual",
            "source": "synthetic",
            "quote": "synthetic",
        }
    ]
    for y in years:
        level = min(total, level + int(rng.integers(0, 4)))
        obs.append(
            {
                "metric": "communes_ntm",
                "year": int(y),
                "value": level,
                "status": "actual",
                "as_of": f"{y}-12",
                "source": "synthetic",
                "quote": "synthetic",
            }
        )
    adv = int(rng.integers(0, max(level // 3, 1)))
    obs.append(
        {
            "metric": "communes_advanced",
            "year": int(years[-1]),
            "value": adv,
            "status": "actual",
            "as_of": f"{years[-1]}-12",
            "source": "s",
            "quote": "s",
        }
    )
    ocop = int(rng.integers(0, 20))
    obs.append(
        {
            "metric": "ocop_total",
            "year": int(years[-1]),
            "value": ocop,
            "status": "actual",
            "as_of": f"{years[-1]}-12",
            "source": "s",
            "quote": "s",
        }
    )
    obs.append(
        {
            "metric": "avg_criteria",
            "year": int(years[0]),
            "value": float(rng.uniform(8, 15)),
            "status": "actual",
            "source": "s",
            "quote": "s",
        }
    )
    obs.append(
        {
            "metric": "avg_criteria",
            "year": int(years[-1]),
            "value": float(rng.uniform(15, 19)),
            "status": "actual",
            "source": "s",
            "quote": "s",
        }
    )
    return Locality.model_validate(
        {
            "name": f"Huyện {i}",
            "slug": f"d{i:04d}",
            # pooled like provinces (only provinces enter the pool): the fit is timed too
            "level": "province",
            "parent": "vietnam",
            "origin_year": 2021,
            "observations": obs,
        }
    )


def run_districts(n: int, n_paths: int, national) -> tuple[float, float]:
    from ntm_forecast.engine.forecast import Context, forecast_locality

    rng = np.random.default_rng(n)
    districts = [synthetic_district(i, rng) for i in range(n)]
    t = time.perf_counter()
    ctx = Context.from_localities([national, *districts])
    for loc in districts:
        forecast_locality(loc, ctx, horizon=5, n_paths=n_paths, seed=0)
    return time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    args = ap.parse_args()

    p_med, o_med, ratio = import_ratio(3 if args.quick else 9)
    print(
        f"import pandas {p_med:.3f} s, import ntm_forecast {o_med:.3f} s, "
        f"ratio {ratio:.2f} (goal ≤ 1.5)"
    )

    from ntm_forecast.domain.params import load_many
    from ntm_forecast.engine.forecast import Context, forecast_locality

    loaded = load_many([ROOT / "params"])
    ctx = Context.from_localities(loaded.localities.values())
    times = {}
    for slug, loc in loaded.localities.items():
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            forecast_locality(loc, ctx, horizon=5, n_paths=10_000, seed=0)
            runs.append(time.perf_counter() - t)
        times[slug] = min(runs)
    worst = max(times, key=times.get)
    print(
        "one locality, every metric, 10,000 paths, horizon 5 (best of 3): "
        + ", ".join(f"{k} {v:.3f} s" for k, v in times.items())
        + f"; slowest {worst} {times[worst]:.3f} s (goal < 0.2 s)"
    )

    national = loaded.localities["vietnam"]
    sizes = (
        [(50, 1000), (50, 10_000)]
        if args.quick
        else [(100, 10_000), (350, 10_000), (700, 1_000), (700, 10_000)]
    )
    print("synthetic districts pooled with the national series, one process:")
    print(f"{'districts':>10} {'paths':>7} {'seconds':>8} {'peak MiB':>9}")
    for n, paths in sizes:
        sec, mib = run_districts(n, paths, national)
        print(f"{n:>10} {paths:>7} {sec:>8.2f} {mib:>9.0f}")
    print("(goal for 700 districts at 10,000 paths: < 30 s, peak < 2048 MiB)")


if __name__ == "__main__":
    main()
