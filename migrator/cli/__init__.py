"""Thin typer commands: parse options, call one function, print through migrator.report."""
