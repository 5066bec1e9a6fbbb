"""Renderers for `migrator analyze`: a rich table ordered by severity, JSON (the contract), SARIF."""

from __future__ import annotations

import json
import os

from migrator.analyze.model import FINDING_IDS, SEVERITY_RANK, Analysis
from migrator.report.sarif import SarifResult, SarifRule, render_sarif

SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "green"}
DOCS = "docs/analyze.md"


def render_json(analysis: Analysis) -> str:
    return json.dumps(analysis.to_json(), indent=2) + "\n"


def render_table(analysis: Analysis, console) -> None:  # console: rich.console.Console
    from rich.markup import escape
    from rich.table import Table

    findings = Table(title="Findings (most severe first)", show_lines=False, expand=True)
    findings.add_column("Severity", no_wrap=True)
    findings.add_column("Finding", no_wrap=True)
    findings.add_column("Target", overflow="fold", ratio=2)
    findings.add_column("What to do", overflow="fold", ratio=5)
    for f in analysis.findings:
        findings.add_row(f"[{SEVERITY_STYLE[f.severity]}]{f.severity}[/]", f.id, escape(f.target), escape(f.message))
    if analysis.findings:
        console.print(findings)
    else:
        console.print("No findings.")

    if analysis.webhooks:
        hooks = Table(title="Webhooks", expand=True)
        for col in ("Webhook", "failurePolicy", "timeout", "Service / URL", "Migratable", "Worst"):
            hooks.add_column(col, overflow="fold")
        for wh in sorted(analysis.webhooks, key=lambda w: (_worst(w.findings), w.target)):
            worst = min((f.severity for f in wh.findings), key=SEVERITY_RANK.__getitem__, default="")
            hooks.add_row(
                escape(wh.target),
                wh.failure_policy,
                f"{wh.timeout_seconds}s",
                escape(str(wh.service) if wh.service else (wh.url or "-")),
                wh.migratable,
                f"[{SEVERITY_STYLE[worst]}]{worst}[/] ({len(wh.findings)})" if worst else "-",
            )
        console.print(hooks)
    if analysis.policies:
        pols = Table(title="Kyverno policies", expand=True)
        for col in ("Policy", "Migratable", "Rules (converted/total)", "Not converted"):
            pols.add_column(col, overflow="fold")
        for p in analysis.policies:
            done = sum(1 for r in p.rules if r.status == "converted")
            left = "; ".join(f"{r.name}: {r.status}{' - ' + r.reason if r.reason else ''}" for r in p.rules if r.status != "converted")
            pols.add_row(escape(p.target), p.migratable, f"{done}/{len(p.rules)}", escape(left) or "-")
        console.print(pols)
    counts = analysis.by_severity()
    console.print(
        f"{len(analysis.webhooks)} webhook(s), {len(analysis.policies)} Kyverno polic(ies); "
        + ", ".join(f"{n} {s}" for s, n in counts.items())
    )


def _worst(findings) -> int:
    return min((SEVERITY_RANK[f.severity] for f in findings), default=len(SEVERITY_RANK))


def _uri(path: str) -> str:
    """A relative URI for files under the working directory (what code-scanning uploads expect), else file://."""
    from pathlib import Path
    from urllib.parse import quote

    try:
        rel = os.path.relpath(path)
    except ValueError:
        rel = ".."
    if rel.startswith(".."):
        return Path(path).resolve().as_uri()
    return quote(rel.replace(os.sep, "/"))


def render_sarif_report(analysis: Analysis, version: str = "0") -> str:
    rules = [
        SarifRule(
            id=fid,
            name="".join(part.capitalize() for part in fid.split("-")),
            short_description=title,
            full_description=f"{title} ({severity}). See {DOCS}#{fid} for when it fires and the remedy.",
            severity=severity,
            help_text=f"See {DOCS}, section {fid}.",
            tags=["kubernetes", "admission-webhook", severity],
        )
        for fid, (severity, title) in FINDING_IDS.items()
    ]
    where = {w.target: (w.source, w.line) for w in analysis.webhooks}
    where.update({p.target: (p.source, p.line) for p in analysis.policies})
    results = []
    for f in analysis.findings:
        source, line = where.get(f.target, (None, 0))
        results.append(
            SarifResult(
                rule_id=f.id,
                severity=f.severity,
                message=f"{f.target}: {f.message}",
                uri=_uri(source) if source and not source.startswith("live:") else None,
                line=line,
                logical_name=f.target,
                properties={"severity": f.severity, **({"evidence": f.evidence} if f.evidence else {})},
            )
        )
    return render_sarif(rules, results, tool="migrator", version=version)
