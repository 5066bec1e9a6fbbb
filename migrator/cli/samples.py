"""`migrator samples`: record AdmissionReview samples from audit logs, cluster objects and Kyverno tests."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from migrator.cli.app import app

samples_app = typer.Typer(
    name="samples",
    help="Record AdmissionReview samples for `migrator verify` from audit logs, live objects or Kyverno tests.",
    no_args_is_help=True,
)
app.add_typer(samples_app, name="samples")

OUTPUT_HELP = "Folder (one JSON file per sample) or FILE.jsonl / FILE.jsonl.gz (one JSON line per sample)."


def _print(lines: list[str]) -> None:
    typer.echo("\n".join(lines))


@samples_app.command("from-audit")
def from_audit(
    logs: List[Path] = typer.Argument(..., help="Audit log files (JSON Lines, .gz or plain) or folders of them."),
    output: Path = typer.Option(..., "-o", "--output", help=OUTPUT_HELP),
    since: Optional[str] = typer.Option(None, "--since", help="Only requests received at or after this time (RFC 3339)."),
    until: Optional[str] = typer.Option(None, "--until", help="Only requests received at or before this time (RFC 3339)."),
    resource: List[str] = typer.Option(
        [], "--resource", help="Only these resources: resource[.group][/subresource], comma-separated or repeated."
    ),
    user: List[str] = typer.Option([], "--user", help="Only requests by (or impersonating) these user names."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output."),
) -> None:
    """Audit events (Request/RequestResponse level, final stage) of create/update/patch/delete/connect requests
    become samples; `response.allowed` records what admission decided when the event shows it."""
    from migrator.samples.from_audit import AuditFilter, AuditSummary, iter_samples
    from migrator.samples.writer import open_writer
    from migrator.sources.audit import find_audit_logs

    audit_filter = AuditFilter.build(since, until, resource, user)
    find_audit_logs([str(p) for p in logs])  # a missing input fails before anything is written
    summary = AuditSummary()
    with open_writer(output, force=force) as writer:
        for sample in iter_samples([str(p) for p in logs], audit_filter, summary):
            writer.write(sample.review, sample.label)
    _print(_audit_report(summary, output, writer.preexisting))


def _audit_report(summary, output: Path, preexisting: int) -> list[str]:
    lines = [
        f"read {summary.events} audit event(s) from {len(summary.files)} file(s) ({summary.lines} lines)",
        f"wrote {summary.samples} sample(s) to {output}: {summary.allowed} allowed, {summary.denied} denied, "
        f"{summary.unknown} without a recorded decision",
    ]
    for by, n in summary.denied_by.most_common():
        lines.append(f"  denied by {by}: {n}")
    for why, n in summary.unknown_because.most_common():
        lines.append(f"  decision unknown ({why}): {n}")
    if summary.skipped:
        lines.append(f"skipped {sum(summary.skipped.values())} event(s):")
        for reason, n in summary.skipped.most_common():
            lines.append(f"  {reason}: {n}")
    if preexisting:
        lines.append(f"note: {output} already held {preexisting} file(s); those not overwritten are still there")
    problems = summary.problems
    if problems:
        lines.append(f"problems ({len(problems)}):")
        lines.extend(f"  {p}" for p in problems)
    return lines
