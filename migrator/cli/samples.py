"""`migrator samples`: record AdmissionReview samples from audit logs, cluster objects and Kyverno tests."""

from __future__ import annotations

import itertools
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
    logs: List[Path] = typer.Argument(..., help="Audit log files (JSON Lines, .gz or plain), folders of them, or - for standard input."),
    output: Path = typer.Option(..., "-o", "--output", help=OUTPUT_HELP),
    since: Optional[str] = typer.Option(None, "--since", help="Only requests received at or after this time (RFC 3339)."),
    until: Optional[str] = typer.Option(None, "--until", help="Only requests received at or before this time (RFC 3339)."),
    resource: List[str] = typer.Option(
        [], "--resource", help="Only these resources: resource\\[.group]\\[/subresource], comma-separated or repeated."
    ),
    user: List[str] = typer.Option([], "--user", help="Only requests by (or impersonating) these users; * matches any characters (system:serviceaccount:ci:*)."),
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


@samples_app.command("from-cluster")
def from_cluster(
    live: bool = typer.Option(False, "--live", help="Read the objects from the cluster (read-only: list calls)."),
    context: Optional[str] = typer.Option(None, "--context", help="kubeconfig context for --live."),
    kubeconfig: Optional[Path] = typer.Option(None, "--kubeconfig", help="kubeconfig file for --live (default: $KUBECONFIG, ~/.kube/config)."),
    from_: List[Path] = typer.Option([], "--from", help="`kubectl get -o yaml|json` dumps: files or folders (repeatable)."),
    output: Path = typer.Option(Path("cluster-samples"), "-o", "--output", help=OUTPUT_HELP),
    resources: List[str] = typer.Option(
        [], "--resources", help="Only these resources: resource\\[.group], comma-separated or repeated (e.g. pods,deployments.apps)."
    ),
    user: Optional[str] = typer.Option(None, "--user", help="request.userInfo.username of the samples (default: none)."),
    group: List[str] = typer.Option([], "--group", help="request.userInfo.groups of the samples (repeatable)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output."),
) -> None:
    """Every existing object as the CREATE request that would make it again, with its namespace and no
    recorded decision: would the new policies reject what is already running?"""
    from migrator.errors import MigratorError
    from migrator.samples.from_cluster import ClusterSummary, LiveCluster, iter_dump_samples, iter_live_samples
    from migrator.samples.selectors import parse_selectors
    from migrator.samples.writer import open_writer
    from migrator.sources.documents import find_files

    if live == bool(from_):
        raise MigratorError("choose one source: --live (the cluster) or --from DIR (kubectl dumps)")
    selectors = parse_selectors(resources, "--resources")
    user_info: dict = {}
    if user:
        user_info["username"] = user
    if group:
        user_info["groups"] = [g for spec in group for g in spec.split(",") if g]
    summary = ClusterSummary()
    if live:
        cluster = LiveCluster(context=context, kubeconfig=str(kubeconfig) if kubeconfig else None)
        stream = iter_live_samples(cluster, selectors, user_info, summary)
        source = f"the cluster{f' (context {context})' if context else ''}"
    else:
        find_files([str(p) for p in from_])  # a missing input fails before anything is written
        stream = iter_dump_samples([str(p) for p in from_], selectors, user_info, summary)
        first = next(stream, None)  # the dump is checked whole before the output is opened
        stream = itertools.chain([first] if first is not None else [], stream)
        source = ", ".join(str(p) for p in from_)
    with open_writer(output, force=force) as writer:
        for sample in stream:
            writer.write(sample.review, sample.label)
    lines = [f"read {summary.objects} object(s) from {source}", f"wrote {summary.samples} CREATE sample(s) to {output}"]
    for res, n in sorted(summary.by_resource.items()):
        lines.append(f"  {res}: {n}")
    for reason, n in summary.skipped.most_common():
        lines.append(f"skipped {n}: {reason}")
    lines.extend(f"note: {note}" for note in summary.notes)
    if writer.preexisting:
        lines.append(f"note: {output} already held {writer.preexisting} file(s); those not overwritten are still there")
    _print(lines)


@samples_app.command("from-kyverno-test")
def from_kyverno_test(
    tests: List[Path] = typer.Argument(..., help="kyverno-test.yaml files, or folders searched for them."),
    output: Path = typer.Option(..., "-o", "--output", help=OUTPUT_HELP),
    autogen: bool = typer.Option(
        True, "--autogen/--no-autogen", help="Also wrap tested Pods in the controllers Kyverno autogenerates rules for."
    ),
    enforced_only: bool = typer.Option(
        False, "--enforced-only",
        help="Record a failure as a denial only for rules that deny (Enforce); Audit-mode failures stay allowed.",
    ),
    namespaces_out: Optional[Path] = typer.Option(
        None, "--namespaces-out", help="Write the values files' namespace labels as Namespace objects (for verify --namespaces)."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output."),
) -> None:
    """Kyverno CLI tests become samples whose `response.allowed` is the test's expectation per resource
    (any validate rule expected to fail -> false)."""
    from migrator.outputs import check_writable, write_text_atomic
    from migrator.samples.from_kyverno_test import KyvernoTestSummary, find_test_files, iter_samples
    from migrator.samples.writer import open_writer
    from migrator.sources.documents import dump_yaml

    files = find_test_files([str(p) for p in tests])
    if namespaces_out:
        check_writable([namespaces_out], force=force)
    summary = KyvernoTestSummary()
    samples = list(iter_samples(files, summary, autogen, enforced_only))  # every test is read and checked before writing
    with open_writer(output, force=force) as writer:
        for sample in samples:
            writer.write(sample.review, sample.label)
    lines = [
        f"read {summary.tests} Kyverno test(s)",
        f"wrote {summary.samples} sample(s) to {output}: {summary.allowed} allowed, {summary.denied} denied, "
        f"{summary.unknown} without a recorded decision ({summary.autogen_samples} Pod controller(s) from autogen)",
    ]
    for reason, n in summary.dropped.most_common():
        lines.append(f"  results not used ({reason}): {n}")
    if summary.audit_only_denials:
        if enforced_only:
            lines.append(f"  {summary.audit_only_denials} expected failure(s) of Audit-mode rules recorded as allowed (--enforced-only)")
        else:
            lines.append(
                f"  {summary.audit_only_denials} denied sample(s) fail only Audit-mode rules: bindings converted with "
                "[Audit] allow them, so verify reports disagreements (see --enforced-only)"
            )
    lines.extend(f"note: {n}" for n in summary.notes)
    if namespaces_out:
        objs = [summary.namespaces[k] for k in sorted(summary.namespaces)]
        write_text_atomic(namespaces_out, dump_yaml(objs) if objs else "", force=force)
        lines.append(f"wrote {len(objs)} Namespace object(s) to {namespaces_out}")
    _print(lines)
