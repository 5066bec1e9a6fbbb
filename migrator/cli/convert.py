"""`migrator convert`: Kyverno policies -> ValidatingAdmissionPolicy + binding manifests, with a per-rule report."""

from __future__ import annotations

import sys
from enum import Enum
from typing import List, Optional

import typer

from migrator.cli.app import app


class Action(str, Enum):
    keep = "keep"
    audit = "audit"
    warn = "warn"
    deny = "deny"


class Format(str, Enum):
    table = "table"
    json = "json"


@app.command(name="convert")
def convert_command(
    paths: List[str] = typer.Argument(..., help="Kyverno policy files or folders (recursive; YAML/JSON, multi-document)."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Write one <policy-name>.yaml per policy into DIR (default: YAML on stdout)."),
    report: Optional[str] = typer.Option(None, "--report", help="Write the per-rule conversion report (JSON) to FILE."),
    action: Action = typer.Option(Action.keep, "--action", help="keep the policy's failure actions, or force audit/warn/deny (staged rollout)."),
    fmt: Format = typer.Option(Format.table, "--format", help="Terminal summary: table or json (the report document)."),
    force: bool = typer.Option(False, "--force", help="Overwrite existing output files."),
) -> None:
    """Convert Kyverno ClusterPolicy/Policy/ValidatingPolicy to ValidatingAdmissionPolicy + bindings.

    Each rule is reported converted (the generated objects decide every request as Kyverno does), partial (the reason
    says what was dropped) or unsupported (nothing emitted). Other documents are skipped with a note.
    """
    from pathlib import Path

    from migrator.errors import OutputError
    from migrator.outputs import check_writable, write_text_atomic
    from migrator.report.json import render_json
    from migrator.report.table import make_console
    from migrator.translate.convert import convert_paths, file_layout, header_for, yaml_text

    result = convert_paths(paths, action.value)
    doc = result.report()

    targets = []
    layout = {}
    if output:
        out_dir = Path(output)
        if out_dir.exists() and not out_dir.is_dir():
            raise OutputError(f"{out_dir}: exists and is not a directory")
        layout = file_layout(result.conversions, output)
        targets.extend(layout)
    if report:
        targets.append(Path(report))
    check_writable(targets, force=force)

    if output:
        for path, conv in layout.items():
            write_text_atomic(path, yaml_text(conv.objects, header_for(conv)), force=force)
    else:
        objects = [o for c in result.conversions for o in c.objects]
        if objects:
            sys.stdout.write(yaml_text(objects))
    if report:
        write_text_atomic(report, render_json(doc), force=force)

    # The summary goes to stdout when the manifests went to files, else to stderr (stdout holds the YAML).
    console = make_console(stderr=not output)
    if fmt is Format.json:
        console.file.write(render_json(doc))
        return
    _print_summary(console, result, doc)


def _print_summary(console, result, doc) -> None:  # noqa: ANN001
    from migrator.report.table import print_table

    rows = []
    for conv in result.conversions:
        for rule in conv.rules:
            rows.append((conv.name, rule.name, rule.status, rule.reason, ", ".join(rule.outputs)))
    print_table(console, "Kyverno -> ValidatingAdmissionPolicy",
                ["policy", "rule", "status", "reason", ("outputs", {"max_width": 60})], rows,
                empty="no Kyverno policies found")
    for note in result.skipped:
        console.print(f"skipped {note}", markup=False)
    s = doc["summary"]
    by = s["rules_by_status"]
    console.print(f"{s['policies']} policies, {s['rules']} rules: {by['converted']} converted, {by['partial']} partial, "
                  f"{by['unsupported']} unsupported; {s['objects']} objects", markup=False)
