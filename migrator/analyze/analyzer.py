"""Run every family of checks over one inventory and assemble the Analysis."""

from __future__ import annotations

from migrator.analyze import certificates, config, logs, metrics, migratability, namespaces, workload
from migrator.analyze.context import Context, Options
from migrator.analyze.model import Analysis, Finding
from migrator.sources.cluster import Inventory

CHECKS = (config, workload, namespaces, certificates, metrics, logs, migratability)


def analyze(inventory: Inventory, options: Options) -> Analysis:
    ctx = Context.build(inventory, options)
    findings: list[Finding] = []
    for family in CHECKS:
        findings.extend(family.check(ctx))
    findings.sort(key=Finding.sort_key)
    by_target: dict[str, list[Finding]] = {}
    for f in findings:
        by_target.setdefault(f.target, []).append(f)
    for wh in ctx.webhooks:
        wh.findings = by_target.get(wh.target, [])
    for policy in ctx.policies:
        policy.findings = by_target.get(policy.target, [])
    return Analysis(ctx.webhooks, ctx.policies, findings)
