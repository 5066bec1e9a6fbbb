"""Errors the user caused (bad input), reported as one clear line and exit code 2.

Anything else that escapes a command is a bug in migrator and is reported as such.
"""

from __future__ import annotations


class MigratorError(Exception):
    """An error meant for the user: `str(err)` is the whole line printed, `exit_code` the status."""

    exit_code = 2


class InputError(MigratorError):
    """Bad input: names the file and, when known, the place in it (document index, line, field path)."""

    def __init__(self, path: str | None, message: str, where: str | None = None) -> None:
        self.path = path
        self.where = where
        self.message = message
        super().__init__(self.format())

    def format(self) -> str:
        place = self.path or "<input>"
        if self.where:
            place = f"{place}: {self.where}"
        return f"{place}: {self.message}"


class OutputError(MigratorError):
    """An output could not be written as asked (exists without --force, unwritable, ...)."""
