"""Kyverno ClusterPolicy / Policy -> ValidatingAdmissionPolicy + bindings, one VAP per (auto-generated) rule.

Each source rule yields its own VAP (`<policy>-<rule>`) and the VAPs of its auto-generated controller rules
(`<policy>-autogen-<rule>`, `<policy>-autogen-cronjob-<rule>`), each with its binding(s). The report lists the source
rule once: converted when every part converted, unsupported when none did (nothing is emitted for it), otherwise
partial with the reasons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from migrator.translate.kyverno.actions import plan_bindings, rule_action
from migrator.translate.kyverno.autogen import compute_rules
from migrator.translate.kyverno.cel_rule import copy_named
from migrator.translate.kyverno.kinds import is_namespaced
from migrator.translate.kyverno.match import translate_match
from migrator.translate.kyverno.rules import translate_rule
from migrator.translate.kyverno.scope import Unsupported
from migrator.translate.model import CONVERTED, PARTIAL, UNSUPPORTED, PolicyConversion, RuleStatus
from migrator.translate.objects import binding_object, check_objects, condition_names, object_name, policy_object

POLICY_ANNOTATION = "migrator.kyverno.io/policy"


@dataclass
class _Part:
    """One generated rule's outcome (the rule itself or one of its autogen copies)."""

    rule_name: str
    objects: list[dict[str, Any]] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    unsupported: str | None = None


def _rule_objects(policy: Any, rule: dict[str, Any], mode: str, source_rule: str) -> _Part:
    """Translate one (possibly auto-generated) rule into its VAP and bindings, or say why not."""
    part = _Part(str(rule.get("name")))
    spec = policy.spec
    try:
        match = translate_match(rule, policy_namespace=policy.namespace)
        kinds = {sel.kind for sel in match.kinds}
        namespaced_only = bool(kinds) and all(is_namespaced(k) for k in kinds)
        bindings, action_dropped = plan_bindings(spec, rule, mode, namespaced_only)
        guard = _needs_old_object_guard(spec, rule)
        pieces = translate_rule(rule, kinds, old_object_match=match.old_object_match if guard else None)
        part.dropped = match.dropped + pieces.dropped + action_dropped
        if str(spec.get("applyRules") or "All") == "One" and len(spec.get("rules") or []) > 1:
            part.dropped.append("applyRules: One (only the first matching rule applies) is not expressible across policies")
        part.objects = _objects(policy, rule, source_rule, match, pieces, bindings)
        check_objects(part.objects)
    except Unsupported as exc:
        part.objects, part.unsupported = [], exc.reason
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError) as exc:
        # a construct the translators did not foresee: report it rather than abort the whole run
        part.objects, part.unsupported = [], f"translation failed ({type(exc).__name__}: {exc})"
    return part


def _needs_old_object_guard(spec: dict[str, Any], rule: dict[str, Any]) -> bool:
    """Kyverno's existing-violation exception: for Enforce rules by their own action (not overrides, not --action),
    deny/pattern/anyPattern/foreach only (validate.cel and podSecurity run in handlers without it)."""
    validate = rule.get("validate") if isinstance(rule.get("validate"), dict) else {}
    if validate.get("cel") is not None or validate.get("podSecurity") is not None:
        return False
    if validate.get("allowExistingViolations") is False:
        return False
    return rule_action(spec, rule) == "Enforce"


def _objects(policy: Any, rule: dict[str, Any], source_rule: str, match: Any, pieces: Any,
             bindings: list[Any]) -> list[dict[str, Any]]:
    """The VAP and its bindings, named `<policy>[-<namespace>]-<rule>` and annotated with their source."""
    spec = policy.spec
    name = str(rule.get("name"))
    validate = rule.get("validate") if isinstance(rule.get("validate"), dict) else {}
    vap_name = object_name(policy.name, policy.namespace, name)
    annotations = {
        "migrator.kyverno.io/source": policy.ref,
        POLICY_ANNOTATION: f"{policy.kind}/{policy.namespace + '/' if policy.namespace else ''}{policy.name}",
        "migrator.kyverno.io/rules": source_rule if source_rule == name else f"{source_rule} ({name})",
    }
    vap_spec: dict[str, Any] = {
        "failurePolicy": _failure_policy(spec, validate),
        "matchConstraints": match.match_constraints(),
    }
    if pieces.param_kind:
        vap_spec["paramKind"] = pieces.param_kind
    conditions = condition_names(_webhook_conditions(spec) + match.conditions + pieces.match_conditions)
    if conditions:
        vap_spec["matchConditions"] = conditions
    if pieces.variables:
        vap_spec["variables"] = pieces.variables
    vap_spec["validations"] = pieces.validations
    if pieces.audit_annotations:
        vap_spec["auditAnnotations"] = pieces.audit_annotations
    objects = [policy_object(vap_name, annotations, vap_spec)]
    for plan in bindings:
        objects.append(binding_object(vap_name + plan.suffix, vap_name, plan.actions, annotations,
                                      namespace_selector=plan.namespace_selector, param_ref=pieces.param_ref))
    return objects


def _webhook_conditions(spec: dict[str, Any]) -> list[dict[str, str]]:
    """spec.webhookConfiguration.matchConditions: Kyverno gives such a policy its own webhook with these conditions,
    so requests that fail them never reach any of its rules (auto-generated ones included)."""
    config = spec.get("webhookConfiguration")
    if not isinstance(config, dict) or not config.get("matchConditions"):
        return []
    return copy_named(config["matchConditions"], "spec.webhookConfiguration.matchConditions", "expression")


def _failure_policy(spec: dict[str, Any], validate: dict[str, Any]) -> str:
    """Kyverno's failurePolicy (default Fail) decides whether a rule *error* blocks. validate.cel rules run through
    the API server's validator with no failure policy (= Fail: an error is a failed rule) whatever the policy says."""
    if validate.get("cel") is not None:
        return "Fail"
    return "Ignore" if spec.get("failurePolicy") == "Ignore" else "Fail"


def _combine(source_rule: str, parts: list[_Part]) -> tuple[RuleStatus, list[dict[str, Any]]]:
    main = parts[0]
    failed = [p for p in parts if p.unsupported]
    if main.unsupported:
        reason = main.unsupported
        return RuleStatus(source_rule, UNSUPPORTED, reason, []), []
    objects = [o for p in parts if not p.unsupported for o in p.objects]
    outputs = [o["metadata"]["name"] for o in objects if o["kind"] == "ValidatingAdmissionPolicy"]
    reasons: list[str] = []
    for p in failed:
        reasons.append(f"{p.rule_name}: {p.unsupported}")
    for p in parts:
        if not p.unsupported:
            for d in p.dropped:
                if d not in reasons:
                    reasons.append(d)
    status = PARTIAL if reasons else CONVERTED
    return RuleStatus(source_rule, status, "; ".join(reasons), outputs), objects


def convert_classic(policy: Any, mode: str = "keep") -> PolicyConversion:
    """ClusterPolicy / Policy -> PolicyConversion."""
    conv = PolicyConversion(source=policy.source, name=policy.name, kind=policy.kind)
    spec = policy.spec
    if spec.get("admission") is False:
        for rule in policy.rules:
            conv.rules.append(RuleStatus(str(rule.get("name")), UNSUPPORTED,
                                         "spec.admission: false (the policy is not applied at admission)"))
        return conv
    parts: dict[str, list[_Part]] = {}
    order: list[str] = []
    try:
        computed = compute_rules(spec, policy.annotations)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        for rule in policy.rules:
            conv.rules.append(RuleStatus(str(rule.get("name")), UNSUPPORTED,
                                         f"malformed rule: auto-generation cannot be computed ({type(exc).__name__}: {exc})"))
        return conv
    for rule, origin in computed:
        source_rule = origin or str(rule.get("name"))
        if source_rule not in parts:
            parts[source_rule] = []
            order.append(source_rule)
        parts[source_rule].append(_rule_objects(policy, rule, mode, source_rule))
    for source_rule in order:
        status, objects = _combine(source_rule, parts[source_rule])
        conv.rules.append(status)
        conv.objects.extend(objects)
    return conv


def convert_policies(policies: Iterable[Any], mode: str = "keep") -> list[PolicyConversion]:
    from migrator.translate.kyverno.validating_policy import convert_validating_policy

    out = []
    for p in policies:
        if p.is_validating_policy:
            out.append(convert_validating_policy(p, mode))
        else:
            out.append(convert_classic(p, mode))
    return out


def convert_documents(docs: Iterable[Any], mode: str = "keep") -> list[PolicyConversion]:
    """Convert every Kyverno policy among `docs` (migrator.sources.documents.Document); other documents are ignored.

    For analyze: `c.migratable` says whether the generated objects fully replace the policy.
    """
    from migrator.sources.kyverno import read_policies

    return convert_policies(read_policies(docs).policies, mode)


__all__ = ["convert_classic", "convert_documents", "convert_policies"]
