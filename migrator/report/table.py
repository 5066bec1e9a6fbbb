"""Tables for people, with rich: a console that behaves on terminals and in pipes, and a generic table."""

from __future__ import annotations

import os
import sys
from typing import IO, Any, Iterable, Sequence


def make_console(out: IO[str] | None = None, *, stderr: bool = False) -> Any:
    """A rich Console: colours and the terminal's width on a terminal; plain text, 160 columns (or $COLUMNS)
    in a pipe so lines do not wrap at 80."""
    from rich.console import Console

    stream = out or (sys.stderr if stderr else sys.stdout)
    is_tty = hasattr(stream, "isatty") and stream.isatty()
    width = None if is_tty else int(os.environ.get("COLUMNS", "160") or 160)
    return Console(file=stream, width=width, no_color=not is_tty or bool(os.environ.get("NO_COLOR")), highlight=False, soft_wrap=False)


def print_table(
    console: Any,
    title: str | None,
    columns: Sequence[str | tuple[str, dict]],
    rows: Iterable[Sequence[Any]],
    *,
    empty: str | None = None,
) -> int:
    """Print one table; a column is a name or (name, rich column options). Cells are plain text (escaped).
    Returns the number of rows printed; prints `empty` instead of an empty table."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title, expand=False, show_lines=False)
    for col in columns:
        name, opts = (col, {}) if isinstance(col, str) else col
        table.add_column(name, overflow="fold", **opts)
    count = 0
    for row in rows:
        table.add_row(*[escape("" if cell is None else str(cell)) for cell in row])
        count += 1
    if count or empty is None:
        console.print(table)
    else:
        console.print(empty)
    return count
