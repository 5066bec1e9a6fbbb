"""`migrator analyze` (being built; see the issue tracker)."""

from migrator.cli.app import app  # noqa: F401
