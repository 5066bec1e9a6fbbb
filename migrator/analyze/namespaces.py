"""Which namespaces a fail-closed webhook can match: kube-system, and the namespace of its own service."""

from __future__ import annotations

from migrator.analyze.context import Context
from migrator.analyze.model import Finding, Webhook
from migrator.analyze.selectors import selector_matches


def check(ctx: Context) -> list[Finding]:
    findings: list[Finding] = []
    for wh in ctx.webhooks:
        if not wh.fail_closed:
            continue
        if can_match_namespace(wh, ctx.namespace_labels("kube-system")):
            findings.append(
                Finding(
                    "covers-kube-system",
                    wh.target,
                    "failurePolicy is Fail and the namespaceSelector does not exclude kube-system: when the webhook is "
                    "down, kube-system pods (CNI, DNS, kube-proxy) cannot be created or updated and the cluster cannot "
                    "heal. Add kube-system to a NotIn on kubernetes.io/metadata.name in namespaceSelector.matchExpressions "
                    "(- key: kubernetes.io/metadata.name, operator: NotIn, values: [kube-system]).",
                )
            )
        if wh.service is not None:
            own = wh.service.namespace
            if can_match_namespace(wh, ctx.namespace_labels(own)):
                findings.append(
                    Finding(
                        "covers-own-namespace",
                        wh.target,
                        f"failurePolicy is Fail and the webhook can match objects in {own!r}, the namespace of its own "
                        f"service {wh.service}: when its pods are gone their replacements are rejected by the webhook "
                        f"itself (deadlock). Add {own} to a NotIn on kubernetes.io/metadata.name in "
                        f"namespaceSelector.matchExpressions.",
                    )
                )
    return findings


def can_match_namespace(wh: Webhook, labels: dict[str, str]) -> bool:
    """Some rule may match namespaced objects (scope `*` or `Namespaced`, absent = `*`) and the namespaceSelector
    (absent = everything) selects these namespace labels. objectSelector and matchConditions cannot prove a
    namespace safe, so they are not considered."""
    namespaced = any(str(rule.get("scope") or "*") in ("*", "Namespaced") for rule in wh.rules)
    return namespaced and selector_matches(wh.spec.get("namespaceSelector"), labels)
