"""The `migrator` command: one sub-command per file in this package, wired here and nowhere else.

Errors the user can fix (migrator.errors.MigratorError) become one line on stderr and exit 2;
`--debug` shows the traceback of anything else.
"""

from __future__ import annotations

import os
import sys

import typer

from migrator.errors import MigratorError

app = typer.Typer(
    name="migrator",
    help="Move admission webhooks and Kyverno policies to ValidatingAdmissionPolicy (CEL).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DEBUG_ENV = "MIGRATOR_DEBUG"


@app.callback()
def _root(debug: bool = typer.Option(False, "--debug", help="Show tracebacks for unexpected errors.")) -> None:
    if debug:
        os.environ[DEBUG_ENV] = "1"


def _register() -> None:
    # Each module adds its own command(s) to `app`; imports inside the commands stay lazy for a fast start.
    from migrator.cli import analyze, convert, eval as eval_cmd, pr, samples, verify  # noqa: F401


_register()


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the app, turning user errors into one line and an exit code."""
    try:
        app(args=argv, standalone_mode=False)
    except MigratorError as exc:
        print(f"migrator: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        print("migrator: interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:  # click usage errors arrive here in non-standalone mode
        import click

        if isinstance(exc, click.exceptions.Abort):
            sys.exit(130)
        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(2)
        if os.environ.get(DEBUG_ENV):
            raise
        print(f"migrator: internal error: {type(exc).__name__}: {exc} (run with --debug for a traceback)", file=sys.stderr)
        sys.exit(3)
    sys.exit(0)
