"""Kyverno failure actions -> ValidatingAdmissionPolicyBinding validationActions (one binding per action scope).

--action keep: the rule's `validate.failureAction`, else the policy's `validationFailureAction` (default Audit;
`enforce`/`audit` in any case accepted) -> Enforce = [Deny], Audit = [Audit]. Overrides
(`validate.failureActionOverrides`, else `spec.validationFailureActionOverrides`) by namespace become bindings with a
namespaceSelector on `kubernetes.io/metadata.name` (the first override listing a namespace wins, as Kyverno iterates
them in order), plus a default binding for the other namespaces.
--action audit|warn|deny: every binding gets [Audit] / [Warn, Audit] / [Deny] (the rollout stages `migrator pr` uses).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from migrator.translate.kyverno.scope import Unsupported

ACTION_MODES = ("keep", "audit", "warn", "deny")
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
STAGED = {"audit": ["Audit"], "warn": ["Warn", "Audit"], "deny": ["Deny"]}


@dataclass
class BindingPlan:
    suffix: str  # "" for the main binding, "-<action>-<n>" for an override binding
    actions: list[str]
    namespace_selector: dict[str, Any] | None = None


def kyverno_action(value: Any, where: str) -> str:
    """Normalize Audit/Enforce (Kyverno still accepts the old lowercase spellings)."""
    text = str(value or "Audit")
    if text.lower() == "enforce":
        return "Enforce"
    if text.lower() == "audit":
        return "Audit"
    raise Unsupported(f"{where}: unknown failure action {text!r}")


def vap_actions(action: str) -> list[str]:
    return ["Deny"] if action == "Enforce" else ["Audit"]


def rule_action(spec: dict[str, Any], rule: dict[str, Any]) -> str:
    validate = rule.get("validate") or {}
    if validate.get("failureAction"):
        return kyverno_action(validate["failureAction"], "validate.failureAction")
    return kyverno_action(spec.get("validationFailureAction"), "spec.validationFailureAction")


def plan_bindings(spec: dict[str, Any], rule: dict[str, Any], mode: str, namespaced_only: bool) -> tuple[list[BindingPlan], list[str]]:
    """Bindings for one rule, and the reasons that make the rule partial (empty when exact).

    namespaced_only: every kind the rule matches is namespaced (a binding's namespaceSelector does not filter
    cluster-scoped objects, so per-namespace overrides are exact only then).
    """
    if mode not in ACTION_MODES:
        raise ValueError(f"unknown action mode {mode!r}")
    if mode != "keep":
        return [BindingPlan("", list(STAGED[mode]))], []
    default = rule_action(spec, rule)
    validate = rule.get("validate") or {}
    overrides = validate.get("failureActionOverrides") or spec.get("validationFailureActionOverrides") or []
    if not overrides:
        return [BindingPlan("", vap_actions(default))], []
    taken: list[str] = []
    plans: list[BindingPlan] = []
    dropped: list[str] = []
    for i, ov in enumerate(overrides):
        if not isinstance(ov, dict):
            raise Unsupported("malformed validationFailureActionOverrides entry")
        action = kyverno_action(ov.get("action"), "validationFailureActionOverrides.action")
        if ov.get("namespaceSelector"):
            dropped.append("failure action override by namespaceSelector kept at the default action")
            continue
        names = [str(n) for n in ov.get("namespaces") or [] if str(n) not in taken]
        if any("*" in n or "?" in n for n in names):
            dropped.append("failure action override with wildcard namespaces kept at the default action")
            continue
        if not names:
            continue
        taken.extend(names)
        if action == default:
            continue
        plans.append(BindingPlan(f"-{action.lower()}-{i}", vap_actions(action), {
            "matchExpressions": [{"key": NAMESPACE_NAME_LABEL, "operator": "In", "values": names}]}))
    if plans and not namespaced_only:
        dropped.append("per-namespace failure actions on cluster-scoped kinds (a binding's namespaceSelector does "
                       "not filter them)")
    selector = {"matchExpressions": [{"key": NAMESPACE_NAME_LABEL, "operator": "NotIn", "values": taken}]} if plans else None
    return [BindingPlan("", vap_actions(default), selector)] + plans, dropped
