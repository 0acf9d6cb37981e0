"""Benchmark the notebook batch against plain papermill.

(a) every locality in params/ through ``run_batch`` (worker pool, HTML copies, summary)
    against a sequential shell loop of the ``papermill`` command over the same notebook and
    parameters. Target: the batch at least 1.8x faster on 2 cores.
(b) one locality notebook against papermill on an empty notebook (the fixed cost of a
    kernel). Target: at most 2x.

    python benchmarks/bench_batch.py [--quick] [--jobs 2] [--strict]

Run from anywhere; paths are taken from the repository root.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ntm_forecast.batch import run_batch
from ntm_forecast.domain.params import discover

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "locality_report.ipynb"
EMPTY = ROOT / "tests" / "notebooks" / "empty.ipynb"
PARAMS = ROOT / "params"

BATCH_TARGET = 1.8  # sequential / batch, at least
KERNEL_TARGET = 2.0  # locality / empty, at most


def papermill_cmd() -> list[str]:
    exe = Path(sys.executable).parent / "papermill"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "papermill"]


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def sh(script: str) -> None:
    subprocess.run(
        ["bash", "-c", script],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def sequential_loop(files: list[Path], out: Path, n_paths: int, seed: int) -> None:
    """The shell loop an analyst would write without the batch."""
    pm = " ".join(shlex.quote(p) for p in papermill_cmd())
    lines = ["set -e"]
    for f in files:
        d = out / f.stem
        lines.append(f"mkdir -p {shlex.quote(str(d))}")
        lines.append(
            f"{pm} {shlex.quote(str(NOTEBOOK))} {shlex.quote(str(d / 'report.ipynb'))} "
            f"-p params_path {shlex.quote(str(f))} -p n_paths {n_paths} -p seed {seed} "
            f"-p output_dir {shlex.quote(str(d))} --no-progress-bar"
        )
    sh("\n".join(lines))


def one_notebook(nb: Path, out: Path, params: dict[str, object]) -> None:
    args = [*papermill_cmd(), str(nb), str(out), "--no-progress-bar"]
    for k, v in params.items():
        args += ["-p", k, str(v)]
    subprocess.run(args, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="1,000 paths instead of 10,000")
    ap.add_argument("--jobs", type=int, default=2, help="batch workers (default 2)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = ap.parse_args(argv)

    n_paths = 1000 if args.quick else 10000
    files = [f.resolve() for f in discover([PARAMS])]
    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    os.chdir(ROOT)
    try:
        # Warm the disk cache and the kernelspec lookup; not timed.
        one_notebook(EMPTY, work / "warm.ipynb", {})

        t_empty = timed(lambda: one_notebook(EMPTY, work / "empty.ipynb", {}))
        one = {"params_path": files[0], "n_paths": n_paths, "seed": args.seed}
        t_one = timed(lambda: one_notebook(NOTEBOOK, work / "one.ipynb", one))

        t_seq = timed(lambda: sequential_loop(files, work / "seq", n_paths, args.seed))
        result = None

        def batch():
            nonlocal result
            result = run_batch(
                files,
                jobs=args.jobs,
                output=work / "batch",
                seed=args.seed,
                n_paths=n_paths,
                notebook=NOTEBOOK,
                progress=False,
            )

        t_batch = timed(batch)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    speedup = t_seq / t_batch
    overhead = t_one / t_empty
    rows = [
        ("(a) sequential papermill loop", t_seq, ""),
        (
            f"(a) run_batch, jobs={args.jobs}",
            t_batch,
            f"speed-up {speedup:.2f}x (target >= {BATCH_TARGET}x)",
        ),
        ("(b) papermill, empty notebook", t_empty, ""),
        (
            f"(b) papermill, one locality ({files[0].stem})",
            t_one,
            f"ratio {overhead:.2f}x (target <= {KERNEL_TARGET}x)",
        ),
    ]
    print(f"{len(files)} localities, {n_paths} paths, {os.cpu_count()} CPUs")
    print(f"{'what':<48} {'seconds':>8}  ratio")
    for name, secs, note in rows:
        print(f"{name:<48} {secs:8.1f}  {note}")
    ok = speedup >= BATCH_TARGET and overhead <= KERNEL_TARGET
    if result is not None and result.exit_code:  # a failed locality or summary export
        print(result.summary_text())
        ok = False
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
