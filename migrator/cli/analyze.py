"""`migrator analyze`: which webhooks can take the cluster down, and what can move to ValidatingAdmissionPolicy."""

from __future__ import annotations

from enum import Enum
from typing import Optional

import typer

from migrator.cli.app import app


class Format(str, Enum):
    table = "table"
    json = "json"
    sarif = "sarif"


class FailOn(str, Enum):
    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"
    info = "info"
    never = "never"


@app.command(name="analyze")
def analyze_command(
    from_dir: Optional[str] = typer.Option(
        None, "--from", help="Dump folder: kubectl -o yaml/json output, *.prom / metrics*.txt scrapes, *.log, audit logs, .gz."
    ),
    live: bool = typer.Option(False, "--live", help="Read the cluster through the Kubernetes API (read-only)."),
    context: Optional[str] = typer.Option(None, "--context", help="kubeconfig context for --live."),
    kubeconfig: Optional[str] = typer.Option(None, "--kubeconfig", help="kubeconfig file for --live (default: $KUBECONFIG, ~/.kube/config, in-cluster)."),
    now: Optional[str] = typer.Option(None, "--now", help="Clock for certificate and log-year checks, RFC 3339 (default: now)."),
    max_timeout: float = typer.Option(5, "--max-timeout", help="timeoutSeconds above this is `timeout-long`."),
    fail_on: FailOn = typer.Option(FailOn.critical, "--fail-on", help="Exit 1 when a finding is at or above this severity."),
    fmt: Format = typer.Option(Format.table, "--format", help="table, json (the contract) or sarif (SARIF 2.1.0)."),
) -> None:
    """Find risky admission webhooks (fail-closed without endpoints, expired certificates, kube-system coverage,
    single replicas, slow or failing calls) and say which webhooks and Kyverno policies can move to CEL."""
    from datetime import datetime, timezone

    from migrator.analyze.analyzer import analyze
    from migrator.analyze.context import Options
    from migrator.analyze.model import SEVERITY_RANK
    from migrator.errors import MigratorError
    from migrator.sources.cluster import Inventory, load_dump, parse_timestamp, read_file_into, dump_files

    if not from_dir and not live:
        raise MigratorError("analyze: give --from DIR (a cluster dump) or --live")
    if now:
        clock = parse_timestamp(now)
        if clock is None:
            raise MigratorError(f"--now: {now!r} is not an RFC 3339 time (e.g. 2026-11-24T00:00:00Z)")
    else:
        clock = datetime.now(timezone.utc)
    if max_timeout < 0:
        raise MigratorError("--max-timeout: must be >= 0")

    inventory = Inventory()
    if live:
        from migrator.sources.live import load_live

        inventory = load_live(context=context, kubeconfig=kubeconfig)
    if from_dir:
        if live:
            for path in dump_files(from_dir):
                read_file_into(inventory, path, now=clock)
        else:
            inventory = load_dump(from_dir, now=clock)

    analysis = analyze(inventory, Options(now=clock, max_timeout=max_timeout))

    if fmt is Format.json:
        from migrator.report.analysis import render_json

        typer.echo(render_json(analysis), nl=False)
    elif fmt is Format.sarif:
        from migrator import __version__ as version
        from migrator.report.analysis import render_sarif_report

        typer.echo(render_sarif_report(analysis, version=str(version)), nl=False)
    else:
        from rich.console import Console

        from migrator.report.analysis import render_table

        console = Console()
        if not console.is_terminal:  # piped or redirected: do not squeeze the table into 80 columns
            console = Console(width=160)
        render_table(analysis, console)

    if fail_on is not FailOn.never:
        worst = analysis.worst_rank()
        if worst is not None and worst <= SEVERITY_RANK[fail_on.value]:
            raise SystemExit(1)
