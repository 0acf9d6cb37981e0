"""`ntm-forecast extract` on the five seed texts: precision and recall of
(kind, metric, year, value) against the entries of params/ whose `source` is that seed (in-sample:
the rules were written looking at the seeds); the same on the held-out reports of
tests/data/heldout/ against their hand-made entries (expected.yaml, written before the first
run); and the time to read a 20 kB report.

Run: python benchmarks/bench_extract.py [--verbose]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import yaml

from ntm_forecast.ingest.extract import extract, read_report

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "tests" / "data" / "seeds"
HELDOUT = ROOT / "tests" / "data" / "heldout"
# Seeds whose date line lacks the year ("Chiều 21/2"): the date a user gives with --date.
DATES = {"001_76c953a9d45b4d14.txt": "2024-02-21"}


def key(rec: dict) -> tuple:
    value = rec.get("value")
    if value is None:
        value = (rec.get("min"), rec.get("max"))
    else:
        value = round(float(value), 6)
    return (rec["kind"], rec["metric"], rec["year"], value)


def role(rec: dict) -> str:
    """Where an entry sits: a target, or an observation with its status."""
    return rec.get("status", "target")


def gold() -> dict[str, dict[tuple, set[str]]]:
    """seed file name → {(kind, metric, year, value): {roles}} from every params file."""
    out: dict[str, dict[tuple, set[str]]] = {}
    for path in sorted((ROOT / "params").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for rec in [*(data.get("observations") or []), *(data.get("targets") or [])]:
            out.setdefault(rec["source"], {}).setdefault(key(rec), set()).add(role(rec))
    return out


def run_seed(path: Path):
    import datetime as dt

    date = DATES.get(path.name)
    return extract(
        read_report(path),
        date=dt.date.fromisoformat(date) if date else None,
        source=path.name,
    )


def score_line(name: str, found: set, want: set, verbose: bool) -> tuple[int, int, int]:
    """Print one report's row (and, verbose, its extra and missed entries); (tp, fp, fn)."""
    hits = found & want
    p = len(hits) / len(found) if found else 1.0
    r = len(hits) / len(want) if want else 1.0
    print(f"{name:28} {len(want):5} {len(found):6} {len(hits):5} {p:10.3f} {r:7.3f}")
    if verbose:
        for k in sorted(found - want, key=str):
            print("   extra  ", k)
        for k in sorted(want - found, key=str):
            print("   missed ", k)
    return len(hits), len(found - want), len(want - found)


def total_line(label: str, tp: int, fp: int, fn: int) -> tuple[float, float]:
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"{label:28} {tp + fn:5} {tp + fp:6} {tp:5} {precision:10.3f} {recall:7.3f}")
    return precision, recall


HEAD = f"{'gold':>5} {'found':>6} {'hits':>5} {'precision':>10} {'recall':>7}"


def main(verbose: bool = False) -> int:
    truth = gold()
    tp = fp = fn = agree = 0
    print(f"{'seed':28} {HEAD}")
    for path in sorted(SEEDS.glob("*.txt")):
        draft = run_seed(path)
        roles: dict[tuple, set[str]] = {}
        for r in (*draft.observations, *draft.targets):
            roles.setdefault(key(r), set()).add(role(r))
        want = set(truth.get(path.name, {}))
        agree += sum(bool(roles[k] & truth[path.name][k]) for k in set(roles) & want)
        t, f, n = score_line(path.name, set(roles), want, verbose)
        tp, fp, fn = tp + t, fp + f, fn + n
    total_line("all five seeds", tp, fp, fn)
    print(f"matched entries that also agree on target / actual / estimate: {agree} of {tp}")
    print()
    heldout(verbose)
    print()
    timing()
    return 0


def heldout_truth() -> dict[str, set[tuple]]:
    """file name → {(kind, metric, year, value)} from tests/data/heldout/expected.yaml."""
    data = yaml.safe_load((HELDOUT / "expected.yaml").read_text(encoding="utf-8"))
    out = {}
    for name, entries in data.items():
        out[name] = {
            (kind, metric, year, tuple(v) if isinstance(v, list) else round(float(v), 6))
            for kind, metric, year, v in entries
        }
    return out


def heldout(verbose: bool = False) -> tuple[float, float]:
    """Precision and recall on the held-out reports (out of sample)."""
    tp = fp = fn = 0
    print(f"{'held-out report':28} {HEAD}")
    for name, want in sorted(heldout_truth().items()):
        draft = extract(read_report(HELDOUT / name), source=name)
        found = {key(r) for r in (*draft.observations, *draft.targets)}
        t, f, n = score_line(name, found, want, verbose)
        tp, fp, fn = tp + t, fp + f, fn + n
    return total_line("all held-out", tp, fp, fn)


def timing(repeats: int = 7) -> None:
    """A ~20 kB report: the seeds one after another, cut at the first line end past 20 kB."""
    import datetime as dt
    import statistics
    import subprocess

    whole = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    cut = whole.encode("utf-8")[: 20 * 1024].decode("utf-8", errors="ignore")
    report = whole[: whole.index("\n", len(cut))]
    size = len(report.encode("utf-8"))
    extract(report, date=dt.date(2022, 3, 14))  # warm the regex cache once
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        extract(report, date=dt.date(2022, 3, 14))
        times.append(time.perf_counter() - t0)
    print(
        f"extract() on a {size / 1024:.1f} kB report: median {statistics.median(times):.3f} s, "
        f"best {min(times):.3f} s ({repeats} runs)"
    )
    tmp = ROOT / "outputs" / "bench_extract_report.txt"
    tmp.parent.mkdir(exist_ok=True)
    tmp.write_text(report, encoding="utf-8")
    cli = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "ntm_forecast.cli", "extract", str(tmp), "--date", "2022-03-14"],
            check=True, capture_output=True,
        )  # fmt: skip
        cli.append(time.perf_counter() - t0)
    tmp.unlink()
    print(
        f"`ntm-forecast extract` on it, whole command with start-up: median "
        f"{statistics.median(cli):.3f} s (3 runs)"
    )


if __name__ == "__main__":
    sys.exit(main("--verbose" in sys.argv))
