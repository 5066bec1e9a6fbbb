"""One Kyverno rule (match/exclude already handled) -> the pieces of a ValidatingAdmissionPolicy spec.

Order of evaluation in Kyverno (validate_resource.go): context is loaded, preconditions decide skip, then exactly one of
deny / pattern / anyPattern / foreach / podSecurity / cel decides pass or fail. Here:
- preconditions -> a matchCondition (false = rule skipped = request admitted), celPreconditions -> matchConditions;
- pattern / anyPattern -> one validation, true on DELETE (Kyverno skips pattern checks of deleted resources);
- deny -> `!(conditions)`; foreach -> comprehensions (foreach.py); podSecurity -> the Pod Security checks;
- cel -> copied (cel_rule.py);
- context: a `variable` entry with a JMESPath over the request (or a constant value) is inlined; any other context
  entry (apiCall, configMap, imageRegistry, globalReference) needs data a VAP cannot fetch -> unsupported.
mutate / generate / verifyImages / validate.manifests are not validation a VAP can do -> unsupported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from migrator.translate.kyverno.cel_rule import translate_cel_rule
from migrator.translate.kyverno.context import base_scope, expression_module, translate_context
from migrator.translate.kyverno.foreach import foreach_to_cel
from migrator.translate.kyverno.match import as_create
from migrator.translate.kyverno.scope import Scope, Unsupported

NOT_DELETE = 'request.operation == "DELETE"'
POD_TEMPLATE_KINDS = {"DaemonSet", "Deployment", "Job", "StatefulSet", "ReplicaSet", "ReplicationController"}


@dataclass
class RulePieces:
    validations: list[dict[str, Any]] = field(default_factory=list)
    variables: list[dict[str, Any]] = field(default_factory=list)
    audit_annotations: list[dict[str, Any]] = field(default_factory=list)
    match_conditions: list[dict[str, Any]] = field(default_factory=list)
    param_kind: dict[str, Any] | None = None
    param_ref: dict[str, Any] | None = None
    dropped: list[str] = field(default_factory=list)


def rule_kind_of(rule: dict[str, Any]) -> str:
    """Which kind of rule: validate, mutate, generate, verifyImages (first present)."""
    for key in ("validate", "mutate", "generate", "verifyImages"):
        if rule.get(key):
            return key
    return "none"


def _message(validate: dict[str, Any], rule_name: str, scope: Scope) -> dict[str, str]:
    """message (always: the static text, or the text as written when it has variables) and, when the message
    translator can express its variables, a messageExpression. Messages never change the decision, so a message
    that does not translate keeps its text instead of making the rule unsupported."""
    text = validate.get("message")
    if not text:
        return {"message": f"validation error: rule {rule_name} failed"}
    try:
        message, message_expression = expression_module("message").message_to_cel(str(text), scope)
    except Unsupported:
        return {"message": str(text)}
    out = {"message": message or str(text)}
    if message_expression:
        out["messageExpression"] = message_expression
    return out


def _pod_paths(kinds: set[str]) -> tuple[str, str]:
    """Where Kyverno's podSecurity check finds the pod spec/metadata for the rule's kinds."""
    if kinds == {"Pod"}:
        return "object.spec", "object.metadata"
    if kinds and kinds <= POD_TEMPLATE_KINDS:
        return "object.spec.template.spec", "object.spec.template.metadata"
    if kinds == {"CronJob"}:
        return "object.spec.jobTemplate.spec.template.spec", "object.spec.jobTemplate.spec.template.metadata"
    raise Unsupported(f"podSecurity on kinds {sorted(kinds)} (only Pod or one family of pod controllers)")


def translate_rule(rule: dict[str, Any], kinds: set[str], old_object_match: str | None = None) -> RulePieces:
    """VAP pieces for one (possibly auto-generated) Kyverno rule; raises Unsupported with the construct named.

    old_object_match: when set, model Kyverno's allowExistingViolations for Enforce rules: an UPDATE is let through
    when the old object, re-checked as a CREATE, is matched (this CEL predicate) and fails the rule too
    (validate_resource.go validateOldObject).
    """
    kind = rule_kind_of(rule)
    if kind != "validate":
        if kind == "none":
            raise Unsupported("rule has no validate, mutate, generate or verifyImages section")
        raise Unsupported(f"{kind} rule (a ValidatingAdmissionPolicy only validates)")
    validate = rule["validate"]
    name = str(rule.get("name"))
    pieces = RulePieces()
    if validate.get("manifests") is not None:
        raise Unsupported("validate.manifests (signed manifest verification)")
    if rule.get("celPreconditions") and validate.get("cel") is None:
        raise Unsupported("celPreconditions on a non-CEL rule (Kyverno rejects such a policy)")
    # The engine loads the context and checks preconditions before any handler (engine.go invokeRuleHandler).
    scope = translate_context(rule, base_scope())
    pieces.match_conditions.extend(_context_errors(rule, scope))
    if rule.get("preconditions"):
        pre = expression_module("conditions").conditions_to_cel(rule["preconditions"], scope)
        pieces.match_conditions.append({"name": "kyverno-preconditions", "expression": pre})
    # handler order (engine/validation.go): manifests, podSecurity, cel, then deny/pattern/anyPattern/foreach
    if validate.get("podSecurity") is not None:
        pss = validate["podSecurity"]
        if not isinstance(pss, dict):
            raise Unsupported("podSecurity is not a mapping")
        if str(pss.get("level")) == "privileged":
            # the privileged profile allows everything: the rule always passes
            pieces.validations.append({"expression": "true", "message": "privileged profile"})
            return pieces
        spec_path, meta_path = _pod_paths(kinds)
        checks = expression_module("podsecurity").pod_security_checks(
            pss.get("level"), pss.get("version") or "latest", pss.get("exclude") or [], spec_path, meta_path)
        for expr, check_message in checks:
            pieces.validations.append({"expression": f"{NOT_DELETE} || ({expr})", "message": check_message})
        if not pieces.validations:
            raise Unsupported("podSecurity produced no checks")
        return pieces
    if validate.get("cel") is not None:
        cel = translate_cel_rule(rule)
        pieces.validations = cel["validations"]
        pieces.variables = cel["variables"]
        pieces.audit_annotations = cel["auditAnnotations"]
        pieces.match_conditions.extend(cel["matchConditions"])
        pieces.param_kind = cel.get("paramKind")
        pieces.param_ref = cel.get("paramRef")
        return pieces
    message = _message(validate, name, scope)
    passes = _validation_cel(validate, scope)
    if old_object_match is not None:
        passes = _with_old_object_guard(rule, validate, passes, old_object_match)
    pieces.validations.append({"expression": passes, **message})
    return pieces


def _context_errors(rule: dict[str, Any], scope: Scope) -> list[dict[str, str]]:
    """Kyverno fails the rule when a context variable without default evaluates to null, whether or not anything
    reads it; a matchCondition that evaluates every such variable raises the same error here."""
    names = [str(e["name"]) for e in rule.get("context") or []
             if isinstance(e, dict) and isinstance(e.get("variable"), dict)
             and e["variable"].get("jmesPath") is not None and e["variable"].get("default") is None
             and e["variable"].get("value") is None]
    if not names:
        return []
    loaded = ", ".join(f"dyn({scope.variables[n]})" for n in names if n in scope.variables)
    return [{"name": "kyverno-context", "expression": f"size([{loaded}]) >= 0"}] if loaded else []


def _validation_cel(validate: dict[str, Any], scope: Scope) -> str:
    """CEL bool: the resource passes the deny / pattern / anyPattern / foreach check (Kyverno checks them in that order)."""
    if validate.get("deny") is not None:
        deny = validate["deny"]
        conditions = deny.get("conditions") if isinstance(deny, dict) else None
        if conditions is None:
            # Kyverno: no conditions = empty any/all = true, so the rule always denies what it matches
            return "false"
        return f"!({expression_module('conditions').conditions_to_cel(conditions, scope)})"
    if validate.get("pattern") is not None:
        expr = expression_module("pattern").pattern_to_cel(validate["pattern"], scope.object, scope)
        return f"{NOT_DELETE} || ({expr})" if scope.object == "object" else expr
    if validate.get("anyPattern") is not None:
        if not isinstance(validate["anyPattern"], list):
            raise Unsupported("anyPattern is not a list")
        expr = expression_module("pattern").any_pattern_to_cel(validate["anyPattern"], scope.object, scope)
        return f"{NOT_DELETE} || ({expr})" if scope.object == "object" else expr
    if validate.get("foreach") is not None:
        return foreach_to_cel(validate["foreach"], scope, expression_module)
    raise Unsupported("validate rule without deny, pattern, anyPattern, foreach, podSecurity or cel")


def _with_old_object_guard(rule: dict[str, Any], validate: dict[str, Any], passes: str, old_match: str) -> str:
    if validate.get("allowExistingViolations") is False:
        return passes
    text = json.dumps([rule.get("preconditions"), rule.get("context"), validate])
    if "oldObject" in text:
        raise Unsupported("allowExistingViolations on a rule that reads request.oldObject")
    # Kyverno re-evaluates the rule with request.object = the old object and request.operation = CREATE
    old_scope = translate_context(rule, replace(base_scope(), object="oldObject", old_object="oldObject"))
    old_passes = as_create(_validation_cel(validate, old_scope))
    old_fails = f"!({old_passes})"
    if rule.get("preconditions"):
        old_pre = as_create(expression_module("conditions").conditions_to_cel(rule["preconditions"], old_scope))
        old_fails = f"({old_pre}) && {old_fails}"
    if old_match != "true":
        old_fails = f"({old_match}) && {old_fails}"
    return f'({passes}) || (request.operation == "UPDATE" && oldObject != null && {old_fails})'
