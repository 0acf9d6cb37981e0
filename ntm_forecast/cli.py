"""The `ntm-forecast` command: parse arguments, call the package, map errors to exit codes."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Annotated

import typer

from ntm_forecast.errors import EXIT_BAD_INPUT, EXIT_OK, InputError, NtmError

app = typer.Typer(
    name="ntm-forecast",
    help="Forecasts of NTM and OCOP figures, and the probability that plan targets are reached.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ParamsArg = Annotated[
    list[Path] | None,
    typer.Argument(
        help="params files or folders (default: every file in params/)", show_default=False
    ),
]


@app.callback()
def _root() -> None:
    """Forecasts of NTM and OCOP figures, and the probability that plan targets are reached."""


@app.command()
def check(paths: ParamsArg = None) -> int:
    """Validate params files and print an overview with every warning."""
    from ntm_forecast.domain.params import load_many
    from ntm_forecast.render.overview import overview_text

    loaded = load_many(paths)
    for problem in loaded.errors:
        typer.echo(str(problem), err=True)
    typer.echo(overview_text(loaded))
    return EXIT_BAD_INPUT if loaded.errors else EXIT_OK


@app.command("import")
def import_(
    tables: Annotated[list[Path], typer.Argument(help="CSV tables of figures", show_default=False)],
    into: Annotated[Path, typer.Option(help="the params folder to create or update")] = Path(
        "params"
    ),
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="only say what would be added, skipped, in conflict")
    ] = False,
    origin_year: Annotated[
        int | None,
        typer.Option(help="origin_year of new files (default: each one's latest figure)"),
    ] = None,
) -> int:
    """Create or update params files from CSV tables (columns of the public figure files)."""
    from ntm_forecast.ingest.importer import import_tables

    result = import_tables(tables, into, dry_run=dry_run, origin_year=origin_year)
    for line in result.report_lines():
        typer.echo(line)
    return EXIT_OK


Format = Annotated[str, typer.Option("--format", help="table, csv or json")]
Output = Annotated[
    Path | None, typer.Option("--output", help="write to this file instead of stdout")
]
Lang = Annotated[str, typer.Option("--lang", help="vi (default) or en")]
Horizon = Annotated[int, typer.Option("--horizon", min=1, max=30, help="years after the origin")]
NPaths = Annotated[int, typer.Option("--paths", min=100, max=1_000_000, help="simulated paths")]
Seed = Annotated[int, typer.Option("--seed", min=0, help="random seed")]
Likely = Annotated[float, typer.Option("--likely", min=0, max=1, help="p at or above: likely")]
Unlikely = Annotated[float, typer.Option("--unlikely", min=0, max=1, help="p below: unlikely")]


def _output_file(path: Path | None, option: str = "--output") -> None:
    """Refuse, before the work, a file output that cannot be written: a folder, or a file in
    a folder that cannot be made or written to (a missing one is made)."""
    from ntm_forecast.files import ensure_writable_dir

    if path is None:
        return
    if path.is_dir():
        raise InputError.at(path, option, "a file, not a folder", "a folder")
    ensure_writable_dir(path.parent)


def _thresholds(likely: float, unlikely: float):
    from ntm_forecast.assess.targets import Thresholds

    if unlikely > likely:
        raise InputError.at("--unlikely", "unlikely", f"a value ≤ --likely ({likely})", unlikely)
    return Thresholds(likely=likely, unlikely=unlikely)


@app.command()
def forecast(
    params: Annotated[list[Path], typer.Argument(help="params file(s)")],
    horizon: Horizon = 5,
    paths: NPaths = 10_000,
    seed: Seed = 0,
    model: Annotated[
        str | None, typer.Option(help="hazard, ocop_growth, bounded_trend, drift, ets")
    ] = None,
    fmt: Format = "table",
    output: Output = None,
) -> int:
    """Forecast every metric of a locality (medians, intervals, model, own-data weight)."""
    from ntm_forecast.engine.forecast import forecast_locality
    from ntm_forecast.engine.session import open_session
    from ntm_forecast.render.tables import emit

    _output_file(output)
    session = open_session(params)
    configured = session.context.selection.models  # the models this forecast can use
    if model is not None and model not in configured:
        raise InputError.at("--model", "model", f"one of {', '.join(configured)}", repr(model))
    frames = [
        forecast_locality(
            loc, session.context, horizon=horizon, n_paths=paths, seed=seed, model=model
        ).to_frame()
        for loc in session.chosen
    ]
    return emit(frames, fmt, output)


@app.command()
def targets(
    params: Annotated[list[Path], typer.Argument(help="params files or folders")],
    horizon: Horizon = 5,
    paths: NPaths = 10_000,
    seed: Seed = 0,
    lang: Lang = "vi",
    likely: Likely = 0.75,
    unlikely: Unlikely = 0.25,
    fmt: Format = "table",
    output: Output = None,
) -> int:
    """The probability that each plan target is reached, with the pace it needs (the one the
    folder's probability layer gives, the trend alone beside it)."""
    from ntm_forecast.assess.calibration import session_layer
    from ntm_forecast.assess.targets import assess_targets
    from ntm_forecast.engine.forecast import forecast_locality
    from ntm_forecast.engine.session import open_session
    from ntm_forecast.i18n.messages import check_lang
    from ntm_forecast.render.tables import emit, in_words

    check_lang(lang)
    th = _thresholds(likely, unlikely)
    _output_file(output)
    session = open_session(params)
    layer = session_layer(session)
    frames = [
        in_words(
            assess_targets(
                forecast_locality(loc, session.context, horizon=horizon, n_paths=paths, seed=seed),
                thresholds=th,
                layer=layer,
            ),
            lang,
        )
        for loc in session.chosen
    ]
    return emit(frames, fmt, output)


@app.command()
def whatif(
    params: Annotated[Path, typer.Argument(help="params file")],
    more: Annotated[
        list[float] | None,
        typer.Argument(
            metavar="[PACE]...",
            help="more pace factors: `--pace 0.8 1.0 1.2` (or `--pace 0.8 --pace 1.0`)",
            show_default=False,
        ),
    ] = None,
    pace: Annotated[
        list[float] | None,
        typer.Option(help="pace factor(s), e.g. --pace 0.8 1.0 1.2 1.5 (default 1.0)"),
    ] = None,
    horizon: Horizon = 5,
    paths: NPaths = 10_000,
    seed: Seed = 0,
    lang: Lang = "vi",
    likely: Likely = 0.75,
    unlikely: Unlikely = 0.25,
    fmt: Format = "table",
    output: Output = None,
) -> int:
    """The target table under faster or slower paces, and the pace needed for 80%."""
    from ntm_forecast.assess.whatif import whatif as run_whatif
    from ntm_forecast.engine.session import open_session
    from ntm_forecast.i18n.messages import check_lang
    from ntm_forecast.render.tables import emit, in_words

    check_lang(lang)
    # click takes one value per option; the values after the first are the variadic
    # argument, so `--pace 0.8 1.0 1.2` parses without rewriting argv.
    pace = [*(pace or []), *(more or [])] or [1.0]
    if any(not math.isfinite(p) or p <= 0 for p in pace):
        raise InputError.at("--pace", "pace", "factors > 0", " ".join(f"{p:g}" for p in pace))
    _output_file(output)
    session = open_session([params])
    frame = run_whatif(
        session.chosen[0],
        session.context,
        tuple(pace),
        horizon=horizon,
        n_paths=paths,
        seed=seed,
        thresholds=_thresholds(likely, unlikely),
    )
    return emit([in_words(frame, lang)], fmt, output)


@app.command()
def backtest(
    params: ParamsArg = None,
    paths: NPaths = 1000,
    seed: Seed = 0,
    fmt: Format = "table",
    output: Output = None,
    plot: Annotated[
        Path | None,
        typer.Option("--plot", help="folder for the PIT histograms and reliability diagrams"),
    ] = None,
    select: Annotated[
        bool,
        typer.Option(
            "--select",
            help="run the README's structure comparison (forward selection of the hazard "
            "and OCOP terms) on the provinces of the pool, instead of the model table",
        ),
    ] = False,
) -> int:
    """Rolling-origin, leave-locality-out scores of every model: CRPS against drift with a
    90% interval (localities resampled), coverage of the 50% and 80% intervals."""
    from ntm_forecast.assess import backtest as bt
    from ntm_forecast.engine.session import open_session
    from ntm_forecast.render.tables import emit

    if plot is not None:
        from ntm_forecast.files import ensure_writable_dir

        ensure_writable_dir(plot)  # before the work, not after it
    _output_file(output)
    session = open_session(params)
    pool = list(session.context.localities.values())
    if select:
        frame, _ = bt.select_structure(pool, n_paths=paths, seed=seed)
        return emit([frame], fmt, output)
    scores = bt.backtest_scores(session.chosen, n_paths=paths, seed=seed, pool=pool)
    frame = bt.backtest([], scores=scores)
    if plot is not None:
        from ntm_forecast.render.calibration import calibration_charts

        calibration_charts(scores, plot)
    return emit([frame], fmt, output)


@app.command()
def hindcast(
    params: ParamsArg = None,
    paths: NPaths = 4000,
    seed: Seed = 0,
    fmt: Format = "table",
    output: Output = None,
    write_layer: Annotated[
        Path | None,
        typer.Option(
            "--write-layer",
            help="write the kept layer, fitted on every counted plan, to this file "
            "(probability_layer.json beside the params files: the reports read it)",
        ),
    ] = None,
) -> int:
    """Past plans scored as events, each assessed from what was published before it; the
    candidate probabilities' Brier scores (90% intervals resampling provinces) and the layer
    the README rule keeps."""
    import json

    from ntm_forecast.assess.calibration import kept_layer
    from ntm_forecast.assess.hindcast import fit_layer, scores
    from ntm_forecast.assess.hindcast import hindcast as run_hindcast
    from ntm_forecast.engine.session import open_session
    from ntm_forecast.files import atomic_write_text
    from ntm_forecast.i18n.messages import word
    from ntm_forecast.render.tables import emit, notes_in_words, scores_in_words

    _output_file(output)
    _output_file(write_layer, "--write-layer")
    session = open_session(params)
    events = run_hindcast(
        session.chosen, n_paths=paths, seed=seed, pool=list(session.context.localities.values())
    )
    table = scores(events, seed=seed)
    kept = kept_layer(table)
    if write_layer is not None:
        text = json.dumps(fit_layer(events, kept).to_dict(), indent=1, sort_keys=True) + "\n"
        atomic_write_text(write_layer, text)
    code = emit([notes_in_words(events, "vi")], fmt, output)  # no --lang: the default
    if fmt == "table" and output is None:
        typer.echo("")
        typer.echo(scores_in_words(table, "en").to_string(index=False))  # console: English
        typer.echo(word("hindcast.kept", "en", layer=word(f"calibration.layer.{kept}", "en")))
    return code


def _period(text: str) -> tuple[int, int]:
    first, _, last = text.partition("-")
    years = (first, last)
    if not all(len(y) == 4 and y.isascii() and y.isdigit() for y in years) or first > last:
        expected = "two years, the first not after the second, e.g. 2021-2025"
        raise InputError.at("--period", "period", expected, repr(text))
    return int(first), int(last)


@app.command()
def review(
    params: ParamsArg = None,
    period: Annotated[
        str, typer.Option("--period", help="the first and last target year, e.g. 2021-2025")
    ] = "2021-2025",
    fmt: Format = "table",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", help="folder for review.csv, review_summary.csv, .xlsx, .docx, .png"
        ),
    ] = None,
) -> int:
    """Every target of a period with its outcome (met, missed, unknown) and the figure that
    decided it; per locality and in all, the targets set, met, missed and unknown."""
    from ntm_forecast.assess.review import review as run_review
    from ntm_forecast.assess.review import review_summary
    from ntm_forecast.domain.history import newest_of
    from ntm_forecast.domain.names import display_names
    from ntm_forecast.domain.params import discover, load_or_raise
    from ntm_forecast.files import ensure_writable_dir
    from ntm_forecast.render.review import review_text, write_review
    from ntm_forecast.render.tables import FORMATS, emit

    years = _period(period)
    if fmt not in FORMATS:
        raise InputError.at("--format", "format", f"one of {', '.join(FORMATS)}", repr(fmt))
    if output is not None:
        ensure_writable_dir(output)  # before the work, not after it
    loaded = load_or_raise(discover(params))  # a folder's broken file is left out, said
    names = display_names(loaded.localities)
    table = run_review(loaded.localities.values(), period=years)
    summary = review_summary(table)
    newest = newest_of(loaded.localities.values())
    if output is not None:
        written = write_review(
            output, table, summary, lang="vi", period=years, names=names, newest=newest
        )
        for path in written:
            typer.echo(str(path))
        return EXIT_OK
    if fmt == "table":  # the reader's table in Vietnamese; csv and json keep the codes
        text = review_text(table, summary, "vi", names, period=years, newest=newest)
        typer.echo(text, nl=False)
        return EXIT_OK
    return emit([table], fmt, None)


@app.command()
def export(
    params: Annotated[Path, typer.Argument(help="params file")],
    formats: Annotated[
        str, typer.Option("--format", help="comma-separated: csv,xlsx,docx,png")
    ] = "csv,xlsx,docx,png",
    lang: Lang = "vi",
    output: Annotated[Path, typer.Option("--output", help="folder to write into")] = Path(
        "outputs"
    ),
    horizon: Horizon = 5,
    paths: NPaths = 10_000,
    seed: Seed = 0,
) -> int:
    """Write the forecast and target tables as CSV, Excel, Word and PNG charts."""
    from ntm_forecast.files import ensure_writable_dir
    from ntm_forecast.i18n.messages import check_lang
    from ntm_forecast.render import report
    from ntm_forecast.render.export import parse_formats

    fmts = parse_formats(formats)
    check_lang(lang)
    ensure_writable_dir(output)
    rep = report.build(params, horizon=horizon, n_paths=paths, seed=seed, lang=lang)
    for path in rep.write(output, formats=fmts):
        typer.echo(str(path))
    return EXIT_OK


@app.command()
def run(
    params: ParamsArg = None,
    jobs: Annotated[
        int | None, typer.Option(min=1, help="parallel kernels (default: cores)")
    ] = None,
    output: Annotated[Path, typer.Option(help="folder for the reports")] = Path("outputs"),
    seed: Seed = 0,
    paths: NPaths = 10_000,
    horizon: Horizon = 5,
    lang: Lang = "vi",
    all_targets: Annotated[
        bool,
        typer.Option(
            "--all-targets", help="the summary lists past targets too (default: coming ones)"
        ),
    ] = False,
    wait: Annotated[
        bool,
        typer.Option("--wait", help="wait for another run writing into --output (default: exit 2)"),
    ] = False,
) -> int:
    """Run the locality notebook for every params file through papermill, in parallel."""
    from ntm_forecast.batch import run_batch

    result = run_batch(
        params or None,
        jobs=jobs,
        output=output,
        seed=seed,
        n_paths=paths,
        horizon=horizon,
        lang=lang,
        all_targets=all_targets,
        wait=wait,
    )
    typer.echo(result.summary_text(), err=True)
    return result.exit_code


@app.command()
def extract(
    report: Annotated[Path, typer.Argument(help="a Vietnamese report or article (UTF-8 text)")],
    locality: Annotated[
        str | None, typer.Option(help='the locality, e.g. "tỉnh Sóc Trăng" (default: the text)')
    ] = None,
    date: Annotated[
        str | None, typer.Option(help="the report's date YYYY-MM-DD (default: its date line)")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(help="write the draft here (its stem becomes the slug); default: stdout"),
    ] = None,
    force: Annotated[bool, typer.Option(help="replace the --output file if it exists")] = False,
) -> int:
    """Draft a params file from a report: every programme figure and target with its words."""
    from ntm_forecast.ingest.extract import check_output, extract_file, parse_date, write_draft

    when = parse_date(date) if date is not None else None
    slug = check_output(output, force=force) if output is not None else None
    draft = extract_file(report, locality=locality, date=when, slug=slug)
    if output is None:
        typer.echo(draft.to_yaml(), nl=False)
    else:
        write_draft(output, draft)
    for line in draft.messages():
        typer.echo(line, err=True)
    return EXIT_OK


@app.command()
def serve(
    port: Annotated[int, typer.Option(min=1, max=65535, help="the port to serve on")] = 8866,
    host: Annotated[str, typer.Option(help="the address to bind (0.0.0.0: every one)")] = (
        "127.0.0.1"
    ),
    lang: Lang = "vi",
    params: Annotated[
        Path, typer.Option("--params", help="the params folder the app reads and adds to")
    ] = Path("params"),
) -> int:
    """The web app for planners (Voilà): pick a locality, move the pace, add a figure."""
    from ntm_forecast.app import serve as serve_app

    return serve_app(params, host=host, port=port, lang=lang, echo=typer.echo)


def _click_exit(exc: Exception) -> int:
    kinds = {c.__name__ for c in type(exc).__mro__}
    if "Exit" in kinds:
        return exc.exit_code
    if "ClickException" in kinds:
        exc.show()
        return EXIT_BAD_INPUT
    if "Abort" in kinds:
        typer.echo("interrupted", err=True)
        return 130
    raise exc


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        code = app(args=args, prog_name="ntm-forecast", standalone_mode=False)
    except InputError as exc:
        for line in exc.lines:
            typer.echo(line, err=True)
        code = exc.exit_code
    except NtmError as exc:
        typer.echo(f"error: {exc}", err=True)
        code = exc.exit_code
    except Exception as exc:
        code = _click_exit(exc)  # typer may bundle its own click: match by class name
    if argv is None:
        sys.exit(code or 0)
    return code or 0


if __name__ == "__main__":
    main()
