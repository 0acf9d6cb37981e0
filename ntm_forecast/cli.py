"""The `ntm-forecast` command: parse arguments, call the package, map errors to exit codes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import click
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
    typer.Argument(help="params files or folders (default: every file in params/)", show_default=False),
]


@app.callback()
def _root() -> None:
    """Forecasts of NTM and OCOP figures, and the probability that plan targets are reached."""


@app.command()
def check(paths: ParamsArg = None) -> int:
    """Validate params files and print an overview with every warning."""
    from ntm_forecast.overview import overview_text
    from ntm_forecast.params import load_many

    loaded = load_many(paths)
    for line in loaded.errors:
        typer.echo(line, err=True)
    typer.echo(overview_text(loaded))
    return EXIT_BAD_INPUT if loaded.errors else EXIT_OK


def main(argv: list[str] | None = None) -> int:
    try:
        code = app(args=argv, prog_name="ntm-forecast", standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.ClickException as exc:
        exc.show()
        code = EXIT_BAD_INPUT
    except click.exceptions.Abort:
        typer.echo("interrupted", err=True)
        code = 130
    except InputError as exc:
        for line in exc.lines:
            typer.echo(line, err=True)
        code = exc.exit_code
    except NtmError as exc:
        typer.echo(f"error: {exc}", err=True)
        code = exc.exit_code
    if argv is None:
        sys.exit(code or 0)
    return code or 0


if __name__ == "__main__":
    main()
