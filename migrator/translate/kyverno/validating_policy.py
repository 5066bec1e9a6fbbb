"""Kyverno ValidatingPolicy (policies.kyverno.io) -> ValidatingAdmissionPolicy + binding.

A ValidatingPolicy is a VAP with Kyverno extras. Carried over as is: matchConstraints, matchConditions, variables,
validations, auditAnnotations, failurePolicy, validationActions (default [Deny]). Kyverno extras:
- autogen for pod controllers (autogen.vpol_autogen) -> extra VAPs `<policy>-autogen-defaults` / `-autogen-cronjobs`;
- Kyverno CEL libraries (resource, http, globalContext, image, ...) -> unsupported (no API server has them);
- evaluation.mode other than Kubernetes, or evaluation.admission.enabled: false -> unsupported.
The report has one entry per policy, named after it.
"""

from __future__ import annotations

import copy
from typing import Any

from migrator.translate.kyverno.actions import STAGED
from migrator.translate.kyverno.cel_rule import Dialect, copy_named, copy_validations
from migrator.translate.kyverno.autogen import vpol_autogen
from migrator.translate.cel_literal import quote
from migrator.translate.kyverno.match import IS_NAMESPACE
from migrator.translate.kyverno.scope import Unsupported
from migrator.translate.model import CONVERTED, UNSUPPORTED, PolicyConversion, RuleStatus
from migrator.translate.objects import binding_object, check_objects, condition_names, object_name, policy_object

VALID_ACTIONS = ("Deny", "Warn", "Audit")


def _vap_spec(spec: dict[str, Any]) -> dict[str, Any]:
    match = spec.get("matchConstraints")
    if not isinstance(match, dict) or not match.get("resourceRules"):
        raise Unsupported("ValidatingPolicy without matchConstraints.resourceRules")
    out: dict[str, Any] = {
        "failurePolicy": spec.get("failurePolicy") or "Fail",
        "matchConstraints": copy.deepcopy(match),
    }
    if out["failurePolicy"] not in ("Fail", "Ignore"):
        raise Unsupported(f"failurePolicy {out['failurePolicy']!r}")
    dialect = Dialect(spec.get("variables"))
    conditions = copy_named(spec.get("matchConditions"), "spec.matchConditions", "expression", dialect)
    if conditions:
        out["matchConditions"] = condition_names(conditions)
    variables = copy_named(spec.get("variables"), "spec.variables", "expression", dialect)
    if variables:
        out["variables"] = variables
    validations = copy_validations(spec.get("validations"), "spec.validations", dialect=dialect)
    if validations:
        out["validations"] = validations
    audit = copy_named(spec.get("auditAnnotations"), "spec.auditAnnotations", "valueExpression", dialect)
    if audit:
        out["auditAnnotations"] = audit
    if not validations and not audit:
        raise Unsupported("ValidatingPolicy without validations")
    return out


def _scoped(vap_spec: dict[str, Any], namespace: str | None) -> dict[str, Any]:
    """A NamespacedValidatingPolicy only sees namespaced objects of its own namespace."""
    if namespace:
        condition = {"name": "kyverno-policy-namespace",
                     "expression": f'!{IS_NAMESPACE} && has(request.namespace) && request.namespace == {quote(namespace)}'}
        vap_spec["matchConditions"] = condition_names([condition] + list(vap_spec.get("matchConditions") or []))
    return vap_spec


def _actions(spec: dict[str, Any], mode: str) -> list[str]:
    if mode != "keep":
        return list(STAGED[mode])
    actions = spec.get("validationActions") or ["Deny"]
    for a in actions:
        if a not in VALID_ACTIONS:
            raise Unsupported(f"validationActions {a!r}")
    return list(dict.fromkeys(actions))


def convert_validating_policy(policy: Any, mode: str = "keep") -> PolicyConversion:
    conv = PolicyConversion(source=policy.source, name=policy.name, kind=policy.kind)
    spec = policy.spec
    try:
        evaluation = spec.get("evaluation") or {}
        mode_name = evaluation.get("mode") or "Kubernetes"
        if mode_name != "Kubernetes":
            raise Unsupported(f"evaluation.mode {mode_name} (not Kubernetes admission)")
        if ((evaluation.get("admission") or {}).get("enabled")) is False:
            raise Unsupported("evaluation.admission.enabled: false (the policy is not applied at admission)")
        actions = _actions(spec, mode)
        annotations = {
            "migrator.kyverno.io/source": policy.ref,
            "migrator.kyverno.io/policy": f"{policy.kind}/{policy.namespace + '/' if policy.namespace else ''}{policy.name}",
        }
        objects: list[dict[str, Any]] = []
        namespace = policy.namespace if policy.kind == "NamespacedValidatingPolicy" else None
        if policy.kind == "NamespacedValidatingPolicy" and not namespace:
            raise Unsupported("NamespacedValidatingPolicy without metadata.namespace")
        name = object_name(policy.name, namespace)
        objects.append(policy_object(name, annotations, _scoped(_vap_spec(spec), namespace)))
        objects.append(binding_object(name, name, actions, annotations))
        for config, kinds, generated in vpol_autogen(spec):
            gen_name = object_name(policy.name, namespace, f"autogen-{config}")
            gen_annotations = dict(annotations, **{"migrator.kyverno.io/autogen": ",".join(kinds)})
            objects.append(policy_object(gen_name, gen_annotations, _scoped(_vap_spec(generated), namespace)))
            objects.append(binding_object(gen_name, gen_name, actions, gen_annotations))
        check_objects(objects)
    except Unsupported as exc:
        conv.rules.append(RuleStatus(policy.name, UNSUPPORTED, exc.reason))
        return conv
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        conv.rules.append(RuleStatus(policy.name, UNSUPPORTED, f"translation failed ({type(exc).__name__}: {exc})"))
        return conv
    conv.objects = objects
    outputs = [o["metadata"]["name"] for o in objects if o["kind"] == "ValidatingAdmissionPolicy"]
    conv.rules.append(RuleStatus(policy.name, CONVERTED, "", outputs))
    return conv
